//! Node binding of tradepay: the Rust client, the sandbox gateway and webhook verification,
//! exposed through napi-rs to the thin JavaScript layer in `index.js`.
//!
//! Everything the SDK decides (validation, retries, statuses, signatures) happens in the
//! Rust crates; this crate only converts. Requests arrive as plain JS objects with the wire
//! field names and are read by the same `from_data` functions the gateway uses; results go
//! back as plain objects with the wire field names. A failure rejects with a JS `Error` whose
//! message is a JSON payload (see [`failure`]); `index.js` turns it into the right class.
#![deny(missing_docs)]
#![deny(clippy::all)]
// A failure is built once on the cold path and turned into a JS error at once; boxing it
// would only add an allocation to every error.
#![allow(clippy::result_large_err)]

mod abort;
mod client;
mod convert;
mod failure;
mod hooks;
mod js;
mod log;
mod sandbox;
mod webhooks;

pub use abort::CallAbort;
pub use client::{test_panic_async, test_panic_sync, NativeClient};
pub use convert::redact;
pub use sandbox::{sandbox_cli, sandbox_cli_stop, start_sandbox, NativeSandbox};
pub use webhooks::{sign_webhook, unreadable_request, verify_webhook};
