//! Python arguments to the core's request types. Only type conversion happens here: every
//! rule of the protocol is checked by tradepay-types when the client builds the request.

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyFloat, PyInt, PyMapping, PyString};
use tradepay_types::{code, Amount, CardData, Metadata, MicropayData, OrderRef, PaymentMethodData};

use crate::errors::{self, ErrorInfo};

static DECIMAL: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

fn invalid(py: Python<'_>, field: &str, message: impl Into<String>) -> PyErr {
    errors::to_py(py, ErrorInfo::validation(field, message))
}

/// An amount from a `str`, a `decimal.Decimal` or an `int`; a float is refused, since a
/// binary float cannot carry most decimal amounts exactly.
pub fn amount(value: &Bound<'_, PyAny>) -> PyResult<Amount> {
    let py = value.py();
    if let Ok(s) = value.cast::<PyString>() {
        return Amount::parse(&s.to_cow()?).map_err(|e| errors::raise(py, e));
    }
    let result = if value.cast::<PyFloat>().is_ok() {
        return Err(errors::to_py(
            py,
            ErrorInfo {
                code: Some(code::FORMAT_AMOUNT.to_owned()),
                ..ErrorInfo::validation(
                    "amount",
                    "must be a str or decimal.Decimal, not a float: a float cannot hold most \
                     decimal amounts exactly (0.1 + 0.2 != 0.3); pass \"10.50\" or Decimal(\"10.50\")",
                )
            },
        ));
    } else if value.cast::<PyBool>().is_ok() {
        return Err(invalid(
            py,
            "amount",
            "must be a str or decimal.Decimal, not a bool",
        ));
    } else if value.cast::<PyInt>().is_ok() {
        // Never through str(): a 5000-digit int raises ValueError there (and a bigger one
        // takes quadratic time). Any int beyond i128 breaks the rule i128::MAX/MIN breaks.
        let units = match value.extract::<i128>() {
            Ok(units) => units,
            Err(_) if value.lt(0)? => i128::MIN,
            Err(_) => i128::MAX,
        };
        Amount::from_int(units)
    } else if value.is_instance(
        DECIMAL
            .get_or_try_init(py, || {
                py.import("decimal")?.getattr("Decimal").map(Bound::unbind)
            })?
            .bind(py),
    )? {
        // By its parts, never by its text: format(Decimal("1e100000000"), "f") writes a
        // hundred million digits. The core checks the exponent before building anything.
        let (sign, digits, exponent): (u8, Bound<'_, PyAny>, Bound<'_, PyAny>) =
            value.call_method0("as_tuple")?.extract()?;
        match exponent.extract::<i64>() {
            Ok(exponent) => {
                let digits: Vec<u8> = digits.extract()?;
                Amount::from_decimal_parts(sign == 1, &digits, exponent)
            }
            // NaN, sNaN and Infinity (exponent "n", "N" or "F"): their text is short and the
            // string rules name what is wrong with it.
            Err(_) => Amount::parse(&value.str()?.to_cow()?),
        }
    } else {
        return Err(invalid(
            py,
            "amount",
            format!(
                "must be a str or decimal.Decimal, not {}",
                value.get_type().name()?
            ),
        ));
    };
    result.map_err(|e| errors::raise(py, e))
}

/// `trade_id` and/or `order_id`.
pub fn order_ref(
    py: Python<'_>,
    trade_id: Option<String>,
    order_id: Option<String>,
) -> PyResult<OrderRef> {
    OrderRef::from_parts(trade_id, order_id)
        .ok_or_else(|| invalid(py, "trade_id", "trade_id or order_id is required"))
}

fn str_field(
    py: Python<'_>,
    map: &Bound<'_, PyMapping>,
    key: &str,
    path: &str,
) -> PyResult<String> {
    let value = map
        .get_item(key)
        .map_err(|_| invalid(py, &format!("{path}.{key}"), "is required"))?;
    value
        .cast::<PyString>()
        .map_err(|_| invalid(py, &format!("{path}.{key}"), "must be a str"))?
        .to_cow()
        .map(|c| c.into_owned())
}

fn mapping<'py>(
    py: Python<'py>,
    value: &Bound<'py, PyAny>,
    path: &str,
) -> PyResult<Bound<'py, PyMapping>> {
    value
        .cast::<PyMapping>()
        .cloned()
        .map_err(|_| invalid(py, path, "must be a mapping"))
}

/// `payment_method_data`: `{"card": {...}}` or `{"micropay": {"auth_code": ...}}`.
pub fn payment_method_data(value: &Bound<'_, PyAny>) -> PyResult<PaymentMethodData> {
    let py = value.py();
    let map = mapping(py, value, "payment_method_data")?;
    let mut out = PaymentMethodData::default();
    for key in map.keys()?.iter() {
        let name: String = key
            .extract()
            .map_err(|_| invalid(py, "payment_method_data", "keys must be str"))?;
        let inner = mapping(
            py,
            &map.get_item(&key)?,
            &format!("payment_method_data.{name}"),
        )?;
        match name.as_str() {
            "card" => {
                let path = "payment_method_data.card";
                out.card = Some(CardData {
                    number: str_field(py, &inner, "number", path)?,
                    exp_month: str_field(py, &inner, "exp_month", path)?,
                    exp_year: str_field(py, &inner, "exp_year", path)?,
                    cvc: str_field(py, &inner, "cvc", path)?,
                });
            }
            "micropay" => {
                out.micropay = Some(MicropayData {
                    auth_code: str_field(py, &inner, "auth_code", "payment_method_data.micropay")?,
                });
            }
            other => {
                return Err(invalid(
                    py,
                    "payment_method_data",
                    format!("has no method {other:?} (card or micropay)"),
                ))
            }
        }
    }
    Ok(out)
}

/// `metadata`: a mapping of str to str.
pub fn metadata(value: &Bound<'_, PyAny>) -> PyResult<Metadata> {
    let py = value.py();
    let map = mapping(py, value, "metadata")?;
    let mut out = Metadata::new();
    for item in map.items()?.iter() {
        let (k, v): (Bound<'_, PyAny>, Bound<'_, PyAny>) = item.extract()?;
        let key = k
            .cast::<PyString>()
            .map_err(|_| invalid(py, "metadata", "keys must be str"))?
            .to_cow()?
            .into_owned();
        let value = v
            .cast::<PyString>()
            .map_err(|_| {
                invalid(
                    py,
                    "metadata",
                    format!("value of key {key:?} must be a str"),
                )
            })?
            .to_cow()?
            .into_owned();
        out.insert(key, value);
    }
    Ok(out)
}

/// Seconds (int or float) as a Duration, with the core's one range and message for every
/// duration a caller passes (negative, NaN, infinite or over a day is refused).
pub fn seconds(py: Python<'_>, name: &str, value: f64) -> PyResult<std::time::Duration> {
    tradepay_types::duration::from_secs_f64(name.to_owned(), value)
        .map_err(|e| errors::raise(py, e))
}
