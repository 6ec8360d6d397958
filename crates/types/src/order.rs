//! The order (`Trade`) and refund objects the gateway returns (protocol §5, §6).
//!
//! Every field but `status` is optional: absent and `null` both mean "not applicable".

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::amount::Amount;
use crate::open_enum::{
    NextActionType, PaymentMethod, PaymentMode, RefundStatus, Status, TradeStatus,
};

/// Why a payment failed (`last_payment_error`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentError {
    /// Machine-readable reason, such as `card_declined`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// Human-readable reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// Where a redirect sends the customer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NextActionRedirect {
    /// The page the customer's browser opens (or the QR code's content).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// What the customer must do before the order can become final.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NextAction {
    /// The kind of action; `redirect` today.
    #[serde(rename = "type")]
    pub action_type: NextActionType,
    /// Set for `redirect`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirect: Option<NextActionRedirect>,
}

impl NextAction {
    /// The redirect URL, when there is one.
    pub fn redirect_url(&self) -> Option<&str> {
        self.redirect.as_ref()?.url.as_deref()
    }
}

/// A payment order as the gateway reports it, with its `status`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trade {
    /// PENDING, SUCCESS, FAILED or CLOSED.
    pub status: Status,
    /// The gateway's transaction ID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trade_id: Option<String>,
    /// The access party the order belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_no: Option<String>,
    /// The merchant the order belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merchant_id: Option<String>,
    /// The caller's order ID, unique per merchant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_id: Option<String>,
    /// The amount, two decimals.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<Amount>,
    /// ISO 4217 code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    /// The caller's customer ID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_id: Option<String>,
    /// When the payment succeeded (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paid_at: Option<String>,
    /// The caller's metadata, as sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<BTreeMap<String, String>>,
    /// Set when the payment failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_payment_error: Option<PaymentError>,
    /// Set while the customer must act.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_action: Option<NextAction>,
    /// The gateway's ID of the latest transaction on the order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_trans_id: Option<String>,
    /// `subscription` or `recurring_payment`, for cards.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_mode: Option<PaymentMode>,
    /// Returned by a successful subscription payment; pays renewals.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_token: Option<String>,
    /// `card`, `qr` or `micropay`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_method: Option<PaymentMethod>,
    /// The channel that processed the payment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_channel: Option<String>,
    /// Where the customer returns after a redirect.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub return_url: Option<String>,
    /// Where the payment stands.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trade_status: Option<TradeStatus>,
    /// When the caller started the operation (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub txn_time: Option<String>,
    /// When the gateway created the order (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    /// How much of the order is refunded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refund_status: Option<RefundStatus>,
    /// Sum of the successful refunds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_refunded_amount: Option<Amount>,
    /// Fields this version does not know (a newer gateway's), kept unchanged.
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
    /// The answer this value came from; not part of the value (never serialized, ignored
    /// by `==`).
    #[serde(skip)]
    pub last_response: LastResponse,
}

impl std::fmt::Debug for Trade {
    /// Like a derived `Debug`, with `payment_token` masked: it can charge the customer again.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Trade")
            .field("status", &self.status)
            .field("trade_id", &self.trade_id)
            .field("access_no", &self.access_no)
            .field("merchant_id", &self.merchant_id)
            .field("order_id", &self.order_id)
            .field("amount", &self.amount)
            .field("currency", &self.currency)
            .field("customer_id", &self.customer_id)
            .field("paid_at", &self.paid_at)
            .field("metadata", &self.metadata)
            .field("last_payment_error", &self.last_payment_error)
            .field("next_action", &self.next_action)
            .field("last_trans_id", &self.last_trans_id)
            .field("payment_mode", &self.payment_mode)
            .field(
                "payment_token",
                &self.payment_token.as_deref().map(crate::signing::masked),
            )
            .field("payment_method", &self.payment_method)
            .field("payment_channel", &self.payment_channel)
            .field("return_url", &self.return_url)
            .field("trade_status", &self.trade_status)
            .field("txn_time", &self.txn_time)
            .field("created_at", &self.created_at)
            .field("refund_status", &self.refund_status)
            .field("total_refunded_amount", &self.total_refunded_amount)
            .field("extra", &redacted(&self.extra))
            .finish()
    }
}

impl Trade {
    /// An order with only a status, every other field not applicable.
    pub fn with_status(status: Status) -> Self {
        Trade {
            status,
            trade_id: None,
            access_no: None,
            merchant_id: None,
            order_id: None,
            amount: None,
            currency: None,
            customer_id: None,
            paid_at: None,
            metadata: None,
            last_payment_error: None,
            next_action: None,
            last_trans_id: None,
            payment_mode: None,
            payment_token: None,
            payment_method: None,
            payment_channel: None,
            return_url: None,
            trade_status: None,
            txn_time: None,
            created_at: None,
            refund_status: None,
            total_refunded_amount: None,
            extra: BTreeMap::new(),
            last_response: LastResponse::default(),
        }
    }

    /// True once the order's status will not change (SUCCESS, FAILED, CLOSED).
    pub fn is_final(&self) -> bool {
        self.status.is_final()
    }

    /// The redirect URL of `next_action`, when there is one.
    pub fn redirect_url(&self) -> Option<&str> {
        self.next_action.as_ref()?.redirect_url()
    }

    /// What the answer this order came from said about itself; `None` for an order not
    /// read from an answer (a webhook's, one built by hand).
    pub fn last_response(&self) -> Option<&ResponseInfo> {
        self.last_response.0.as_ref()
    }
}

/// Unknown fields as `Debug` shows them: a newer gateway's field may carry card data or a
/// token, masked by the same rules as everything else.
fn redacted(extra: &BTreeMap<String, Value>) -> Value {
    let map: serde_json::Map<String, Value> =
        extra.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    Value::Object(crate::redact::redact_map(&map))
}

/// What an answer said about itself: the metadata of the response a result came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseInfo {
    /// The gateway's `traceId`: quote it to the gateway's support.
    pub trace_id: String,
    /// The HTTP status of the answer.
    pub http_status: u16,
    /// How many attempts the call took (1 when the first one answered).
    pub attempts: u32,
    /// From the call's start to its answer, retries and their delays included.
    pub elapsed: Duration,
}

impl ResponseInfo {
    /// The fields under their Node names ([`crate::describe::RESPONSE_FIELDS`]), durations
    /// in milliseconds: `lastResponse`.
    pub fn to_node_json(&self) -> serde_json::Map<String, Value> {
        crate::describe::RESPONSE_FIELDS
            .iter()
            .map(|field| {
                let value = match field.python {
                    "trace_id" => Value::from(self.trace_id.as_str()),
                    "http_status" => Value::from(self.http_status),
                    "attempts" => Value::from(self.attempts),
                    "elapsed" => Value::from(self.elapsed.as_secs_f64() * 1000.0),
                    // A described field this match misses; the test below catches it.
                    _ => Value::Null,
                };
                (field.node.to_owned(), value)
            })
            .collect()
    }
}

/// The response a result came from, held beside the result's fields. Two results with the
/// same fields are equal whichever answers they came from.
#[derive(Debug, Clone, Default)]
pub struct LastResponse(pub Option<ResponseInfo>);

impl PartialEq for LastResponse {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for LastResponse {}

/// A result that remembers the answer it came from ([`Trade`], [`Refund`]).
pub trait Answered {
    /// Records `info` as the answer this value came from.
    fn set_last_response(&mut self, info: ResponseInfo);
}

impl Answered for Trade {
    fn set_last_response(&mut self, info: ResponseInfo) {
        self.last_response = LastResponse(Some(info));
    }
}

impl Answered for Refund {
    fn set_last_response(&mut self, info: ResponseInfo) {
        self.last_response = LastResponse(Some(info));
    }
}

/// A refund as the gateway reports it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refund {
    /// PENDING, SUCCESS or FAILED.
    pub status: Status,
    /// The caller's refund ID, unique per merchant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refund_id: Option<String>,
    /// The refunded order's transaction ID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trade_id: Option<String>,
    /// The refunded order's ID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_id: Option<String>,
    /// The refunded amount.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<Amount>,
    /// The order's currency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    /// The caller's reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// When the refund was created (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    /// When the refund succeeded (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refunded_at: Option<String>,
    /// Fields this version does not know (a newer gateway's), kept unchanged.
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
    /// The answer this value came from; not part of the value (never serialized, ignored
    /// by `==`).
    #[serde(skip)]
    pub last_response: LastResponse,
}

impl std::fmt::Debug for Refund {
    /// Like a derived `Debug`, with unknown fields masked as in [`Trade`]'s.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Refund")
            .field("status", &self.status)
            .field("refund_id", &self.refund_id)
            .field("trade_id", &self.trade_id)
            .field("order_id", &self.order_id)
            .field("amount", &self.amount)
            .field("currency", &self.currency)
            .field("reason", &self.reason)
            .field("created_at", &self.created_at)
            .field("refunded_at", &self.refunded_at)
            .field("extra", &redacted(&self.extra))
            .finish()
    }
}

impl Refund {
    /// True once the status will not change (SUCCESS, FAILED).
    pub fn is_final(&self) -> bool {
        self.status.is_final()
    }

    /// What the answer this refund came from said about itself; `None` for a refund not
    /// read from an answer.
    pub fn last_response(&self) -> Option<&ResponseInfo> {
        self.last_response.0.as_ref()
    }

    /// A refund with only a status.
    pub fn with_status(status: Status) -> Self {
        Refund {
            status,
            refund_id: None,
            trade_id: None,
            order_id: None,
            amount: None,
            currency: None,
            reason: None,
            created_at: None,
            refunded_at: None,
            extra: BTreeMap::new(),
            last_response: LastResponse::default(),
        }
    }
}

#[cfg(test)]
mod response_info_tests {
    use super::*;

    #[test]
    fn every_described_response_field_has_a_value() {
        let info = ResponseInfo {
            trace_id: "t".into(),
            http_status: 200,
            attempts: 2,
            elapsed: Duration::from_micros(1500),
        };
        let json = info.to_node_json();
        assert_eq!(json.len(), crate::describe::RESPONSE_FIELDS.len());
        assert!(json.values().all(|v| !v.is_null()), "{json:?}");
        assert_eq!(json["elapsedMs"], 1.5);
        assert_eq!(json["httpStatus"], 200);
    }

    #[test]
    fn unknown_fields_are_kept_and_written_back_unchanged() {
        let text = r#"{"status":"SUCCESS","order_id":"o_1","x_future_field":{"since":"2027-01","values":[1,"two",null]}}"#;
        let trade: Trade = serde_json::from_str(text).unwrap();
        assert_eq!(trade.order_id.as_deref(), Some("o_1"));
        assert_eq!(trade.extra["x_future_field"]["values"][1], "two");
        let back: Value = serde_json::to_value(&trade).unwrap();
        assert_eq!(back, serde_json::from_str::<Value>(text).unwrap());
        let refund: Refund = serde_json::from_str(r#"{"status":"PENDING","x_new":true}"#).unwrap();
        assert_eq!(refund.extra["x_new"], true);
    }

    #[test]
    fn the_answer_a_value_came_from_is_not_part_of_it() {
        let mut a = Trade::with_status(Status::Success);
        let b = a.clone();
        a.set_last_response(ResponseInfo {
            trace_id: "t".into(),
            http_status: 200,
            attempts: 1,
            elapsed: Duration::ZERO,
        });
        assert_eq!(a, b);
        assert!(!serde_json::to_string(&a).unwrap().contains("trace"));
    }
}
