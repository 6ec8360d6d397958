//! The order (`Trade`) and refund objects the gateway returns (protocol §5, §6).
//!
//! Every field but `status` is optional: absent and `null` both mean "not applicable".

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

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
}

/// A refund as the gateway reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
}

impl Refund {
    /// True once the status will not change (SUCCESS, FAILED).
    pub fn is_final(&self) -> bool {
        self.status.is_final()
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
        }
    }
}
