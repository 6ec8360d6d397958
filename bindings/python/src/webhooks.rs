//! `tradepay.webhooks.verify` and `sign`: Python's request objects to bytes and header pairs,
//! and back; the verifying and signing are the core's.

use std::time::Duration;

use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes, PyDict, PyList, PyMemoryView, PyString, PyTuple};
use tradepay_transport::options::Spelling;
use tradepay_transport::webhook::{self, Unreadable};

use crate::{convert, errors, models};

/// Verifies a webhook delivery; `tradepay.webhooks.verify` is the public entry point.
/// `now` (Unix seconds) replaces the system clock, for tests and replays.
#[pyfunction]
#[pyo3(signature = (body, headers, secret, tolerance = None, now = None))]
pub fn verify_webhook(
    py: Python<'_>,
    body: &Bound<'_, PyAny>,
    headers: &Bound<'_, PyAny>,
    secret: &Bound<'_, PyAny>,
    tolerance: Option<f64>,
    now: Option<i64>,
) -> PyResult<models::PyEvent> {
    errors::guard(py, false, || {
        let secrets = secrets(py, secret)?;
        let tolerance: Duration = match tolerance {
            Some(seconds) => convert::seconds(py, "tolerance", seconds)?,
            None => webhook::DEFAULT_TOLERANCE,
        };
        let pairs = header_pairs(py, headers)?;
        let body = body_bytes(py, body)?;
        let result = match now {
            None => webhook::verify_any(&body, &pairs, &secrets, tolerance),
            Some(now) => webhook::verify_at(&body, &pairs, &secrets, tolerance, now),
        };
        result
            .map(|inner| models::PyEvent { inner })
            .map_err(|e| errors::raise(py, &e))
    })
}

/// Signs a delivery as the gateway does and returns its three headers as a dict.
#[pyfunction]
#[pyo3(signature = (body, secret, id = None, timestamp = None))]
pub fn sign_webhook<'py>(
    py: Python<'py>,
    body: &Bound<'py, PyAny>,
    secret: &str,
    id: Option<&str>,
    timestamp: Option<i64>,
) -> PyResult<Bound<'py, PyDict>> {
    errors::guard(py, false, || {
        let body = body_bytes(py, body)?;
        let signed =
            webhook::sign(&body, secret, id, timestamp).map_err(|e| errors::raise(py, &e))?;
        let out = PyDict::new(py);
        for (name, value) in signed.pairs() {
            out.set_item(name, value)?;
        }
        Ok(out)
    })
}

fn type_name(value: &Bound<'_, PyAny>) -> String {
    value
        .get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "an unknown type".into())
}

/// The exact bytes received; a `str` is taken as its UTF-8 encoding.
fn body_bytes(py: Python<'_>, body: &Bound<'_, PyAny>) -> PyResult<Vec<u8>> {
    if let Ok(b) = body.cast::<PyBytes>() {
        return Ok(b.as_bytes().to_vec());
    }
    if let Ok(s) = body.cast::<PyString>() {
        return Ok(s.to_cow()?.as_bytes().to_vec());
    }
    if let Ok(b) = body.cast::<PyByteArray>() {
        return Ok(b.to_vec());
    }
    if body.is_instance_of::<PyMemoryView>() {
        return body.call_method0("tobytes")?.extract();
    }
    let got = type_name(body);
    Err(errors::raise(
        py,
        &webhook::unreadable(Unreadable::Body, &got, Spelling::Python),
    ))
}

/// Any mapping (`.items()`: dict, Django's `request.headers`, Werkzeug's `EnvironHeaders`,
/// Starlette's `Headers`, `http.server`'s `Message`) or an iterable of (name, value) pairs
/// (ASGI's raw headers, as bytes, too). Names are looked up case-insensitively by the core.
fn header_pairs(py: Python<'_>, headers: &Bound<'_, PyAny>) -> PyResult<Vec<(String, String)>> {
    let unreadable = || {
        let got = type_name(headers);
        errors::raise(
            py,
            &webhook::unreadable(Unreadable::Headers, &got, Spelling::Python),
        )
    };
    if headers.is_instance_of::<PyString>() || headers.is_instance_of::<PyBytes>() {
        return Err(unreadable());
    }
    let items = if headers.hasattr("items")? {
        headers.call_method0("items").map_err(|_| unreadable())?
    } else {
        headers.clone()
    };
    let mut pairs = Vec::new();
    for item in items.try_iter().map_err(|_| unreadable())? {
        let item = item?;
        let pair = match item.cast::<PyTuple>() {
            Ok(t) if t.len() == 2 => (t.get_item(0)?, t.get_item(1)?),
            _ => match item.cast::<PyList>() {
                Ok(l) if l.len() == 2 => (l.get_item(0)?, l.get_item(1)?),
                _ => return Err(unreadable()),
            },
        };
        match (text(&pair.0), text(&pair.1)) {
            (Some(name), Some(value)) => pairs.push((name, value)),
            _ => return Err(unreadable()),
        }
    }
    Ok(pairs)
}

/// A header name or value: `str`, or `bytes` as ASGI carries them (Latin-1, as HTTP/1.1
/// defines header bytes).
fn text(value: &Bound<'_, PyAny>) -> Option<String> {
    if let Ok(s) = value.cast::<PyString>() {
        return s.to_cow().ok().map(|c| c.into_owned());
    }
    value
        .cast::<PyBytes>()
        .ok()
        .map(|b| b.as_bytes().iter().map(|&c| char::from(c)).collect())
}

/// One secret, or a list of them during a rotation. A secret of the wrong type is the
/// server's own mistake, a ValidationError as for every other option.
fn secrets(py: Python<'_>, secret: &Bound<'_, PyAny>) -> PyResult<Vec<String>> {
    if let Ok(s) = secret.cast::<PyString>() {
        return Ok(vec![s.to_cow()?.into_owned()]);
    }
    let wrong = || {
        let got = type_name(secret);
        errors::raise(py, &webhook::wrong_secret(&got, Spelling::Python))
    };
    if !(secret.is_instance_of::<PyList>() || secret.is_instance_of::<PyTuple>()) {
        return Err(wrong());
    }
    let mut out = Vec::new();
    for item in secret.try_iter()? {
        match item?.cast::<PyString>() {
            Ok(s) => out.push(s.to_cow()?.into_owned()),
            Err(_) => return Err(wrong()),
        }
    }
    Ok(out)
}
