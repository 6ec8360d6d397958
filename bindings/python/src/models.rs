//! The conversions behind the result classes of `classes.rs` (generated from the API's
//! description): a core field as a Python value, a result as its wire dict, its repr and
//! pickling, and JSON values to and from Python objects.

use std::collections::BTreeMap;

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyModule, PyString, PyTuple};
use serde_json::{Map, Number, Value};
use tradepay_types::webhook::EventData;
use tradepay_types::{
    Amount, Event, NextAction, NextActionRedirect, OpenEnum, PaymentError, Refund, Trade,
};

pub use crate::classes::{
    PyEvent, PyNextAction, PyNextActionRedirect, PyPaymentError, PyRefund, PyTrade,
};

static ENUMS: PyOnceLock<Py<PyModule>> = PyOnceLock::new();

/// A member of `tradepay._enums.<class>` for a value the core knows, else a plain `str`.
pub fn open_enum<'py, E: OpenEnum>(py: Python<'py>, value: &E) -> PyResult<Bound<'py, PyAny>> {
    if !value.known() {
        return Ok(PyString::new(py, value.wire()).into_any());
    }
    let module = ENUMS.get_or_try_init(py, || py.import("tradepay._enums").map(Bound::unbind))?;
    module.bind(py).getattr(E::NAME)?.call1((value.wire(),))
}

/// [`open_enum`] of a field that may be absent (None).
pub fn open_enum_or_none<'py, E: OpenEnum>(
    py: Python<'py>,
    value: Option<&E>,
) -> PyResult<Bound<'py, PyAny>> {
    match value {
        Some(v) => open_enum(py, v),
        None => Ok(py.None().into_bound(py)),
    }
}

/// How a field of a core struct becomes the Python value its getter returns.
pub trait Field {
    fn to_py<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>>;
}

impl Field for str {
    fn to_py<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        Ok(PyString::new(py, self).into_any())
    }
}

impl Field for String {
    fn to_py<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.as_str().to_py(py)
    }
}

impl<T: Field + ?Sized> Field for &T {
    fn to_py<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        (**self).to_py(py)
    }
}

impl Field for u16 {
    fn to_py<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        Ok(self.into_pyobject(py)?.into_any())
    }
}

impl Field for u32 {
    fn to_py<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        Ok(self.into_pyobject(py)?.into_any())
    }
}

/// Seconds, as `httpx`'s `elapsed.total_seconds()` and the client's `timeout=` are.
impl Field for std::time::Duration {
    fn to_py<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        Ok(self.as_secs_f64().into_pyobject(py)?.into_any())
    }
}

/// `Name(a=repr(a), b=repr(b))` from the object's own attributes.
pub fn attribute_repr(obj: &Bound<'_, PyAny>, name: &str, attributes: &[&str]) -> PyResult<String> {
    let mut parts = Vec::with_capacity(attributes.len());
    for attribute in attributes {
        parts.push(format!("{attribute}={}", obj.getattr(*attribute)?.repr()?));
    }
    Ok(format!("{name}({})", parts.join(", ")))
}

impl Field for bool {
    fn to_py<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        Ok(PyBool::new(py, *self).to_owned().into_any())
    }
}

/// A decimal string with exactly two decimals (`"10.50"`).
impl Field for Amount {
    fn to_py<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.to_string().to_py(py)
    }
}

impl Field for BTreeMap<String, String> {
    fn to_py<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let dict = PyDict::new(py);
        for (k, v) in self {
            dict.set_item(k, v)?;
        }
        Ok(dict.into_any())
    }
}

impl<T: Field> Field for Option<T> {
    fn to_py<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        match self {
            Some(v) => v.to_py(py),
            None => Ok(py.None().into_bound(py)),
        }
    }
}

macro_rules! class_field {
    ($($core:ident => $class:ident),+ $(,)?) => {$(
        impl Field for $core {
            fn to_py<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
                Ok(Bound::new(py, $class { inner: self.clone() })?.into_any())
            }
        }
    )+};
}

class_field!(
    PaymentError => PyPaymentError,
    NextAction => PyNextAction,
    NextActionRedirect => PyNextActionRedirect,
    Trade => PyTrade,
    Refund => PyRefund,
);

/// A `Trade`, a `Refund`, or (for an unknown type) the raw dict.
impl Field for EventData {
    fn to_py<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        match self {
            EventData::Trade(t) => t.to_py(py),
            EventData::Refund(r) => r.to_py(py),
            EventData::Unknown(v) => json_to_py(py, v),
        }
    }
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

/// A dict that is not the value it should be: a ValidationError, as bad input is anywhere.
fn not_valid(py: Python<'_>, message: String) -> PyErr {
    let class = tradepay_types::describe::error_class("validation");
    crate::errors::to_py(py, crate::errors::ErrorInfo::plain(class, message))
}

/// A result from a dict shaped like its `to_dict()`; a dict that is not one is a ValueError.
pub fn from_dict<T: Model + serde::de::DeserializeOwned>(data: &Bound<'_, PyAny>) -> PyResult<T> {
    crate::errors::guard(data.py(), false, || {
        serde_json::from_value(py_to_json(data)?)
            .map_err(|e| not_valid(data.py(), format!("not a valid {}: {e}", T::WHAT)))
    })
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

/// What the generated classes need of each result besides its fields.
pub trait Model {
    /// The noun of a `from_dict` error ("not a valid trade").
    const WHAT: &'static str;
    /// The result as the wire's JSON object.
    fn wire(&self) -> Value;
    /// The Python repr.
    fn repr(&self) -> String;
    /// What pickle calls with `wire()` as a dict to rebuild the value.
    fn rebuilder<'py>(&self, slf: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        slf.get_type().getattr("from_dict")
    }
}

impl Model for PaymentError {
    const WHAT: &'static str = "payment error";
    fn wire(&self) -> Value {
        serialize(self)
    }
    fn repr(&self) -> String {
        repr_fields("PaymentError", &self.wire(), &[])
    }
}

impl Model for NextActionRedirect {
    const WHAT: &'static str = "redirect";
    fn wire(&self) -> Value {
        serialize(self)
    }
    fn repr(&self) -> String {
        let url = self.url.as_deref().map(quote);
        format!(
            "NextActionRedirect(url={})",
            url.as_deref().unwrap_or("None")
        )
    }
}

impl Model for NextAction {
    const WHAT: &'static str = "next action";
    fn wire(&self) -> Value {
        serialize(self)
    }
    fn repr(&self) -> String {
        let url = self.redirect_url().map(quote);
        format!(
            "NextAction(type={}, redirect_url={})",
            quote(self.action_type.as_str()),
            url.as_deref().unwrap_or("None")
        )
    }
}

impl Model for Trade {
    const WHAT: &'static str = "trade";
    fn wire(&self) -> Value {
        serialize(self)
    }
    fn repr(&self) -> String {
        repr_fields("Trade", &self.wire(), &["payment_token"])
    }
}

impl Model for Refund {
    const WHAT: &'static str = "refund";
    fn wire(&self) -> Value {
        serialize(self)
    }
    fn repr(&self) -> String {
        repr_fields("Refund", &self.wire(), &[])
    }
}

impl Model for Event {
    const WHAT: &'static str = "event";
    /// `id`, `type` (a plain str), `timestamp` and `data` (the order or refund as its
    /// `to_dict()`, or the raw dict).
    fn wire(&self) -> Value {
        let data = match &self.data {
            EventData::Trade(t) => t.wire(),
            EventData::Refund(r) => r.wire(),
            EventData::Unknown(v) => v.clone(),
        };
        serde_json::json!({
            "id": self.id,
            "type": self.event_type.as_str(),
            "timestamp": self.timestamp,
            "data": data,
        })
    }
    fn repr(&self) -> String {
        let data = match &self.data {
            EventData::Trade(t) => t.repr(),
            EventData::Refund(r) => r.repr(),
            EventData::Unknown(v) => v.to_string(),
        };
        format!(
            "Event(id={}, type={}, timestamp={}, data={data})",
            quote(&self.id),
            quote(self.event_type.as_str()),
            quote(&self.timestamp)
        )
    }
    fn rebuilder<'py>(&self, slf: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        slf.py()
            .import("tradepay._native")?
            .getattr("_event_from_dict")
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
        return Err(not_valid(
            data.py(),
            "an event needs id, type and timestamp".into(),
        ));
    };
    let event_type = tradepay_types::EventType::from_wire(&t);
    let raw = value.get("data").cloned().unwrap_or(Value::Null);
    let bad = |e: serde_json::Error| not_valid(data.py(), format!("not a valid event: {e}"));
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
    let d = PyDict::new(py);
    for e in tradepay_types::describe::enums() {
        d.set_item(e.name, e.values)?;
    }
    Ok(d)
}
