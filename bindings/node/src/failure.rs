//! How a failure crosses into JavaScript.
//!
//! napi rejects a Promise with a plain `Error`; it cannot choose the class. So every failure
//! becomes one JSON payload in the error's message, marked so that `index.js` recognises it,
//! and one JS function (`toError`) builds the class the payload names. The payload carries
//! everything api.md exposes on an error: kind, code, message, traceId, httpStatus, field,
//! attempts, outcomeUnknown and the last trade seen.

use serde_json::{Map, Value};

/// The mark `index.js` looks for at the start of a native error message.
const MARK: &str = "\u{1}tradepay:";

/// One failure, in the shape `index.js` reads.
#[derive(Debug, Default)]
pub struct Failure {
    /// The class to build: `Validation`, `Authentication`, … (api.md's names without `Error`).
    pub kind: &'static str,
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
            kind: "Validation",
            message: match field {
                Some(f) => format!("{f}: {message}"),
                None => message,
            },
            field: field.map(str::to_owned),
            ..Failure::default()
        }
    }

    /// The napi error that carries this failure to `index.js`.
    pub fn into_napi(self) -> napi::Error {
        let mut payload = Map::new();
        payload.insert("kind".into(), self.kind.into());
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

impl From<tradepay_types::Error> for Failure {
    fn from(e: tradepay_types::Error) -> Failure {
        use tradepay_types::ErrorKind;
        let kind = match e.kind() {
            ErrorKind::Validation => "Validation",
            ErrorKind::Protocol => "Protocol",
            ErrorKind::Signature => "Signature",
            ErrorKind::Webhook => "WebhookVerification",
            _ => "Tradepay",
        };
        Failure {
            kind,
            code: e.code().map(str::to_owned),
            message: e.to_string(),
            field: e.field().map(str::to_owned),
            ..Failure::default()
        }
    }
}

impl From<tradepay_transport::Error> for Failure {
    fn from(e: tradepay_transport::Error) -> Failure {
        use tradepay_transport::ErrorKind as K;
        let kind = match e.kind() {
            K::Validation => "Validation",
            K::Authentication => "Authentication",
            K::InvalidRequest => "InvalidRequest",
            K::Business => "Business",
            K::Gateway => "Gateway",
            K::Api => "Api",
            K::Network => "Network",
            K::Timeout => "Timeout",
            K::Signature => "Signature",
            K::Protocol => "Protocol",
            K::Webhook => "WebhookVerification",
            #[allow(unreachable_patterns)]
            _ => "Tradepay",
        };
        Failure {
            kind,
            code: e.code().map(|c| c.to_string()),
            // `message` is the gateway's own words for an API error (api.md); a validation
            // error also names its field, as tradepay-types writes it.
            message: match e.field() {
                Some(f) if kind == "Validation" => format!("{f}: {}", e.message()),
                _ => e.message().to_owned(),
            },
            trace_id: e.trace_id().map(|t| t.to_string()),
            http_status: e.http_status(),
            field: e.field().map(|f| f.to_string()),
            attempts: Some(e.attempts()),
            outcome_unknown: e.is_outcome_unknown(),
            trade: e.trade().and_then(|t| serde_json::to_value(t).ok()),
        }
    }
}

/// Converts any failure into the napi error `index.js` reads.
pub fn napi_err(f: impl Into<Failure>) -> napi::Error {
    f.into().into_napi()
}
