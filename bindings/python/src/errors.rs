//! The one place where a Rust error becomes a Python exception.

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyModule};
use tradepay_types::{describe, Trade};

use crate::models::PyTrade;

/// Everything an exception carries, copied out of the Rust error so it can cross threads
/// and be raised where the GIL is held.
#[derive(Debug, Clone)]
pub struct ErrorInfo {
    /// The class name, from the core's table (`tradepay_types::describe::ERROR_CLASSES`).
    pub class: &'static str,
    pub message: String,
    pub code: Option<String>,
    pub trace_id: Option<String>,
    pub http_status: Option<u16>,
    pub field: Option<String>,
    pub attempts: Option<u32>,
    pub outcome_unknown: bool,
    pub trade: Option<Trade>,
}

impl ErrorInfo {
    /// An error of `class` with only a message (no code, field or response).
    pub fn plain(class: &'static str, message: String) -> ErrorInfo {
        ErrorInfo {
            class,
            message,
            code: None,
            trace_id: None,
            http_status: None,
            field: None,
            attempts: None,
            outcome_unknown: false,
            trade: None,
        }
    }
}

impl From<&tradepay_transport::Error> for ErrorInfo {
    fn from(e: &tradepay_transport::Error) -> Self {
        ErrorInfo {
            class: e.class_name(),
            message: e.shown_message(),
            code: e.code().map(str::to_owned),
            trace_id: e.trace_id().map(str::to_owned),
            http_status: e.http_status(),
            field: e.field().map(str::to_owned),
            attempts: Some(e.attempts()).filter(|a| *a > 0),
            outcome_unknown: e.is_outcome_unknown(),
            trade: e.trade().cloned(),
        }
    }
}

impl From<tradepay_transport::Error> for ErrorInfo {
    fn from(e: tradepay_transport::Error) -> Self {
        ErrorInfo::from(&e)
    }
}

// A request's error is the client's error before anything was sent: one mapping for both.
impl From<tradepay_types::Error> for ErrorInfo {
    fn from(e: tradepay_types::Error) -> Self {
        ErrorInfo::from(tradepay_transport::Error::from(e))
    }
}

impl From<&tradepay_types::Error> for ErrorInfo {
    fn from(e: &tradepay_types::Error) -> Self {
        ErrorInfo::from(e.clone())
    }
}

static ERRORS: PyOnceLock<Py<PyModule>> = PyOnceLock::new();

/// Builds the exception for `info`: the class by its kind, every attribute set.
pub fn to_py(py: Python<'_>, info: ErrorInfo) -> PyErr {
    match build(py, info) {
        Ok(err) => err,
        Err(err) => err,
    }
}

fn build(py: Python<'_>, info: ErrorInfo) -> PyResult<PyErr> {
    let module = ERRORS.get_or_try_init(py, || py.import("tradepay._errors").map(Bound::unbind))?;
    let class = module.bind(py).getattr(info.class)?;
    let kwargs = PyDict::new(py);
    kwargs.set_item("code", info.code)?;
    kwargs.set_item("trace_id", info.trace_id)?;
    kwargs.set_item("http_status", info.http_status)?;
    kwargs.set_item("field", info.field)?;
    kwargs.set_item("attempts", info.attempts)?;
    kwargs.set_item("outcome_unknown", info.outcome_unknown)?;
    let trade = info.trade.map(|t| PyTrade { inner: t });
    kwargs.set_item("trade", trade)?;
    let exc = class.call((info.message,), Some(&kwargs))?;
    Ok(PyErr::from_value(exc))
}

/// Raises a Rust error as its Python exception.
pub fn raise<E>(py: Python<'_>, e: E) -> PyErr
where
    ErrorInfo: From<E>,
{
    to_py(py, ErrorInfo::from(e))
}

/// The message of a panic's payload (`panic!("...")` gives a `&str` or a `String`).
fn panic_message(payload: &(dyn std::any::Any + Send)) -> &str {
    payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("a panic with no message")
}

/// What a panic inside the Rust code becomes: the base `TradepayError` with the core's
/// internal code (so that `except TradepayError` handles it like any other failure), never
/// pyo3's PanicException, which derives from BaseException and escapes `except Exception`.
/// A call that panicked may have sent its request, so its outcome is unknown.
pub fn from_panic(payload: &(dyn std::any::Any + Send), outcome_unknown: bool) -> ErrorInfo {
    ErrorInfo {
        class: describe::ERROR_CLASSES[0].name,
        message: describe::internal_message(panic_message(payload)),
        code: Some(describe::INTERNAL_CODE.to_owned()),
        trace_id: None,
        http_status: None,
        field: None,
        attempts: None,
        outcome_unknown,
        trade: None,
    }
}

/// Runs an entry point, turning a panic into the exception of [`from_panic`].
pub fn guard<T>(
    py: Python<'_>,
    outcome_unknown: bool,
    f: impl FnOnce() -> PyResult<T>,
) -> PyResult<T> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(result) => result,
        Err(payload) => Err(to_py(py, from_panic(&*payload, outcome_unknown))),
    }
}

/// A future that resolves to `Err` with the panic's [`ErrorInfo`] if the inner one panics,
/// so that an asyncio future waiting on it is always completed.
pub struct CatchPanic<F>(pub std::pin::Pin<Box<F>>);

impl<T, F> std::future::Future for CatchPanic<F>
where
    F: std::future::Future<Output = Result<T, ErrorInfo>>,
{
    type Output = Result<T, ErrorInfo>;

    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Self::Output> {
        let inner = self.0.as_mut();
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| inner.poll(cx))) {
            Ok(poll) => poll,
            Err(payload) => std::task::Poll::Ready(Err(from_panic(&*payload, true))),
        }
    }
}
