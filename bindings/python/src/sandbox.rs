//! `Sandbox`: the gateway emulator running in this process, for tests and demos.

use std::sync::Arc;
use std::time::Duration;

use arc_swap::ArcSwapOption;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use tradepay_sandbox::{FaultRule, Outcome, Sandbox, SandboxError};
use tradepay_types::describe;

use crate::convert;
use crate::errors::{self, ErrorInfo};
use crate::models::{json_to_py, py_to_json, quote, PyRefund, PyTrade};
use crate::runtime;

fn sandbox_error(e: SandboxError) -> PyErr {
    Python::attach(|py| {
        let class = describe::error_class(e.kind());
        errors::to_py(py, ErrorInfo::plain(class, e.shown_message()))
    })
}

/// An in-process sandbox gateway on 127.0.0.1 (plain HTTP), with its own credentials.
/// Use it as a context manager, or call `close()`.
#[pyclass(module = "tradepay", name = "Sandbox", frozen)]
pub struct PySandbox {
    pid: u32,
    inner: ArcSwapOption<Sandbox>,
    url: String,
    access_no: String,
    secret: String,
    webhook_secret: String,
}

impl PySandbox {
    fn get(&self) -> PyResult<Arc<Sandbox>> {
        if self.pid != runtime::pid() {
            return Err(sandbox_error(SandboxError::Invalid(
                "this Sandbox runs in the parent process (it was started before os.fork()); \
                 start a new Sandbox in the child"
                    .into(),
            )));
        }
        self.inner
            .load_full()
            .ok_or_else(|| sandbox_error(SandboxError::Closed))
    }

    /// Runs `f` on the sandbox with the GIL released: the sandbox's threads may log, which
    /// takes the GIL, while holding locks that `f` needs.
    fn with<T: Send>(&self, py: Python<'_>, f: impl FnOnce(&Sandbox) -> T + Send) -> PyResult<T> {
        let sandbox = self.get()?;
        py.detach(|| {
            let rt = runtime::get();
            let _entered = rt.enter();
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(&sandbox)))
        })
        .map_err(|payload| errors::to_py(py, errors::from_panic(&*payload, false)))
    }
}

impl Drop for PySandbox {
    fn drop(&mut self) {
        if self.pid != runtime::pid() {
            // The parent's server lives in the parent; its handles must not be dropped here.
            std::mem::forget(self.inner.swap(None));
        }
    }
}

#[pymethods]
impl PySandbox {
    #[new]
    #[pyo3(signature = (**options))]
    fn new(py: Python<'_>, options: Option<&Bound<'_, PyDict>>) -> PyResult<Self> {
        let config =
            tradepay_sandbox::options::config_from_options(&convert::params(options)?, false)
                .map_err(sandbox_error)?;
        let sandbox = errors::guard(py, false, || {
            py.detach(|| runtime::get().block_on(Sandbox::start(config)))
                .map_err(sandbox_error)
        })?;
        Ok(PySandbox {
            pid: runtime::pid(),
            url: sandbox.url().to_owned(),
            access_no: sandbox.access_no().to_owned(),
            secret: sandbox.secret().to_owned(),
            webhook_secret: sandbox.webhook_secret().to_owned(),
            inner: ArcSwapOption::new(Some(Arc::new(sandbox))),
        })
    }

    /// The base URL to give a client (`http://127.0.0.1:PORT`).
    #[getter]
    fn url(&self) -> &str {
        &self.url
    }
    /// The access party number clients authenticate with.
    #[getter]
    fn access_no(&self) -> &str {
        &self.access_no
    }
    /// The access party's signing secret.
    #[getter]
    fn secret(&self) -> &str {
        &self.secret
    }
    /// The webhook signing secret (`whsec_…`).
    #[getter]
    fn webhook_secret(&self) -> &str {
        &self.webhook_secret
    }

    /// Completes a pending QR or 3-D Secure order: `"succeeded"` or `"failed"`.
    #[pyo3(signature = (trade_id, outcome = "succeeded"))]
    fn complete(&self, py: Python<'_>, trade_id: String, outcome: &str) -> PyResult<PyTrade> {
        let outcome: Outcome = outcome.parse().map_err(sandbox_error)?;
        let trade = self.with(py, move |sb| sb.complete(&trade_id, outcome))?;
        Ok(PyTrade {
            inner: trade.map_err(sandbox_error)?,
        })
    }

    /// Moves the sandbox clock (order expiry, delayed results) forward by `seconds`.
    fn advance_clock(&self, py: Python<'_>, seconds: f64) -> PyResult<()> {
        let by: Duration = convert::seconds(py, "seconds", seconds)?;
        self.with(py, move |sb| sb.advance_clock(by))
    }

    /// Replaces the fault rules: dicts with `kind` and optional `trans_type`, `count`,
    /// `probability`, `seed`, `delay_ms`, `retry_after`.
    fn set_faults(&self, py: Python<'_>, rules: &Bound<'_, PyAny>) -> PyResult<()> {
        let value = py_to_json(rules)?;
        let rules = FaultRule::list_from_json(value).map_err(sandbox_error)?;
        self.with(py, move |sb| sb.set_faults(rules))?
            .map_err(sandbox_error)
    }

    /// Removes every fault rule.
    fn clear_faults(&self, py: Python<'_>) -> PyResult<()> {
        self.with(py, |sb| sb.clear_faults())
    }

    /// Per order: how many times money was taken (0 or 1) and how much went back.
    fn ledger<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let entries = self.with(py, |sb| sb.ledger())?;
        json_to_py(py, &serde_json::to_value(entries).unwrap_or_default())
    }

    /// Every order, as it is now.
    fn orders<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let orders = self.with(py, |sb| sb.orders())?;
        PyList::new(py, orders.into_iter().map(|inner| PyTrade { inner }))
    }

    /// Every refund, as it is now.
    fn refunds<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let refunds = self.with(py, |sb| sb.refunds())?;
        PyList::new(py, refunds.into_iter().map(|inner| PyRefund { inner }))
    }

    /// Every webhook delivery and how it went (dicts).
    fn webhook_deliveries<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let deliveries = self.with(py, |sb| sb.webhook_deliveries())?;
        json_to_py(py, &serde_json::to_value(deliveries).unwrap_or_default())
    }

    /// Forgets every order, refund, nonce and fault.
    fn reset(&self, py: Python<'_>) -> PyResult<()> {
        self.with(py, |sb| sb.reset())
    }

    /// Stops the server and waits for it. Calling it again does nothing.
    fn close(&self, py: Python<'_>) {
        if self.pid != runtime::pid() {
            std::mem::forget(self.inner.swap(None));
            return;
        }
        if let Some(sandbox) = self.inner.swap(None) {
            py.detach(|| match Arc::try_unwrap(sandbox) {
                Ok(sandbox) => runtime::get().block_on(sandbox.shutdown()),
                // Another thread is using it right now; dropping the last handle stops it.
                Err(shared) => drop(shared),
            });
        }
    }

    /// True after `close()`.
    #[getter]
    fn closed(&self) -> bool {
        self.inner.load().is_none()
    }

    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    #[pyo3(signature = (*_args))]
    fn __exit__(&self, py: Python<'_>, _args: &Bound<'_, pyo3::types::PyTuple>) -> bool {
        self.close(py);
        false
    }

    fn __repr__(&self) -> String {
        format!("Sandbox(url={})", quote(&self.url))
    }
}

/// The `tradepay-sandbox` console script: runs the Rust command with `args` and returns its
/// exit code (the GIL released while it serves).
#[pyfunction]
pub fn _sandbox_cli(py: Python<'_>, args: Vec<String>) -> u8 {
    py.detach(|| tradepay_sandbox::cli::run(&args))
}
