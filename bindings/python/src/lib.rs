//! The native half of the Python package `tradepay` (imported as `tradepay._native`).
//!
//! It converts Python values to the Rust core's types and back, and Rust errors to the
//! package's exceptions; every rule of the protocol lives in the core.

mod classes;
mod client;
mod completer;
mod convert;
mod errors;
mod hooks;
mod logging;
mod models;
mod runtime;
mod sandbox;
mod webhooks;

use pyo3::prelude::*;

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
    m.add_class::<classes::PyResponseInfo>()?;
    m.add_function(wrap_pyfunction!(webhooks::verify_webhook, m)?)?;
    m.add_function(wrap_pyfunction!(webhooks::sign_webhook, m)?)?;
    m.add_function(wrap_pyfunction!(sandbox::_sandbox_cli, m)?)?;
    m.add_function(wrap_pyfunction!(models::_event_from_dict, m)?)?;
    m.add_function(wrap_pyfunction!(models::_known_values, m)?)?;
    m.add_function(wrap_pyfunction!(logging::_sync_log_level, m)?)?;
    m.add_function(wrap_pyfunction!(runtime::_after_fork_in_child, m)?)?;
    m.add_function(wrap_pyfunction!(runtime::_wait_background, m)?)?;
    Ok(())
}
