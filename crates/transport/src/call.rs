//! A client call as a binding receives it: a method's name, its parameters as JSON and its
//! own duration option, read by the core (`tradepay_types::params`) and run by [`Client`].
//! Both bindings dispatch through here, so which reader, which default and which client
//! method serve a name is decided once.

use std::time::Duration;

use serde_json::{Map, Value};
use tradepay_types::{duration, params, OrderRef, PayRequest, Refund, RefundRequest, Trade};

use crate::options::Spelling;
use crate::{Client, Error};

/// One method of the client: its name in each language and its duration option, if any.
struct Method {
    python: &'static str,
    node: &'static str,
    /// The method's own duration (Python seconds, Node milliseconds) and its default.
    duration: Option<(&'static str, &'static str, Duration)>,
}

const METHODS: &[Method] = &[
    Method {
        python: "pay",
        node: "pay",
        duration: None,
    },
    Method {
        python: "query",
        node: "query",
        duration: None,
    },
    Method {
        python: "refund",
        node: "refund",
        duration: None,
    },
    Method {
        python: "refund_query",
        node: "refundQuery",
        duration: None,
    },
    Method {
        python: "reverse",
        node: "reverse",
        duration: None,
    },
    Method {
        python: "close_order",
        node: "closeOrder",
        duration: None,
    },
    Method {
        python: "wait_final",
        node: "waitFinal",
        duration: Some(("timeout", "timeoutMs", params::DEFAULT_WAIT)),
    },
    Method {
        python: "micropay",
        node: "micropay",
        duration: Some(("deadline", "deadlineMs", params::DEFAULT_MICROPAY_DEADLINE)),
    },
    Method {
        python: "in_doubt",
        node: "inDoubt",
        duration: None,
    },
    Method {
        python: "recover",
        node: "recover",
        duration: None,
    },
    Method {
        python: "webhook_seen",
        node: "webhookSeen",
        duration: None,
    },
];

fn method(name: &str, spelling: Spelling) -> Option<&'static Method> {
    METHODS.iter().find(|m| match spelling {
        Spelling::Python => m.python == name,
        Spelling::Node => m.node == name,
    })
}

/// The name of `method`'s duration option in `spelling` (`timeout`, `deadlineMs`), if it
/// has one.
pub fn duration_option(method_name: &str, spelling: Spelling) -> Option<&'static str> {
    let (python, node, _) = method(method_name, spelling)?.duration?;
    Some(match spelling {
        Spelling::Python => python,
        Spelling::Node => node,
    })
}

/// A call, its parameters read and checked: nothing is sent yet.
pub enum Call {
    /// PAY.
    Pay(Box<PayRequest>),
    /// QUERY.
    Query(OrderRef, String),
    /// REFUND.
    Refund(Box<RefundRequest>),
    /// REFUND_QUERY: the refund and its merchant.
    RefundQuery(String, String),
    /// REVERSAL.
    Reverse(OrderRef, String),
    /// CLOSE.
    Close(OrderRef, String),
    /// QUERY until final, for at most the duration.
    WaitFinal(OrderRef, String, Duration),
    /// PAY by micropay, QUERY until final, REVERSAL at the deadline.
    Micropay(Box<PayRequest>, Duration),
    /// The journal's operations in doubt.
    InDoubt,
    /// Settle the journal's operations in doubt.
    Recover,
    /// Record a webhook event's ID; answers whether it was already there.
    WebhookSeen(String),
}

/// What a call answers.
// Moved once per call, so the size difference between the variants does not matter.
#[allow(clippy::large_enum_variant)]
pub enum Answer {
    /// An order.
    Trade(Trade),
    /// A refund.
    Refund(Refund),
    /// The journal's entries or recoveries, in the form every binding shows
    /// ([`JournalEntry`](crate::journal::JournalEntry), [`Recovery`](crate::Recovery)).
    Records(Value),
    /// Whether a webhook event was seen before.
    Seen(bool),
}

impl Call {
    /// Reads the call of the method named `name` in `spelling`: its parameters through
    /// `tradepay_types::params`, then its duration option (a raw number in the language's
    /// unit; `None` takes the core's default).
    pub fn read(
        name: &str,
        map: Map<String, Value>,
        duration_given: Option<f64>,
        spelling: Spelling,
    ) -> Result<Call, Error> {
        let m = method(name, spelling)
            .ok_or_else(|| Error::validation(format!("{name}: no such method")))?;
        let wait = || -> Result<Duration, Error> {
            let Some((python, node, default)) = m.duration else {
                return Ok(Duration::ZERO);
            };
            Ok(match (duration_given, spelling) {
                (None, _) => default,
                (Some(n), Spelling::Python) => duration::from_secs_f64(python, n)?,
                (Some(n), Spelling::Node) => duration::from_millis_f64(node, n)?,
            })
        };
        Ok(match m.python {
            "pay" => Call::Pay(Box::new(params::pay(map)?)),
            "refund" => Call::Refund(Box::new(params::refund(&map)?)),
            "refund_query" => {
                let r = params::refund_query(&map)?;
                Call::RefundQuery(r.refund_id, r.merchant_id)
            }
            "micropay" => {
                let req = params::micropay(map)?;
                Call::Micropay(Box::new(req), wait()?)
            }
            "in_doubt" | "recover" => {
                if let Some(key) = map.keys().next() {
                    return Err(Error::validation(format!(
                        "{key}: unknown parameter; {name}() takes none"
                    )));
                }
                if m.python == "in_doubt" {
                    Call::InDoubt
                } else {
                    Call::Recover
                }
            }
            "webhook_seen" => Call::WebhookSeen(event_id(&map)?),
            order_method => {
                let (order, merchant) = params::order(&map)?;
                match order_method {
                    "query" => Call::Query(order, merchant),
                    "reverse" => Call::Reverse(order, merchant),
                    "close_order" => Call::Close(order, merchant),
                    _ => Call::WaitFinal(order, merchant, wait()?),
                }
            }
        })
    }
}

impl Client {
    /// Runs a call read by [`Call::read`].
    pub async fn run_call(&self, call: Call) -> Result<Answer, Error> {
        Ok(match call {
            Call::Pay(req) => Answer::Trade(self.pay(*req).await?),
            Call::Query(order, m) => Answer::Trade(self.query(order, &m).await?),
            Call::Refund(req) => Answer::Refund(self.refund(*req).await?),
            Call::RefundQuery(r, m) => Answer::Refund(self.refund_query(&r, &m).await?),
            Call::Reverse(order, m) => Answer::Trade(self.reverse(order, &m).await?),
            Call::Close(order, m) => Answer::Trade(self.close_order(order, &m).await?),
            Call::WaitFinal(order, m, t) => Answer::Trade(self.wait_final(order, &m, t).await?),
            Call::Micropay(req, d) => Answer::Trade(self.micropay(*req, d).await?),
            Call::InDoubt => Answer::Records(records(&self.in_doubt().await?)?),
            Call::Recover => Answer::Records(records(&self.recover().await?)?),
            Call::WebhookSeen(id) => Answer::Seen(self.webhook_id_seen(&id).await?),
        })
    }
}

fn records<T: serde::Serialize>(items: &[T]) -> Result<Value, Error> {
    // These records hold only strings, numbers and string-keyed maps: never refused.
    serde_json::to_value(items).map_err(|e| {
        Error::new(
            crate::error::ErrorKind::Protocol,
            format!("journal record: {e}"),
        )
    })
}

/// The `event` of `webhook_seen`: a verified event (its `id`) or the `webhook-id` itself.
fn event_id(map: &Map<String, Value>) -> Result<String, Error> {
    if let Some(key) = map.keys().find(|k| *k != "event") {
        return Err(Error::validation(format!(
            "{key}: unknown parameter; webhook_seen takes the event"
        )));
    }
    let id = match map.get("event") {
        Some(Value::String(id)) => Some(id.as_str()),
        Some(Value::Object(event)) => event.get("id").and_then(Value::as_str),
        _ => None,
    };
    match id {
        Some(id) => Ok(id.to_owned()),
        None => Err(Error::from(tradepay_types::Error::option(
            "event",
            "must be a webhook event (with its id) or the webhook-id string",
        ))),
    }
}
