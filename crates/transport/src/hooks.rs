//! Event hooks (api.md "Observability"): one `request` event before each attempt is sent
//! and one `response` event after it ends, for Python's `event_hooks`, Node's
//! `client.on(..)` and any Rust [`Hooks`]. The events carry only what a log line may
//! carry (the fields of [`describe::HOOK_EVENT_FIELDS`]): never a secret, card data,
//! auth_code or payment_token.
//!
//! With no hooks set the client does one `Option` check per attempt, nothing more.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::Duration;

use serde_json::{Map, Value};
use tradepay_types::describe;

use crate::options::Spelling;

/// Which side of an attempt an [`AttemptEvent`] reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Before the attempt is sent.
    Request,
    /// After the attempt ended: answered, failed or timed out.
    Response,
}

impl Phase {
    /// `request` or `response`: the hook's name in every language.
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Request => "request",
            Phase::Response => "response",
        }
    }
}

/// One attempt of a call, as a hook sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptEvent<'a> {
    /// Before or after the attempt.
    pub phase: Phase,
    /// The operation (`PAY`, `QUERY`, …).
    pub trans_type: &'a str,
    /// The order the call is about, when it names one.
    pub order_id: Option<&'a str>,
    /// The refund the call is about, for refunds.
    pub refund_id: Option<&'a str>,
    /// 1 for the first attempt, 2 for the first retry, …
    pub attempt: u32,
    /// Since the call started (for `response`, up to the end of this attempt).
    pub elapsed: Duration,
    /// The answer's HTTP status (`response` only, when one came).
    pub http_status: Option<u16>,
    /// The answer's trace number (`response` only, when it had one).
    pub trace_id: Option<&'a str>,
    /// The error class of a failed attempt (`NetworkError`, …), `None` when it succeeded.
    pub error: Option<&'static str>,
    /// The delay before the next attempt, when the client will retry.
    pub retry_in: Option<Duration>,
}

impl AttemptEvent<'_> {
    /// The event as a JSON object under the names of `spelling`
    /// ([`describe::HOOK_EVENT_FIELDS`]): durations in seconds for Python, in
    /// milliseconds for Node; an absent value is `null`.
    pub fn to_json(&self, spelling: Spelling) -> Map<String, Value> {
        let duration = |d: Duration| match spelling {
            Spelling::Python => Value::from(d.as_secs_f64()),
            Spelling::Node => Value::from(d.as_secs_f64() * 1000.0),
        };
        let text = |t: Option<&str>| t.map_or(Value::Null, Value::from);
        describe::HOOK_EVENT_FIELDS
            .iter()
            .map(|field| {
                let value = match field.python {
                    "trans_type" => Value::from(self.trans_type),
                    "order_id" => text(self.order_id),
                    "refund_id" => text(self.refund_id),
                    "attempt" => Value::from(self.attempt),
                    "elapsed" => duration(self.elapsed),
                    "http_status" => self.http_status.map_or(Value::Null, Value::from),
                    "trace_id" => text(self.trace_id),
                    "error" => text(self.error),
                    "retry_in" => self.retry_in.map_or(Value::Null, duration),
                    // A described field this match misses; a test catches it.
                    _ => Value::Null,
                };
                let name = match spelling {
                    Spelling::Python => field.python,
                    Spelling::Node => field.node,
                };
                (name.to_owned(), value)
            })
            .collect()
    }
}

/// What watches a client's attempts. Set with `ClientBuilder::hooks`; shared by the
/// clients `with_options` makes.
pub trait Hooks: Send + Sync + 'static {
    /// Whether any hook would see an event now; asked before one is built, so it must be
    /// cheap (an atomic load).
    fn wants(&self) -> bool {
        true
    }
    /// One event. It runs on the client's runtime thread: a hook that blocks delays the
    /// call. A panic is caught and logged.
    fn on_event(&self, event: &AttemptEvent<'_>);
}

/// Gives `event` to `hooks`; a panicking hook is logged and never breaks the call.
pub(crate) fn emit(hooks: &dyn Hooks, event: &AttemptEvent<'_>) {
    if catch_unwind(AssertUnwindSafe(|| hooks.on_event(event))).is_err() {
        tracing::warn!(
            hook = event.phase.as_str(),
            trans_type = event.trans_type,
            "an event hook panicked; the call goes on"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_described_field_has_a_value_in_both_spellings() {
        let event = AttemptEvent {
            phase: Phase::Response,
            trans_type: "PAY",
            order_id: Some("o_1"),
            refund_id: Some("r_1"),
            attempt: 2,
            elapsed: Duration::from_millis(1500),
            http_status: Some(503),
            trace_id: Some("t"),
            error: Some("GatewayError"),
            retry_in: Some(Duration::from_millis(250)),
        };
        for spelling in [Spelling::Python, Spelling::Node] {
            let json = event.to_json(spelling);
            assert_eq!(json.len(), describe::HOOK_EVENT_FIELDS.len());
            assert!(json.values().all(|v| !v.is_null()), "{json:?}");
        }
        let python = event.to_json(Spelling::Python);
        assert_eq!(python["elapsed"], 1.5);
        assert_eq!(python["retry_in"], 0.25);
        let node = event.to_json(Spelling::Node);
        assert_eq!(node["elapsedMs"], 1500.0);
        assert_eq!(node["retryInMs"], 250.0);
        assert_eq!(node["transType"], "PAY");
    }
}
