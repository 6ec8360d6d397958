//! tradepay: the client SDK of the tradepay payment gateway.
//!
//! ```no_run
//! # async fn run() -> Result<(), tradepay::Error> {
//! use std::time::Duration;
//! use tradepay::{Client, OrderRef};
//!
//! let client = Client::builder()
//!     .base_url("https://gateway.example")
//!     .access_no("acc_123")
//!     .secret("…")
//!     .deadline(Duration::from_secs(60))
//!     .build()?;
//! let trade = client.query(OrderRef::OrderId("o_1".into()), "m_1").await?;
//! println!("{} is {}", trade.order_id.unwrap_or_default(), trade.status);
//! # Ok(()) }
//! ```
//!
//! Everything of `tradepay-types` (requests, `Trade`, `Refund`, `Amount`, …) and of
//! `tradepay-transport` (`Client`, `ClientBuilder`, `Error`, `ErrorKind`) is re-exported
//! here. `Error` and `ErrorKind` are the client's; the types crate's own error is
//! `tradepay::types::Error`.
#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub use tradepay_transport::*;
pub use tradepay_types::*;

// Named explicitly so they win over the types crate's items of the same names.
pub use tradepay_transport::{webhook, Client, ClientBuilder, Error, ErrorKind};

/// The pure protocol crate, for its modules and its own error type.
pub use tradepay_types as types;
