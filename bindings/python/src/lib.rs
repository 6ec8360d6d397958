//! The native half of the Python package `tradepay` (imported as `tradepay._native`).
//!
//! It converts Python values to the Rust core's types and back, and Rust errors to the
//! package's exceptions; every rule of the protocol lives in the core.

mod classes;
mod client;
mod completer;
mod convert;
mod errors;
mod logging;
mod models;
mod runtime;
mod sandbox;

use std::time::Duration;

use pyo3::prelude::*;
use tradepay_types::WebhookSecret;

/// Verifies a webhook delivery; `tradepay.webhooks.verify` is the public entry point.
/// `now` (Unix seconds) replaces the system clock, for tests and replays.
#[pyfunction]
#[pyo3(signature = (body, headers, secret, tolerance = None, now = None))]
fn verify_webhook(
    py: Python<'_>,
    body: Vec<u8>,
    headers: Vec<(String, String)>,
    secret: &str,
    tolerance: Option<f64>,
    now: Option<i64>,
) -> PyResult<models::PyEvent> {
    errors::guard(py, false, || {
        verify(py, &body, &headers, secret, tolerance, now)
    })
}

fn verify(
    py: Python<'_>,
    body: &[u8],
    headers: &[(String, String)],
    secret: &str,
    tolerance: Option<f64>,
    now: Option<i64>,
) -> PyResult<models::PyEvent> {
    let tolerance: Duration = match tolerance {
        Some(seconds) => convert::seconds(py, "tolerance", seconds)?,
        None => tradepay_types::webhook::DEFAULT_TOLERANCE,
    };
    let result = match now {
        None => tradepay_transport::webhook::verify(body, &headers, secret, tolerance),
        Some(now) => WebhookSecret::parse(secret)
            .and_then(|key| tradepay_types::webhook::verify(&key, &headers, body, tolerance, now))
            .map_err(tradepay_transport::Error::from),
    };
    result
        .map(|inner| models::PyEvent { inner })
        .map_err(|e| errors::raise(py, &e))
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    logging::install();
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_class::<client::Client>()?;
    m.add_class::<client::AsyncClient>()?;
    m.add_class::<sandbox::PySandbox>()?;
    m.add_class::<models::PyTrade>()?;
    m.add_class::<models::PyRefund>()?;
    m.add_class::<models::PyEvent>()?;
    m.add_class::<models::PyPaymentError>()?;
    m.add_class::<models::PyNextAction>()?;
    m.add_class::<models::PyNextActionRedirect>()?;
    m.add_function(wrap_pyfunction!(verify_webhook, m)?)?;
    m.add_function(wrap_pyfunction!(sandbox::_sandbox_cli, m)?)?;
    m.add_function(wrap_pyfunction!(models::_event_from_dict, m)?)?;
    m.add_function(wrap_pyfunction!(models::_known_values, m)?)?;
    m.add_function(wrap_pyfunction!(logging::_sync_log_level, m)?)?;
    m.add_function(wrap_pyfunction!(runtime::_after_fork_in_child, m)?)?;
    m.add_function(wrap_pyfunction!(runtime::_wait_background, m)?)?;
    Ok(())
}
