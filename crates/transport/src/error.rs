//! The client's one error type: what failed, whether it may be retried, and whether the
//! gateway may have acted on the request anyway.

use std::fmt;
use std::sync::Arc;

use tradepay_types::code::{self, CodeClass};
use tradepay_types::{Envelope, Trade};

/// What went wrong. Bindings map each kind to their language's exception class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A value breaks a rule of the protocol, or the client is misconfigured. Nothing was sent.
    Validation,
    /// The gateway did not authenticate the caller (`1xxxxxxx`).
    Authentication,
    /// The gateway found the request malformed (`2xxxxxxx`).
    InvalidRequest,
    /// The request broke a business rule (`3xxxxxxx`).
    Business,
    /// The gateway or a channel failed (`9xxxxxxx`, or HTTP 429/502/503/504 after the retries).
    Gateway,
    /// A code of no known class.
    Api,
    /// The connection failed or was lost.
    Network,
    /// An attempt or the whole call ran out of time.
    Timeout,
    /// A response signature is missing or does not match: its data must not be trusted.
    Signature,
    /// The response is not what the protocol says (not an envelope, too large, a redirect, …).
    Protocol,
    /// A webhook delivery failed verification.
    Webhook,
    /// The caller aborted the call (a Node `AbortSignal`).
    Aborted,
}

impl ErrorKind {
    /// A stable lowercase name (`"validation"`, `"gateway"`, …), for logs and bindings.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Validation => "validation",
            ErrorKind::Authentication => "authentication",
            ErrorKind::InvalidRequest => "invalid_request",
            ErrorKind::Business => "business",
            ErrorKind::Gateway => "gateway",
            ErrorKind::Api => "api",
            ErrorKind::Network => "network",
            ErrorKind::Timeout => "timeout",
            ErrorKind::Signature => "signature",
            ErrorKind::Protocol => "protocol",
            ErrorKind::Webhook => "webhook",
            ErrorKind::Aborted => "aborted",
        }
    }

    /// The kind for a gateway code's class; `None` for the two success codes.
    pub fn of_code(code: &str) -> Option<ErrorKind> {
        match CodeClass::of(code) {
            CodeClass::Success | CodeClass::Accepted => None,
            CodeClass::Authentication => Some(ErrorKind::Authentication),
            CodeClass::InvalidRequest => Some(ErrorKind::InvalidRequest),
            CodeClass::Business => Some(ErrorKind::Business),
            CodeClass::Gateway => Some(ErrorKind::Gateway),
            CodeClass::Other => Some(ErrorKind::Api),
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Clone)]
struct Inner {
    kind: ErrorKind,
    code: Option<String>,
    message: String,
    trace_id: Option<String>,
    http_status: Option<u16>,
    field: Option<String>,
    attempts: u32,
    outcome_unknown: bool,
    retryable: bool,
    // True only when the code came in a validly signed envelope: flows act on a code (a
    // re-PAY after `30000001`) only then.
    signed: bool,
    trade: Option<Trade>,
    source: Option<Arc<dyn std::error::Error + Send + Sync>>,
}

/// An error from the client. It never shows the secret, a card number or a CVC: messages
/// name fields and rules, and quote only codes, statuses and trace IDs.
#[derive(Clone)]
pub struct Error {
    inner: Box<Inner>,
}

impl Error {
    pub(crate) fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error {
            inner: Box::new(Inner {
                kind,
                code: None,
                message: message.into(),
                trace_id: None,
                http_status: None,
                field: None,
                attempts: 0,
                outcome_unknown: false,
                retryable: false,
                signed: false,
                trade: None,
                source: None,
            }),
        }
    }

    /// A validation error: the client refused to send.
    pub fn validation(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::Validation, message)
    }

    /// What a binding's client raises for a call after `close()`: a ValidationError, since
    /// nothing was sent. The same class and message in every language.
    pub fn client_closed() -> Self {
        Error::validation("the client is closed; create a new Client")
    }

    /// The caller aborted the call. `in_flight` when the call had started, so that its
    /// request may have reached the gateway: the outcome is then unknown.
    pub fn aborted(in_flight: bool) -> Self {
        let message = if in_flight {
            "the call was aborted; its request may have reached the gateway: query it (or send the same call again) before anything that could charge twice"
        } else {
            "the call was aborted before anything was sent"
        };
        Error::new(ErrorKind::Aborted, message).with_outcome_unknown(in_flight)
    }

    /// An error for an envelope whose code is not a success; `signed` when its signature
    /// was verified (only `1000xxxx` envelopes are read unsigned).
    pub(crate) fn from_envelope(envelope: &Envelope, http_status: u16, signed: bool) -> Self {
        let kind = ErrorKind::of_code(&envelope.code).unwrap_or(ErrorKind::Protocol);
        let message = if envelope.message.is_empty() {
            code::standard_message(&envelope.code)
                .unwrap_or("the gateway gave no message")
                .to_owned()
        } else if signed {
            envelope.message.clone()
        } else {
            crate::client::untrusted_text(&envelope.message, 200)
        };
        let mut e = Error::new(kind, message)
            .with_code(Some(envelope.code.clone()))
            .with_http_status(Some(http_status));
        if !envelope.trace_id.is_empty() {
            e.inner.trace_id = Some(if signed {
                envelope.trace_id.clone()
            } else {
                crate::client::untrusted_text(&envelope.trace_id, 64)
            });
        }
        e.inner.retryable = code::is_retryable(&envelope.code);
        e.inner.outcome_unknown = code_outcome_unknown(&envelope.code);
        e.inner.signed = signed;
        e
    }

    /// True when this error's code came in a validly signed envelope, so that a flow may
    /// act on it (an unsigned proxy page or a forged answer may carry any code).
    pub(crate) fn is_signed_code(&self, code: &str) -> bool {
        self.inner.signed && self.inner.code.as_deref() == Some(code)
    }

    pub(crate) fn with_code(mut self, code: Option<String>) -> Self {
        self.inner.code = code;
        self
    }

    pub(crate) fn with_http_status(mut self, status: Option<u16>) -> Self {
        self.inner.http_status = status;
        self
    }

    pub(crate) fn with_trace_id(mut self, trace_id: Option<String>) -> Self {
        if trace_id.as_deref().is_some_and(|t| !t.is_empty()) {
            self.inner.trace_id = trace_id;
        }
        self
    }

    pub(crate) fn with_retryable(mut self, retryable: bool) -> Self {
        self.inner.retryable = retryable;
        self
    }

    pub(crate) fn with_outcome_unknown(mut self, unknown: bool) -> Self {
        self.inner.outcome_unknown = unknown;
        self
    }

    pub(crate) fn with_attempts(mut self, attempts: u32) -> Self {
        self.inner.attempts = attempts;
        self
    }

    pub(crate) fn with_trade(mut self, trade: Option<Trade>) -> Self {
        self.inner.trade = trade;
        self
    }

    /// A validation error about the client option `field` (named as the Rust builder
    /// names it; [`crate::options`] renames it for a binding).
    pub(crate) fn option(field: &'static str, message: impl Into<String>) -> Self {
        let mut e = Error::new(ErrorKind::Validation, message);
        e.inner.field = Some(field.into());
        e
    }

    pub(crate) fn rename_field(mut self, field: &str) -> Self {
        self.inner.field = Some(field.into());
        self
    }

    pub(crate) fn with_source(
        mut self,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        self.inner.source = Some(Arc::new(source));
        self
    }

    pub(crate) fn with_message(mut self, message: impl Into<String>) -> Self {
        self.inner.message = message.into();
        self
    }

    /// What kind of error this is.
    pub fn kind(&self) -> ErrorKind {
        self.inner.kind
    }

    /// The gateway's code (`30000004`, …), or the protocol code a validation rule maps to.
    pub fn code(&self) -> Option<&str> {
        self.inner.code.as_deref()
    }

    /// The description, without the field name.
    pub fn message(&self) -> &str {
        &self.inner.message
    }

    /// The exception class every binding raises this error as (`ValidationError`, …): one
    /// table, `tradepay_types::describe::ERROR_CLASSES`, decides it for all of them.
    pub fn class_name(&self) -> &'static str {
        tradepay_types::describe::error_class(self.kind().as_str())
    }

    /// The message every binding shows: the field and the rule for a rule broken
    /// (`order_id: may contain only …`), the gateway's own words for its answer.
    pub fn shown_message(&self) -> String {
        tradepay_types::describe::shown_message(self.kind().as_str(), self.field(), self.message())
    }

    /// The gateway's trace number of the call that failed, when it answered with one.
    pub fn trace_id(&self) -> Option<&str> {
        self.inner.trace_id.as_deref()
    }

    /// The HTTP status of the last response, when one came.
    pub fn http_status(&self) -> Option<u16> {
        self.inner.http_status
    }

    /// The field a validation error concerns (`payment_method_data.card.number`, …).
    pub fn field(&self) -> Option<&str> {
        self.inner.field.as_deref()
    }

    /// How many requests were sent (0 when nothing was).
    pub fn attempts(&self) -> u32 {
        self.inner.attempts
    }

    /// True when the gateway may have processed the request although no result came back
    /// (a timeout or a connection lost after sending, an untrusted answer, `90000002`).
    /// Learn the outcome with a QUERY (or REFUND_QUERY) before doing anything else.
    pub fn is_outcome_unknown(&self) -> bool {
        self.inner.outcome_unknown
    }

    /// True when sending the same request again (same order_id or refund_id, new nonce)
    /// could succeed: network failures, timeouts, HTTP 429/502/503/504, `90000001`,
    /// `90000002`. The client has already retried these as often as it was allowed to.
    pub fn is_retryable(&self) -> bool {
        self.inner.retryable
    }

    /// True for [`ErrorKind::Timeout`].
    pub fn is_timeout(&self) -> bool {
        self.inner.kind == ErrorKind::Timeout
    }

    /// The last order seen by `wait_final` or `micropay` before they gave up.
    pub fn trade(&self) -> Option<&Trade> {
        self.inner.trade.as_ref()
    }
}

fn code_outcome_unknown(c: &str) -> bool {
    code::is_outcome_unknown(c)
}

impl From<tradepay_types::Error> for Error {
    fn from(e: tradepay_types::Error) -> Self {
        let kind = match e.kind() {
            tradepay_types::ErrorKind::Validation => ErrorKind::Validation,
            tradepay_types::ErrorKind::Signature => ErrorKind::Signature,
            tradepay_types::ErrorKind::Webhook => ErrorKind::Webhook,
            _ => ErrorKind::Protocol,
        };
        let mut out = Error::new(kind, e.message().to_owned());
        out.inner.code = e.code().map(str::to_owned);
        out.inner.field = e.field().map(str::to_owned);
        out
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &self.inner;
        write!(f, "{} error", i.kind)?;
        if let Some(code) = &i.code {
            if i.kind != ErrorKind::Validation {
                write!(f, " {code}")?;
            }
        }
        match &i.field {
            Some(field) => write!(f, ": {field}: {}", i.message)?,
            None => write!(f, ": {}", i.message)?,
        }
        if let Some(status) = i.http_status {
            if status != 200 {
                write!(f, " (HTTP {status})")?;
            }
        }
        if let Some(trace) = &i.trace_id {
            write!(f, " [traceId {trace}]")?;
        }
        if i.attempts > 1 {
            write!(f, " after {} attempts", i.attempts)?;
        }
        if i.outcome_unknown {
            f.write_str("; the outcome is unknown: query the order before retrying")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &self.inner;
        f.debug_struct("Error")
            .field("kind", &i.kind)
            .field("code", &i.code)
            .field("message", &i.message)
            .field("trace_id", &i.trace_id)
            .field("http_status", &i.http_status)
            .field("field", &i.field)
            .field("attempts", &i.attempts)
            .field("outcome_unknown", &i.outcome_unknown)
            .field("retryable", &i.retryable)
            .field("trade_status", &i.trade.as_ref().map(|t| t.status.clone()))
            .finish()
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.inner
            .source
            .as_deref()
            .map(|s| s as &(dyn std::error::Error + 'static))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tradepay_types::describe::{error_class, ERROR_CLASSES};

    const EVERY_KIND: &[ErrorKind] = &[
        ErrorKind::Validation,
        ErrorKind::Authentication,
        ErrorKind::InvalidRequest,
        ErrorKind::Business,
        ErrorKind::Gateway,
        ErrorKind::Api,
        ErrorKind::Network,
        ErrorKind::Timeout,
        ErrorKind::Signature,
        ErrorKind::Protocol,
        ErrorKind::Webhook,
        ErrorKind::Aborted,
    ];

    #[test]
    fn every_kind_has_exactly_one_class() {
        for kind in EVERY_KIND {
            let owners = ERROR_CLASSES
                .iter()
                .filter(|c| c.kinds.contains(&kind.as_str()))
                .count();
            assert_eq!(owners, 1, "{kind}");
        }
        let listed: usize = ERROR_CLASSES.iter().map(|c| c.kinds.len()).sum();
        assert_eq!(
            listed,
            EVERY_KIND.len(),
            "a class names a kind the core lacks"
        );
        assert_eq!(
            error_class(ErrorKind::Webhook.as_str()),
            "WebhookVerificationError"
        );
    }

    #[test]
    fn a_rule_names_its_field_and_an_answer_keeps_the_gateways_words() {
        let rule = Error::from(tradepay_types::Error::validation(
            "22070001",
            "order_id",
            "is required",
        ));
        assert_eq!(rule.class_name(), "ValidationError");
        assert_eq!(rule.shown_message(), "order_id: is required");
        let mut answer = Error::new(ErrorKind::Business, "order does not exist");
        answer.inner.field = Some("order_id".into());
        assert_eq!(answer.shown_message(), "order does not exist");
    }
}
