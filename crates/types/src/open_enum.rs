//! The protocol's enumerations. Each keeps a value it does not know as `Unknown(raw)` and
//! writes it back unchanged, so a new status from the gateway is never rejected or lost.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// What every enumeration of the protocol offers, for code that handles them alike (the
/// bindings turn any of them into their language's enum member or a plain string).
pub trait OpenEnum {
    /// The type's name, which is also the class name in every language.
    const NAME: &'static str;
    /// The wire string.
    fn wire(&self) -> &str;
    /// True when the value is one this version knows.
    fn known(&self) -> bool;
}

macro_rules! open_enum {
    (
        $(#[$meta:meta])*
        $name:ident { $( $(#[$vmeta:meta])* $variant:ident = $wire:literal ),+ $(,)? }
    ) => {
        $(#[$meta])*
        #[derive(Clone, PartialEq, Eq, Hash)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
            /// A value this version does not know, kept exactly as received.
            Unknown(String),
        }

        impl $name {
            /// Every value this version knows.
            pub const KNOWN: &'static [$name] = &[$($name::$variant),+];

            /// The wire string.
            pub fn as_str(&self) -> &str {
                match self {
                    $( $name::$variant => $wire, )+
                    $name::Unknown(raw) => raw,
                }
            }

            /// Reads a wire string; never fails.
            pub fn from_wire(raw: &str) -> Self {
                match raw {
                    $( $wire => $name::$variant, )+
                    other => $name::Unknown(other.to_owned()),
                }
            }

            /// True when the value is one this version knows.
            pub fn is_known(&self) -> bool {
                !matches!(self, $name::Unknown(_))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match self {
                    $name::Unknown(raw) => write!(f, "{}::Unknown({raw:?})", stringify!($name)),
                    known => write!(f, "{}::{}", stringify!($name), known.as_str()),
                }
            }
        }

        impl OpenEnum for $name {
            const NAME: &'static str = stringify!($name);
            fn wire(&self) -> &str {
                self.as_str()
            }
            fn known(&self) -> bool {
                self.is_known()
            }
        }

        impl From<&str> for $name {
            fn from(raw: &str) -> Self {
                Self::from_wire(raw)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let raw = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
                Ok(Self::from_wire(&raw))
            }
        }
    };
}

open_enum! {
    /// `data.status` of an order or refund (protocol §3).
    Status {
        /// Processing: neither paid nor failed yet.
        Pending = "PENDING",
        /// Paid (or refunded, for a refund).
        Success = "SUCCESS",
        /// Failed; `last_payment_error` says why.
        Failed = "FAILED",
        /// Closed: expired, closed or reversed.
        Closed = "CLOSED",
    }
}

impl Status {
    /// True for SUCCESS, FAILED and CLOSED: the order will not change status again
    /// (a refund may still follow a SUCCESS).
    pub fn is_final(&self) -> bool {
        matches!(self, Status::Success | Status::Failed | Status::Closed)
    }
}

open_enum! {
    /// `trade_status`: where the payment stands.
    TradeStatus {
        /// Initial state, or failed and waiting for another method.
        RequiresPaymentMethod = "requires_payment_method",
        /// The customer must act (3-D Secure, scan a QR code).
        RequiresAction = "requires_action",
        /// The channel is processing.
        Processing = "processing",
        /// Paid.
        Succeeded = "succeeded",
    }
}

open_enum! {
    /// `refund_status` of an order.
    RefundStatus {
        /// Nothing refunded.
        NoRefund = "no_refund",
        /// Part of the amount refunded.
        PartiallyRefunded = "partially_refunded",
        /// All of it refunded.
        Refunded = "refunded",
    }
}

open_enum! {
    /// `payment_mode`: card subscriptions.
    PaymentMode {
        /// First payment: collects card data, returns a `payment_token` on success.
        Subscription = "subscription",
        /// Renewal: pays with `payment_token`, no card data.
        RecurringPayment = "recurring_payment",
    }
}

open_enum! {
    /// `payment_method`.
    PaymentMethod {
        /// Card, possibly with a 3-D Secure redirect.
        Card = "card",
        /// Active QR code payment: the customer scans the merchant's code.
        Qr = "qr",
        /// Passive scan: the merchant scans the customer's code (MICROPAY).
        Micropay = "micropay",
    }
}

open_enum! {
    /// `next_action.type`.
    NextActionType {
        /// Send the customer to `next_action.redirect.url`.
        Redirect = "redirect",
    }
}

open_enum! {
    /// The operation a request asks for (`transType`).
    TransType {
        /// Create a payment.
        Pay = "PAY",
        /// Read an order.
        Query = "QUERY",
        /// Refund a paid order, in part or in full.
        Refund = "REFUND",
        /// Read a refund.
        RefundQuery = "REFUND_QUERY",
        /// Cancel a payment whatever its state.
        Reversal = "REVERSAL",
        /// Close a pending order.
        Close = "CLOSE",
    }
}

open_enum! {
    /// The `type` of a webhook event (protocol §7).
    EventType {
        /// An order became SUCCESS.
        TradeSucceeded = "trade.succeeded",
        /// An order became FAILED.
        TradeFailed = "trade.failed",
        /// An order became CLOSED.
        TradeClosed = "trade.closed",
        /// A refund became SUCCESS.
        RefundSucceeded = "refund.succeeded",
        /// A refund became FAILED.
        RefundFailed = "refund.failed",
    }
}

impl EventType {
    /// True when the event carries a refund rather than an order.
    pub fn is_refund(&self) -> bool {
        self.as_str().starts_with("refund.")
    }
}
