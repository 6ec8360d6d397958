//! Result objects (`Trade`, `Refund`, `Event`, …) wrapping the Rust structs, and the
//! conversions between JSON values and Python objects.

use std::collections::BTreeMap;

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyModule, PyString, PyTuple};
use serde_json::{Map, Number, Value};
use tradepay_types::webhook::EventData;
use tradepay_types::{Event, NextAction, PaymentError, Refund, Trade};

static ENUMS: PyOnceLock<Py<PyModule>> = PyOnceLock::new();

/// A member of `tradepay._enums.<class>` for a value the core knows, else a plain `str`.
fn enum_value<'py>(
    py: Python<'py>,
    class: &str,
    known: bool,
    raw: &str,
) -> PyResult<Bound<'py, PyAny>> {
    if !known {
        return Ok(PyString::new(py, raw).into_any());
    }
    let module = ENUMS.get_or_try_init(py, || py.import("tradepay._enums").map(Bound::unbind))?;
    module.bind(py).getattr(class)?.call1((raw,))
}

macro_rules! enum_getter {
    ($py:expr, $class:literal, $value:expr) => {
        match $value {
            Some(v) => Some(enum_value($py, $class, v.is_known(), v.as_str())?),
            None => None,
        }
    };
}

/// A JSON value as the Python object `json.loads` would give.
pub fn json_to_py<'py>(py: Python<'py>, value: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match value {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                i.into_pyobject(py)?.into_any()
            } else if let Some(u) = n.as_u64() {
                u.into_pyobject(py)?.into_any()
            } else {
                n.as_f64().unwrap_or(f64::NAN).into_pyobject(py)?.into_any()
            }
        }
        Value::String(s) => PyString::new(py, s).into_any(),
        Value::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(json_to_py(py, item)?)?;
            }
            list.into_any()
        }
        Value::Object(map) => {
            let dict = PyDict::new(py);
            for (k, v) in map {
                dict.set_item(k, json_to_py(py, v)?)?;
            }
            dict.into_any()
        }
    })
}

/// A Python object made of dicts, lists, str, int, float, bool and None, as JSON. Nesting
/// deeper than the core's `depth::MAX_DEPTH` (which a cycle always does) is a
/// ValidationError, not a stack overflow.
pub fn py_to_json(value: &Bound<'_, PyAny>) -> PyResult<Value> {
    py_to_json_at(value, 0)
}

fn py_to_json_at(value: &Bound<'_, PyAny>, depth: usize) -> PyResult<Value> {
    tradepay_types::depth::check("data", depth).map_err(|e| crate::errors::raise(value.py(), e))?;
    if value.is_none() {
        return Ok(Value::Null);
    }
    if let Ok(b) = value.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if let Ok(s) = value.cast::<PyString>() {
        return Ok(Value::String(s.to_cow()?.into_owned()));
    }
    if value.cast::<PyInt>().is_ok() {
        if let Ok(i) = value.extract::<i64>() {
            return Ok(Value::from(i));
        }
        return Ok(Value::from(value.extract::<u64>()?));
    }
    if let Ok(f) = value.cast::<PyFloat>() {
        return Number::from_f64(f.value())
            .map(Value::Number)
            .ok_or_else(|| PyValueError::new_err("NaN and infinities have no JSON form"));
    }
    if let Ok(d) = value.cast::<PyDict>() {
        let mut map = Map::new();
        for (k, v) in d.iter() {
            let key = k
                .cast::<PyString>()
                .map_err(|_| PyTypeError::new_err("dictionary keys must be str"))?;
            map.insert(key.to_cow()?.into_owned(), py_to_json_at(&v, depth + 1)?);
        }
        return Ok(Value::Object(map));
    }
    if value.cast::<PyList>().is_ok() || value.cast::<PyTuple>().is_ok() {
        let mut items = Vec::new();
        for item in value.try_iter()? {
            items.push(py_to_json_at(&item?, depth + 1)?);
        }
        return Ok(Value::Array(items));
    }
    Err(PyTypeError::new_err(format!(
        "cannot convert {} to JSON",
        value.get_type().name()?
    )))
}

fn serialize<T: serde::Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

fn from_dict<T: serde::de::DeserializeOwned>(what: &str, data: &Bound<'_, PyAny>) -> PyResult<T> {
    let value = py_to_json(data)?;
    serde_json::from_value(value)
        .map_err(|e| PyValueError::new_err(format!("not a valid {what}: {e}")))
}

/// A Python-style quoted string, for reprs.
pub fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'"))
}

/// The order fields are shown in: identity first, then state, then the rest.
const REPR_ORDER: &[&str] = &[
    "status",
    "trade_id",
    "refund_id",
    "order_id",
    "merchant_id",
    "amount",
    "currency",
    "trade_status",
    "refund_status",
    "total_refunded_amount",
    "payment_method",
    "payment_mode",
    "last_payment_error",
    "next_action",
    "reason",
];

fn repr_fields(name: &str, value: &Value, hide: &[&str]) -> String {
    let mut parts = Vec::new();
    if let Value::Object(map) = value {
        let rank = |k: &str| {
            REPR_ORDER
                .iter()
                .position(|o| *o == k)
                .unwrap_or(REPR_ORDER.len())
        };
        let mut fields: Vec<(&String, &Value)> = map.iter().collect();
        fields.sort_by_key(|(k, _)| rank(k));
        for (k, v) in fields {
            let shown = match v {
                _ if hide.contains(&k.as_str()) => "'…'".to_owned(),
                Value::String(s) => quote(s),
                other => other.to_string(),
            };
            parts.push(format!("{k}={shown}"));
        }
    }
    format!("{name}({})", parts.join(", "))
}

fn string_map<'py>(
    py: Python<'py>,
    map: &BTreeMap<String, String>,
) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    for (k, v) in map {
        dict.set_item(k, v)?;
    }
    Ok(dict)
}

/// Why a payment failed (`last_payment_error`).
#[pyclass(module = "tradepay", name = "PaymentError", frozen, eq)]
#[derive(Clone, PartialEq)]
pub struct PyPaymentError {
    pub inner: PaymentError,
}

#[pymethods]
impl PyPaymentError {
    /// Machine-readable reason, such as `card_declined`, or None when the gateway gave none.
    #[getter]
    fn code(&self) -> Option<&str> {
        self.inner.code.as_deref()
    }
    /// Human-readable reason, or None when the gateway gave none.
    #[getter]
    fn message(&self) -> Option<&str> {
        self.inner.message.as_deref()
    }
    /// The error as the wire's JSON object: `{"code": ..., "message": ...}`, absent fields
    /// left out.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        json_to_py(py, &serialize(&self.inner))
    }
    fn __repr__(&self) -> String {
        repr_fields("PaymentError", &serialize(&self.inner), &[])
    }
}

/// Where a redirect sends the customer.
#[pyclass(module = "tradepay", name = "NextActionRedirect", frozen, eq)]
#[derive(Clone, PartialEq)]
pub struct PyNextActionRedirect {
    url: Option<String>,
}

#[pymethods]
impl PyNextActionRedirect {
    /// The page the customer's browser opens (or the QR code's content), or None when the
    /// gateway gave none.
    #[getter]
    fn url(&self) -> Option<&str> {
        self.url.as_deref()
    }
    fn __repr__(&self) -> String {
        format!(
            "NextActionRedirect(url={})",
            self.url.as_deref().map(quote).unwrap_or("None".into())
        )
    }
}

/// What the customer must do before the order can become final.
#[pyclass(module = "tradepay", name = "NextAction", frozen, eq)]
#[derive(Clone, PartialEq)]
pub struct PyNextAction {
    pub inner: NextAction,
}

#[pymethods]
impl PyNextAction {
    /// `redirect`, or a type this version does not know (a plain str).
    #[getter(r#type)]
    fn action_type<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let t = &self.inner.action_type;
        enum_value(py, "NextActionType", t.is_known(), t.as_str())
    }
    /// Where the redirect sends the customer: set for `redirect`, else None.
    #[getter]
    fn redirect(&self) -> Option<PyNextActionRedirect> {
        self.inner
            .redirect
            .as_ref()
            .map(|r| PyNextActionRedirect { url: r.url.clone() })
    }
    /// `redirect.url`, when there is one.
    #[getter]
    fn redirect_url(&self) -> Option<&str> {
        self.inner.redirect_url()
    }
    /// The action as the wire's JSON object (`{"type": ..., "redirect": {"url": ...}}`),
    /// the type as a plain str.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        json_to_py(py, &serialize(&self.inner))
    }
    fn __repr__(&self) -> String {
        format!(
            "NextAction(type={}, redirect_url={})",
            quote(self.inner.action_type.as_str()),
            self.inner
                .redirect_url()
                .map(quote)
                .unwrap_or("None".into())
        )
    }
}

/// A payment order as the gateway reports it (protocol §5), with its `status`.
#[pyclass(module = "tradepay", name = "Trade", frozen, eq)]
#[derive(Clone, PartialEq)]
pub struct PyTrade {
    pub inner: Trade,
}

#[pymethods]
impl PyTrade {
    /// The gateway's transaction ID, or None when not applicable.
    #[getter]
    fn trade_id(&self) -> Option<&str> {
        self.inner.trade_id.as_deref()
    }
    /// The access party the order belongs to, or None when not applicable.
    #[getter]
    fn access_no(&self) -> Option<&str> {
        self.inner.access_no.as_deref()
    }
    /// The merchant the order belongs to, or None when not applicable.
    #[getter]
    fn merchant_id(&self) -> Option<&str> {
        self.inner.merchant_id.as_deref()
    }
    /// The caller's order ID, unique per merchant, or None when not applicable.
    #[getter]
    fn order_id(&self) -> Option<&str> {
        self.inner.order_id.as_deref()
    }
    /// The ISO 4217 code (uppercase, such as `"EUR"`), or None when not applicable.
    #[getter]
    fn currency(&self) -> Option<&str> {
        self.inner.currency.as_deref()
    }
    /// The caller's customer ID, as sent; None when none was sent.
    #[getter]
    fn customer_id(&self) -> Option<&str> {
        self.inner.customer_id.as_deref()
    }
    /// When the payment succeeded, an RFC 3339 UTC string (`"2026-11-21T22:18:46Z"`); None
    /// until it has succeeded.
    #[getter]
    fn paid_at(&self) -> Option<&str> {
        self.inner.paid_at.as_deref()
    }
    /// The gateway's ID of the latest transaction on the order, or None when not applicable.
    #[getter]
    fn last_trans_id(&self) -> Option<&str> {
        self.inner.last_trans_id.as_deref()
    }
    /// The token of a subscription: returned by a successful `subscription` payment, it
    /// pays the renewals (`recurring_payment`). None for other payments. It can charge the
    /// customer again: keep it secret (the repr masks it).
    #[getter]
    fn payment_token(&self) -> Option<&str> {
        self.inner.payment_token.as_deref()
    }
    /// The channel that processed the payment, or None when not applicable.
    #[getter]
    fn payment_channel(&self) -> Option<&str> {
        self.inner.payment_channel.as_deref()
    }
    /// Where the customer's browser returns after a redirect, or None when none was given.
    #[getter]
    fn return_url(&self) -> Option<&str> {
        self.inner.return_url.as_deref()
    }
    /// When the caller started the operation, an RFC 3339 UTC string; None when not applicable.
    #[getter]
    fn txn_time(&self) -> Option<&str> {
        self.inner.txn_time.as_deref()
    }
    /// When the gateway created the order, an RFC 3339 UTC string; None when not applicable.
    #[getter]
    fn created_at(&self) -> Option<&str> {
        self.inner.created_at.as_deref()
    }

    /// `Status.PENDING`, `SUCCESS`, `FAILED` or `CLOSED`, or a status this version does not
    /// know (a plain str). Always set.
    #[getter]
    fn status<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let s = &self.inner.status;
        enum_value(py, "Status", s.is_known(), s.as_str())
    }
    /// Where the payment stands: `TradeStatus.REQUIRES_PAYMENT_METHOD`, `REQUIRES_ACTION`,
    /// `PROCESSING`, `SUCCEEDED`, or a value this version does not know (a plain str); None
    /// when not applicable. A CLOSED order keeps the value it had when closed.
    #[getter]
    fn trade_status<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        Ok(enum_getter!(py, "TradeStatus", &self.inner.trade_status))
    }
    /// How much of the order is refunded: `RefundStatus.NO_REFUND`, `PARTIALLY_REFUNDED`,
    /// `REFUNDED`, or a value this version does not know (a plain str); None when not
    /// applicable.
    #[getter]
    fn refund_status<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        Ok(enum_getter!(py, "RefundStatus", &self.inner.refund_status))
    }
    /// `PaymentMode.SUBSCRIPTION` (first payment of a subscription, returns
    /// `payment_token`) or `PaymentMode.RECURRING_PAYMENT` (pays with `payment_token`), for
    /// cards, or a value this version does not know (a plain str); None for a one-off
    /// payment.
    #[getter]
    fn payment_mode<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        Ok(enum_getter!(py, "PaymentMode", &self.inner.payment_mode))
    }
    /// `PaymentMethod.CARD`, `QR` or `MICROPAY`, or a method this version does not know (a
    /// plain str); None when not applicable.
    #[getter]
    fn payment_method<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        Ok(enum_getter!(
            py,
            "PaymentMethod",
            &self.inner.payment_method
        ))
    }
    /// The amount, a decimal string with exactly two decimals (`"10.50"`); None when not
    /// applicable.
    #[getter]
    fn amount(&self) -> Option<String> {
        self.inner.amount.map(|a| a.to_string())
    }
    /// The sum of the successful refunds, a decimal string with two decimals (`"0.00"` if
    /// none); None when not applicable.
    #[getter]
    fn total_refunded_amount(&self) -> Option<String> {
        self.inner.total_refunded_amount.map(|a| a.to_string())
    }
    /// The caller's metadata, a dict of str to str, as sent; None when none was sent.
    #[getter]
    fn metadata<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyDict>>> {
        self.inner
            .metadata
            .as_ref()
            .map(|m| string_map(py, m))
            .transpose()
    }
    /// Why the payment failed (a `PaymentError`): set when it failed, else None.
    #[getter]
    fn last_payment_error(&self) -> Option<PyPaymentError> {
        self.inner
            .last_payment_error
            .clone()
            .map(|inner| PyPaymentError { inner })
    }
    /// What the customer must do (a `NextAction`): set while the customer must act, None
    /// once the order is final.
    #[getter]
    fn next_action(&self) -> Option<PyNextAction> {
        self.inner
            .next_action
            .clone()
            .map(|inner| PyNextAction { inner })
    }
    /// `next_action.redirect.url`, when there is one.
    #[getter]
    fn redirect_url(&self) -> Option<&str> {
        self.inner.redirect_url()
    }
    /// True once the status will not change (SUCCESS, FAILED, CLOSED).
    #[getter]
    fn is_final(&self) -> bool {
        self.inner.is_final()
    }
    /// The order as the wire's JSON object (enum values as plain strings).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        json_to_py(py, &serialize(&self.inner))
    }
    /// An order from a dict shaped like `to_dict()` (or a webhook's data).
    #[staticmethod]
    fn from_dict(data: &Bound<'_, PyAny>) -> PyResult<Self> {
        crate::errors::guard(data.py(), false, || {
            Ok(PyTrade {
                inner: from_dict("trade", data)?,
            })
        })
    }
    fn __repr__(&self) -> String {
        repr_fields("Trade", &serialize(&self.inner), &["payment_token"])
    }
    fn __reduce__<'py>(
        slf: &Bound<'py, Self>,
    ) -> PyResult<(Bound<'py, PyAny>, (Bound<'py, PyAny>,))> {
        let py = slf.py();
        let from_dict = slf.get_type().getattr("from_dict")?;
        Ok((from_dict, (slf.get().to_dict(py)?,)))
    }
}

/// A refund as the gateway reports it (protocol §6).
#[pyclass(module = "tradepay", name = "Refund", frozen, eq)]
#[derive(Clone, PartialEq)]
pub struct PyRefund {
    pub inner: Refund,
}

#[pymethods]
impl PyRefund {
    /// The caller's refund ID, unique per merchant, or None when not applicable.
    #[getter]
    fn refund_id(&self) -> Option<&str> {
        self.inner.refund_id.as_deref()
    }
    /// The refunded order's transaction ID, or None when not applicable.
    #[getter]
    fn trade_id(&self) -> Option<&str> {
        self.inner.trade_id.as_deref()
    }
    /// The refunded order's ID, or None when not applicable.
    #[getter]
    fn order_id(&self) -> Option<&str> {
        self.inner.order_id.as_deref()
    }
    /// The order's currency, an ISO 4217 code, or None when not applicable.
    #[getter]
    fn currency(&self) -> Option<&str> {
        self.inner.currency.as_deref()
    }
    /// The caller's reason, as sent; None when none was sent.
    #[getter]
    fn reason(&self) -> Option<&str> {
        self.inner.reason.as_deref()
    }
    /// When the refund was created, an RFC 3339 UTC string; None when not applicable.
    #[getter]
    fn created_at(&self) -> Option<&str> {
        self.inner.created_at.as_deref()
    }
    /// When the refund succeeded, an RFC 3339 UTC string; None until it has succeeded.
    #[getter]
    fn refunded_at(&self) -> Option<&str> {
        self.inner.refunded_at.as_deref()
    }

    /// `Status.PENDING`, `SUCCESS` or `FAILED`, or a status this version does not know (a
    /// plain str). Always set.
    #[getter]
    fn status<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let s = &self.inner.status;
        enum_value(py, "Status", s.is_known(), s.as_str())
    }
    /// The refunded amount, a decimal string with exactly two decimals (`"10.50"`); None
    /// when not applicable.
    #[getter]
    fn amount(&self) -> Option<String> {
        self.inner.amount.map(|a| a.to_string())
    }
    /// True once the status will not change (SUCCESS, FAILED).
    #[getter]
    fn is_final(&self) -> bool {
        self.inner.status.is_final()
    }
    /// The refund as the wire's JSON object (enum values as plain strings, absent fields left out).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        json_to_py(py, &serialize(&self.inner))
    }
    /// A refund from a dict shaped like `to_dict()` (or a webhook's data).
    #[staticmethod]
    fn from_dict(data: &Bound<'_, PyAny>) -> PyResult<Self> {
        crate::errors::guard(data.py(), false, || {
            Ok(PyRefund {
                inner: from_dict("refund", data)?,
            })
        })
    }
    fn __repr__(&self) -> String {
        repr_fields("Refund", &serialize(&self.inner), &[])
    }
    fn __reduce__<'py>(
        slf: &Bound<'py, Self>,
    ) -> PyResult<(Bound<'py, PyAny>, (Bound<'py, PyAny>,))> {
        let py = slf.py();
        let from_dict = slf.get_type().getattr("from_dict")?;
        Ok((from_dict, (slf.get().to_dict(py)?,)))
    }
}

/// A verified webhook delivery.
#[pyclass(module = "tradepay", name = "Event", frozen, eq)]
#[derive(Clone, PartialEq)]
pub struct PyEvent {
    pub inner: Event,
}

impl PyEvent {
    fn data_json(&self) -> Value {
        match &self.inner.data {
            EventData::Trade(t) => serialize(t),
            EventData::Refund(r) => serialize(r),
            EventData::Unknown(v) => v.clone(),
        }
    }
    fn json(&self) -> Value {
        serde_json::json!({
            "id": self.inner.id,
            "type": self.inner.event_type.as_str(),
            "timestamp": self.inner.timestamp,
            "data": self.data_json(),
        })
    }
}

#[pymethods]
impl PyEvent {
    /// `webhook-id`: the same on every retry of a delivery; drop duplicates by it.
    #[getter]
    fn id(&self) -> &str {
        &self.inner.id
    }
    /// `trade.succeeded`, …, or a type this version does not know (a plain str).
    #[getter(r#type)]
    fn event_type<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let t = &self.inner.event_type;
        enum_value(py, "EventType", t.is_known(), t.as_str())
    }
    /// The body's RFC 3339 timestamp.
    #[getter]
    fn timestamp(&self) -> &str {
        &self.inner.timestamp
    }
    /// A `Trade`, a `Refund`, or (for an unknown type) the raw dict.
    #[getter]
    fn data<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        Ok(match &self.inner.data {
            EventData::Trade(t) => Bound::new(
                py,
                PyTrade {
                    inner: (**t).clone(),
                },
            )?
            .into_any(),
            EventData::Refund(r) => Bound::new(
                py,
                PyRefund {
                    inner: (**r).clone(),
                },
            )?
            .into_any(),
            EventData::Unknown(v) => json_to_py(py, v)?,
        })
    }
    /// The event as a dict: `id`, `type` (a plain str), `timestamp` and `data` (the order
    /// or refund as its `to_dict()`, or the raw dict).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        json_to_py(py, &self.json())
    }
    fn __repr__(&self) -> String {
        let data = match &self.inner.data {
            EventData::Trade(t) => repr_fields("Trade", &serialize(t), &["payment_token"]),
            EventData::Refund(r) => repr_fields("Refund", &serialize(r), &[]),
            EventData::Unknown(v) => v.to_string(),
        };
        format!(
            "Event(id={}, type={}, timestamp={}, data={data})",
            quote(&self.inner.id),
            quote(self.inner.event_type.as_str()),
            quote(&self.inner.timestamp)
        )
    }
    fn __reduce__<'py>(
        slf: &Bound<'py, Self>,
    ) -> PyResult<(Bound<'py, PyAny>, (Bound<'py, PyAny>,))> {
        let py = slf.py();
        let rebuild = py.import("tradepay._native")?.getattr("_event_from_dict")?;
        Ok((rebuild, (slf.get().to_dict(py)?,)))
    }
}

/// Rebuilds an `Event` from `Event.to_dict()` (for pickle).
#[pyfunction]
pub fn _event_from_dict(data: &Bound<'_, PyAny>) -> PyResult<PyEvent> {
    crate::errors::guard(data.py(), false, || event_from_dict(data))
}

fn event_from_dict(data: &Bound<'_, PyAny>) -> PyResult<PyEvent> {
    let value = py_to_json(data)?;
    let get = |k: &str| value.get(k).and_then(Value::as_str).map(str::to_owned);
    let (Some(id), Some(t), Some(timestamp)) = (get("id"), get("type"), get("timestamp")) else {
        return Err(PyValueError::new_err(
            "an event needs id, type and timestamp",
        ));
    };
    let event_type = tradepay_types::EventType::from_wire(&t);
    let raw = value.get("data").cloned().unwrap_or(Value::Null);
    let bad = |e: serde_json::Error| PyValueError::new_err(format!("not a valid event: {e}"));
    let data = match &event_type {
        tradepay_types::EventType::Unknown(_) => EventData::Unknown(raw),
        k if k.is_refund() => {
            EventData::Refund(Box::new(serde_json::from_value(raw).map_err(bad)?))
        }
        _ => EventData::Trade(Box::new(serde_json::from_value(raw).map_err(bad)?)),
    };
    Ok(PyEvent {
        inner: Event {
            id,
            event_type,
            timestamp,
            data,
        },
    })
}

/// The values the core knows for each enumeration (the Python enums must list the same).
#[pyfunction]
pub fn _known_values(py: Python<'_>) -> PyResult<Bound<'_, PyDict>> {
    use tradepay_types::*;
    fn names<T>(known: &[T], f: fn(&T) -> &str) -> Vec<String> {
        known.iter().map(|v| f(v).to_owned()).collect()
    }
    let d = PyDict::new(py);
    d.set_item("Status", names(Status::KNOWN, Status::as_str))?;
    d.set_item(
        "TradeStatus",
        names(TradeStatus::KNOWN, TradeStatus::as_str),
    )?;
    d.set_item(
        "RefundStatus",
        names(RefundStatus::KNOWN, RefundStatus::as_str),
    )?;
    d.set_item(
        "PaymentMode",
        names(PaymentMode::KNOWN, PaymentMode::as_str),
    )?;
    d.set_item(
        "PaymentMethod",
        names(PaymentMethod::KNOWN, PaymentMethod::as_str),
    )?;
    d.set_item(
        "NextActionType",
        names(NextActionType::KNOWN, NextActionType::as_str),
    )?;
    d.set_item("EventType", names(EventType::KNOWN, EventType::as_str))?;
    Ok(d)
}
