//! How a failure crosses into JavaScript.
//!
//! napi rejects a Promise with a plain `Error`; it cannot choose the class. So every failure
//! becomes one JSON payload in the error's message, marked so that `index.js` recognises it,
//! and one JS function (`toError`) builds the class the payload names. The payload carries
//! everything api.md exposes on an error: kind, code, message, traceId, httpStatus, field,
//! attempts, outcomeUnknown and the last trade seen.

use serde_json::{Map, Value};
use tradepay_types::describe;

/// The mark `index.js` looks for at the start of a native error message.
const MARK: &str = "\u{1}tradepay:";

/// One failure, in the shape `index.js` reads.
#[derive(Debug, Default)]
pub struct Failure {
    /// The class to build (`ValidationError`, …), from the core's table.
    pub class: &'static str,
    /// The gateway code (or the code of the broken rule), when there is one.
    pub code: Option<String>,
    /// The message shown to users.
    pub message: String,
    /// The gateway's traceId, when an envelope carried one.
    pub trace_id: Option<String>,
    /// The HTTP status of the last response, when there was one.
    pub http_status: Option<u16>,
    /// The field a validation error concerns.
    pub field: Option<String>,
    /// How many attempts were made.
    pub attempts: Option<u32>,
    /// True when the request may have been processed.
    pub outcome_unknown: bool,
    /// The last order seen (`waitFinal` timeouts, micropay), as a wire object.
    pub trade: Option<Value>,
}

impl Failure {
    /// A validation failure about the arguments themselves (nothing was sent).
    pub fn validation(field: Option<&str>, message: impl Into<String>) -> Failure {
        let message = message.into();
        Failure {
            class: describe::error_class("validation"),
            message: describe::shown_message("validation", field, &message),
            field: field.map(str::to_owned),
            ..Failure::default()
        }
    }

    /// The napi error that carries this failure to `index.js`.
    pub fn into_napi(self) -> napi::Error {
        let mut payload = Map::new();
        payload.insert("class".into(), self.class.into());
        payload.insert("message".into(), self.message.into());
        payload.insert("outcomeUnknown".into(), self.outcome_unknown.into());
        let mut put = |k: &str, v: Option<Value>| {
            if let Some(v) = v {
                payload.insert(k.into(), v);
            }
        };
        put("code", self.code.map(Value::from));
        put("traceId", self.trace_id.map(Value::from));
        put("httpStatus", self.http_status.map(Value::from));
        put("field", self.field.map(Value::from));
        put("attempts", self.attempts.map(Value::from));
        put("trade", self.trade);
        napi::Error::new(
            napi::Status::GenericFailure,
            format!("{MARK}{}", Value::Object(payload)),
        )
    }
}

// A request's error is the client's error before anything was sent: one mapping for both.
impl From<tradepay_types::Error> for Failure {
    fn from(e: tradepay_types::Error) -> Failure {
        Failure::from(tradepay_transport::Error::from(e))
    }
}

impl From<tradepay_transport::Error> for Failure {
    fn from(e: tradepay_transport::Error) -> Failure {
        Failure {
            class: e.class_name(),
            code: e.code().map(str::to_owned),
            message: e.shown_message(),
            trace_id: e.trace_id().map(str::to_owned),
            http_status: e.http_status(),
            field: e.field().map(str::to_owned),
            attempts: Some(e.attempts()).filter(|a| *a > 0),
            outcome_unknown: e.is_outcome_unknown(),
            trade: e.trade().and_then(|t| serde_json::to_value(t).ok()),
        }
    }
}

/// Converts any failure into the napi error `index.js` reads.
pub fn napi_err(f: impl Into<Failure>) -> napi::Error {
    f.into().into_napi()
}

impl Failure {
    /// A panic caught at the boundary. `outcome_unknown` is true for a call that may already
    /// have sent its request: nobody can say what the gateway did.
    pub fn internal(payload: &(dyn std::any::Any + Send), outcome_unknown: bool) -> Failure {
        let what = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic".into());
        Failure {
            class: describe::ERROR_CLASSES[0].name,
            code: Some(describe::INTERNAL_CODE.into()),
            message: describe::internal_message(&what),
            outcome_unknown,
            ..Failure::default()
        }
    }
}

/// Runs the synchronous part of an entry point; a panic becomes a TradepayError with
/// `describe::INTERNAL_CODE` instead of napi's plain `Error` (or, across FFI, an abort).
pub fn sync_guard<T>(f: impl FnOnce() -> Result<T, Failure>) -> Result<T, Failure> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f))
        .unwrap_or_else(|p| Err(Failure::internal(&*p, false)))
}

/// A future whose panic is caught and reported as [`Failure::internal`], so that the
/// Promise always settles with a TradepayError.
pub struct Guarded<F> {
    inner: std::pin::Pin<Box<F>>,
    outcome_unknown: bool,
}

impl<F: std::future::Future<Output = Result<T, Failure>>, T> std::future::Future for Guarded<F> {
    type Output = Result<T, Failure>;
    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Self::Output> {
        let outcome_unknown = self.outcome_unknown;
        let inner = self.inner.as_mut();
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| inner.poll(cx))) {
            Ok(p) => p,
            Err(p) => std::task::Poll::Ready(Err(Failure::internal(&*p, outcome_unknown))),
        }
    }
}

/// Wraps `f` in [`Guarded`]; `outcome_unknown` says whether a panic may come after a request
/// went out.
pub fn guarded<F>(f: F, outcome_unknown: bool) -> Guarded<F> {
    Guarded {
        inner: Box::pin(f),
        outcome_unknown,
    }
}

/// The Promise of an entry point: rejects at once (never throws) when `prepared` failed,
/// else runs `run` on napi's tokio runtime, panics included in what it reports.
pub fn spawn<'env, P, T, R, Fut>(
    env: &'env napi::Env,
    prepared: Result<P, Failure>,
    outcome_unknown: bool,
    run: R,
) -> napi::Result<napi::bindgen_prelude::PromiseRaw<'env, T>>
where
    P: Send + 'static,
    T: napi::bindgen_prelude::ToNapiValue + Send + 'static,
    R: FnOnce(P) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = Result<T, Failure>> + Send + 'static,
{
    env.spawn_future(async move {
        let work = async move { run(prepared?).await };
        guarded(work, outcome_unknown).await.map_err(napi_err)
    })
}
