//! The tradepay client: every gateway operation over hyper and rustls, with retries that
//! never charge twice, deadlines, and the payment flows built on them.
//!
//! Users depend on the `tradepay` facade crate, which re-exports this crate whole.
#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod builder;
pub mod call;
mod call_options;
mod client;
mod error;
mod flows;
pub mod hooks;
pub mod journal;
pub mod log_text;
pub mod options;
pub mod webhook;

pub use builder::{
    ClientBuilder, DEFAULT_BACKOFF, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_BACKOFF,
    DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT, MAX_RETRIES,
};
pub use call::{Answer, Call};
pub use call_options::CallOptions;
pub use client::{Client, MAX_RESPONSE_BYTES};
pub use error::{Error, ErrorKind};
pub use flows::{background_reversals, BACKGROUND_REVERSAL_BUDGET, MICROPAY_REVERSAL_BUDGET};
pub use journal::{
    Journal, JournalEntry, Outcome, PostgresJournal, Recovery, RecoveryStatus, SqliteJournal,
};
