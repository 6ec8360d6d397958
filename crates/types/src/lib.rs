//! The pure core of tradepay: everything the gateway protocol defines that needs no I/O.
//!
//! The client, the sandbox gateway and the Python and Node bindings all use this crate, so a
//! rule written here holds in every language and on both sides of the wire. Nothing in this
//! crate opens a socket, reads a clock it was not given, or panics on input.
#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod amount;
pub mod body;
pub mod code;
pub mod currency;
pub mod depth;
pub mod describe;
pub mod duration;
pub mod envelope;
pub mod error;
mod fields;
pub mod metadata;
pub mod open_enum;
pub mod order;
pub mod params;
pub mod redact;
pub mod request;
pub mod response;
pub mod signing;
pub mod suggest;
pub mod time;
pub mod webhook;

pub use amount::Amount;
pub use body::{IncomingRequest, Stamp, StampSource, SystemStamps};
pub use code::CodeClass;
pub use currency::Currency;
pub use envelope::Envelope;
pub use error::{Error, ErrorKind};
pub use metadata::Metadata;
pub use open_enum::{
    EventType, NextActionType, OpenEnum, PaymentMethod, PaymentMode, RefundStatus, Status,
    TradeStatus, TransType,
};
pub use order::{
    Answered, LastResponse, NextAction, NextActionRedirect, PaymentError, Refund, ResponseInfo,
    Trade,
};
pub use request::{
    CardData, CloseRequest, MicropayData, Operation, OrderRef, PayRequest, PaymentMethodData,
    QueryRequest, RefundQueryRequest, RefundRequest, ReversalRequest,
};
pub use signing::Secret;
pub use webhook::{Event, EventData, HeaderSource, WebhookSecret};
