//! Python arguments to the core's request types. Only type conversion happens here: every
//! rule of the protocol is checked by tradepay-types when the client builds the request.

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyMapping, PyString, PyTuple};
use serde_json::{Map, Value};
use tradepay_types::Amount;

use crate::errors;

static DECIMAL: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// An amount from an `int` or a `decimal.Decimal`, read exactly (never through a float or
/// a long text); the core's rules and messages apply.
fn amount(value: &Bound<'_, PyAny>) -> PyResult<Amount> {
    let py = value.py();
    let result = if value.cast::<PyInt>().is_ok() {
        // Never through str(): a 5000-digit int raises ValueError there (and a bigger one
        // takes quadratic time). Any int beyond i128 breaks the rule i128::MAX/MIN breaks.
        let units = match value.extract::<i128>() {
            Ok(units) => units,
            Err(_) if value.lt(0)? => i128::MIN,
            Err(_) => i128::MAX,
        };
        Amount::from_int(units)
    } else {
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
    };
    result.map_err(|e| errors::raise(py, e))
}

use tradepay_types::depth::{REQUEST_MAX_DEPTH as MAX_DEPTH, REQUEST_TOO_DEEP};

fn invalid_at(field: &str, rule: &'static str) -> tradepay_types::Error {
    tradepay_types::Error::option(field.to_owned(), rule)
}

/// The one conversion of a Python value into the JSON the core reads. Types only: every
/// rule (required, lengths, characters, enums, amounts) is the core's. An `amount` given
/// as a `Decimal` or an `int` becomes its exact decimal text here, since JSON has no
/// decimal type; a float stays a number, which the core refuses with its own message.
fn to_value(value: &Bound<'_, PyAny>, path: &str, depth: usize) -> PyResult<Value> {
    let py = value.py();
    let fail = |rule: &'static str| errors::raise(py, invalid_at(path, rule));
    if value.is_none() {
        return Ok(Value::Null);
    }
    if let Ok(s) = value.cast::<PyString>() {
        return Ok(Value::String(s.to_cow()?.into_owned()));
    }
    if let Ok(b) = value.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if path == "amount" && (value.cast::<PyInt>().is_ok() || is_decimal(value)?) {
        return Ok(Value::String(amount(value)?.to_string()));
    }
    if value.cast::<PyInt>().is_ok() {
        return Ok(match value.extract::<i64>() {
            Ok(n) => Value::from(n),
            Err(_) => Value::from(value.extract::<f64>().unwrap_or(f64::MAX)),
        });
    }
    if let Ok(f) = value.cast::<PyFloat>() {
        return serde_json::Number::from_f64(f.value())
            .map(Value::Number)
            .ok_or_else(|| fail("must be a finite number"));
    }
    if depth >= MAX_DEPTH {
        return Err(fail(REQUEST_TOO_DEEP));
    }
    if let Ok(map) = value.cast::<PyMapping>() {
        let mut out = Map::new();
        for item in map.items()?.iter() {
            let (k, v): (Bound<'_, PyAny>, Bound<'_, PyAny>) = item.extract()?;
            let key = k
                .cast::<PyString>()
                .map_err(|_| fail("keys must be strings"))?
                .to_cow()?
                .into_owned();
            let inner = to_value(&v, &format!("{path}.{key}"), depth + 1)?;
            out.insert(key, inner);
        }
        return Ok(Value::Object(out));
    }
    if value.cast::<PyList>().is_ok() || value.cast::<PyTuple>().is_ok() {
        let mut out = Vec::new();
        for (i, item) in value.try_iter()?.enumerate() {
            out.push(to_value(&item?, &format!("{path}[{i}]"), depth + 1)?);
        }
        return Ok(Value::Array(out));
    }
    Err(errors::raise(
        py,
        tradepay_types::Error::option(
            path.to_owned(),
            format!("cannot be a {}", value.get_type().name()?),
        ),
    ))
}

fn is_decimal(value: &Bound<'_, PyAny>) -> PyResult<bool> {
    let py = value.py();
    value.is_instance(
        DECIMAL
            .get_or_try_init(py, || {
                py.import("decimal")?.getattr("Decimal").map(Bound::unbind)
            })?
            .bind(py),
    )
}

/// A call's keyword arguments as the one map of wire fields the core's parser reads.
pub fn params(kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<Map<String, Value>> {
    let mut out = Map::new();
    if let Some(kwargs) = kwargs {
        for (k, v) in kwargs.iter() {
            let key = k.cast::<PyString>()?.to_cow()?.into_owned();
            let value = to_value(&v, &key, 1)?;
            out.insert(key, value);
        }
    }
    Ok(out)
}

/// A call's duration option (`timeout=`, `deadline=`) as the raw number the core reads,
/// None when not given; anything but an int or a float is the core's "must be a number".
pub fn number_or_none(
    py: Python<'_>,
    name: &str,
    value: Option<&Bound<'_, PyAny>>,
) -> PyResult<Option<f64>> {
    let Some(value) = value.filter(|v| !v.is_none()) else {
        return Ok(None);
    };
    // A bool is an int in Python, but `True` is no duration (as for the client's options).
    let number = !value.is_instance_of::<PyBool>()
        && (value.is_instance_of::<PyFloat>() || value.is_instance_of::<PyInt>());
    if !number {
        let got = if value.is_instance_of::<PyBool>() {
            "a boolean"
        } else if value.is_instance_of::<PyString>() {
            "a string"
        } else if value.is_instance_of::<PyList>() || value.is_instance_of::<PyTuple>() {
            "an array"
        } else {
            "an object"
        };
        let e = tradepay_types::duration::not_a_number(name.to_owned(), got);
        return Err(errors::raise(py, e));
    }
    Ok(Some(value.extract::<f64>()?))
}

/// Seconds (int or float) as a Duration, with the core's one range and message for every
/// duration a caller passes (negative, NaN, infinite or over a day is refused).
pub fn seconds(py: Python<'_>, name: &str, value: f64) -> PyResult<std::time::Duration> {
    tradepay_types::duration::from_secs_f64(name.to_owned(), value)
        .map_err(|e| errors::raise(py, e))
}
