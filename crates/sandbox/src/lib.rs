//! The tradepay sandbox gateway: a stateful, fault-injecting emulator of the whole gateway
//! protocol, served over HTTP/1.1 and HTTP/2 (plain on loopback, or TLS with rustls).
//!
//! ```no_run
//! # async fn demo() -> Result<(), tradepay_sandbox::SandboxError> {
//! let sandbox = tradepay_sandbox::Sandbox::start(Default::default()).await?;
//! println!("{}/v1/gateway {} {}", sandbox.url(), sandbox.access_no(), sandbox.secret());
//! sandbox.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! Every rule of validation, parsing and signing comes from `tradepay-types`; this crate adds
//! the state (orders, refunds, nonces, the sandbox clock), the test values of protocol §8,
//! faults, webhook delivery and the control API under `/sandbox/`.
#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod cli;
mod control;
mod faults;
mod gateway;
pub mod options;
mod page;
mod server;
mod state;
mod webhooks;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tradepay_types::{Refund, Trade};

pub use faults::{FaultKind, FaultRule};

/// A certificate chain and its private key, both PEM.
#[derive(Clone)]
pub struct TlsConfig {
    /// The certificate chain, leaf first (PEM).
    pub cert_pem: Vec<u8>,
    /// The private key (PEM: PKCS#8, PKCS#1 or SEC1).
    pub key_pem: Vec<u8>,
}

impl std::fmt::Debug for TlsConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TlsConfig { .. }")
    }
}

/// How to start a sandbox. The default generates credentials, binds 127.0.0.1 on a free
/// port, uses seed 0 and plain HTTP. `Debug` does not show the secrets.
#[derive(Clone)]
pub struct SandboxConfig {
    /// The access party number; generated when `None`.
    pub access_no: Option<String>,
    /// The access party's signing secret; generated when `None`.
    pub secret: Option<String>,
    /// The webhook signing secret in `whsec_<base64>` form; generated when `None`.
    pub webhook_secret: Option<String>,
    /// The address to bind (127.0.0.1 by default).
    pub host: IpAddr,
    /// The port to bind; 0 picks a free one.
    pub port: u16,
    /// The default seed of probabilistic faults.
    pub seed: u64,
    /// Serve HTTPS with this certificate when set.
    pub tls: Option<TlsConfig>,
    /// Attempts per webhook delivery (at least 5 are made whatever this says).
    pub webhook_attempts: u32,
    /// The delay before the first retry of a webhook; each further retry doubles it.
    pub webhook_retry_base: Duration,
    /// How long one webhook attempt may take before it counts as failed.
    pub webhook_timeout: Duration,
    /// Allow binding an address other than loopback. The control API has no
    /// authentication, so this is off by default; when on, a warning goes to stderr.
    pub allow_remote: bool,
    /// Extra CA certificates (PEM) trusted for `https://` notify URLs, beside the operating
    /// system's store.
    pub webhook_ca: Option<Vec<u8>>,
    /// The most connections served at once ([`DEFAULT_MAX_CONNECTIONS`]); a connection
    /// beyond it is closed as soon as it is accepted.
    pub max_connections: usize,
    /// How long a client may take to send a request's headers, and then its body
    /// ([`DEFAULT_READ_TIMEOUT`]); a slower one is dropped (headers) or answered 408 (body).
    pub read_timeout: Duration,
    /// How far a request's `timestamp` may be from the sandbox's clock (protocol §2:
    /// 300 s). Tests of "too old to be accepted" set it lower so as not to wait 5 minutes.
    pub timestamp_window: Duration,
}

/// The default of [`SandboxConfig::max_connections`].
pub const DEFAULT_MAX_CONNECTIONS: usize = 4096;
/// The default of [`SandboxConfig::read_timeout`].
pub const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(30);

impl std::fmt::Debug for SandboxConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let redacted = |v: &Option<String>| v.as_ref().map(|_| "<redacted>");
        f.debug_struct("SandboxConfig")
            .field("access_no", &self.access_no)
            .field("secret", &redacted(&self.secret))
            .field("webhook_secret", &redacted(&self.webhook_secret))
            .field("host", &self.host)
            .field("port", &self.port)
            .field("seed", &self.seed)
            .field("tls", &self.tls)
            .field("webhook_attempts", &self.webhook_attempts)
            .field("webhook_retry_base", &self.webhook_retry_base)
            .field("webhook_timeout", &self.webhook_timeout)
            .field("allow_remote", &self.allow_remote)
            .field("webhook_ca", &self.webhook_ca.as_ref().map(|_| "<pem>"))
            .field("max_connections", &self.max_connections)
            .field("read_timeout", &self.read_timeout)
            .field("timestamp_window", &self.timestamp_window)
            .finish()
    }
}

impl Default for SandboxConfig {
    fn default() -> Self {
        SandboxConfig {
            access_no: None,
            secret: None,
            webhook_secret: None,
            host: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 0,
            seed: 0,
            tls: None,
            webhook_attempts: 5,
            webhook_retry_base: Duration::from_millis(50),
            webhook_timeout: Duration::from_secs(5),
            allow_remote: false,
            webhook_ca: None,
            max_connections: DEFAULT_MAX_CONNECTIONS,
            read_timeout: DEFAULT_READ_TIMEOUT,
            timestamp_window: Duration::from_secs(
                tradepay_types::body::TIMESTAMP_WINDOW_SECS.unsigned_abs(),
            ),
        }
    }
}

/// How a test completes a pending QR or 3-D Secure order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The customer paid: the order becomes SUCCESS.
    Succeeded,
    /// The customer failed or refused: the order becomes FAILED.
    Failed,
}

impl std::str::FromStr for Outcome {
    type Err = SandboxError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "succeeded" | "success" | "approve" => Ok(Outcome::Succeeded),
            "failed" | "fail" => Ok(Outcome::Failed),
            other => Err(SandboxError::Invalid(format!(
                "outcome must be \"succeeded\" or \"failed\", not {other:?}"
            ))),
        }
    }
}

/// What a sandbox operation can fail with.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SandboxError {
    /// Binding or serving failed.
    #[error("sandbox I/O error: {0}")]
    Io(#[from] std::io::Error),
    /// The certificate or key could not be used.
    #[error("sandbox TLS configuration error: {0}")]
    Tls(String),
    /// No order (or refund) with that ID.
    #[error("not found: {0}")]
    NotFound(String),
    /// The order's state does not allow the operation.
    #[error("invalid state: {0}")]
    InvalidState(String),
    /// An argument (a fault rule, an outcome, a credential) is invalid.
    #[error("invalid argument: {0}")]
    Invalid(String),
    /// A binding's sandbox used after `close()`.
    #[error("the sandbox is closed; start a new Sandbox")]
    Closed,
}

impl SandboxError {
    /// The message every binding shows: a refused argument's own words (`port: must be …`),
    /// else the description with its kind.
    pub fn shown_message(&self) -> String {
        match self {
            SandboxError::Invalid(m) => m.clone(),
            other => other.to_string(),
        }
    }

    /// The error kind a binding raises this as (the names of
    /// `tradepay_types::describe::ERROR_CLASSES`): a refused argument, order or state is
    /// the caller's mistake and nothing changed; I/O is the machine's.
    pub fn kind(&self) -> &'static str {
        match self {
            SandboxError::Io(_) => "network",
            SandboxError::Tls(_)
            | SandboxError::NotFound(_)
            | SandboxError::InvalidState(_)
            | SandboxError::Invalid(_)
            | SandboxError::Closed => "validation",
        }
    }
}

/// One order as the ledger sees it: how many times money was taken and how much went back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerEntry {
    /// The caller's order ID.
    pub order_id: String,
    /// The gateway's transaction ID.
    pub trade_id: String,
    /// The merchant.
    pub merchant_id: String,
    /// The order amount, two decimals.
    pub amount: String,
    /// ISO 4217 code.
    pub currency: String,
    /// PENDING, SUCCESS, FAILED or CLOSED.
    pub status: String,
    /// How many times the customer was charged: 0 or 1, never more.
    pub charges: u32,
    /// Money given back (successful refunds and reversal), two decimals.
    pub refunded: String,
}

/// One webhook delivery and how it went. `Debug` masks payment tokens in the body.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookDelivery {
    /// `webhook-id`, the same on every attempt.
    pub id: String,
    /// The notify_url.
    pub url: String,
    /// The event type (`trade.succeeded`, …).
    #[serde(rename = "type")]
    pub event_type: String,
    /// Attempts made so far.
    pub attempts: u32,
    /// True once a receiver answered 2xx.
    pub delivered: bool,
    /// The HTTP status of the latest attempt, if it got one.
    pub last_status: Option<u16>,
    /// Why the latest attempt failed without a status (timeout, connection refused).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    /// The exact body sent (the same on every attempt).
    pub body: String,
}

impl std::fmt::Debug for WebhookDelivery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let body = match serde_json::from_str::<serde_json::Value>(&self.body) {
            Ok(v) => tradepay_types::redact::redact_value(&v).to_string(),
            Err(_) => format!("<{} bytes>", self.body.len()),
        };
        f.debug_struct("WebhookDelivery")
            .field("id", &self.id)
            .field("url", &self.url)
            .field("event_type", &self.event_type)
            .field("attempts", &self.attempts)
            .field("delivered", &self.delivered)
            .field("last_status", &self.last_status)
            .field("last_error", &self.last_error)
            .field("body", &body)
            .finish()
    }
}

/// The answer of [`Sandbox::handle_raw`]: what would have gone over the wire. `None` as
/// `status` means the connection would have been closed without an answer.
#[doc(hidden)]
#[derive(Debug, Clone)]
pub struct RawResponse {
    /// The HTTP status, or `None` for a closed connection.
    pub status: Option<u16>,
    /// Header names (lowercase) and values.
    pub headers: Vec<(String, Vec<u8>)>,
    /// The body as far as it was sent.
    pub body: Vec<u8>,
    /// False when the body broke off before its end (a truncation fault).
    pub complete: bool,
}

/// A running sandbox. Dropping it stops the server; [`Sandbox::shutdown`] also waits for it.
pub struct Sandbox {
    inner: Arc<server::Shared>,
    url: String,
    handle: Option<server::ServerHandle>,
}

impl std::fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sandbox")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

impl Sandbox {
    /// Binds, starts serving on the current tokio runtime, and returns the handle.
    ///
    /// An address other than loopback is refused unless `config.allow_remote` is set, and
    /// then a warning is printed on stderr.
    pub async fn start(config: SandboxConfig) -> Result<Sandbox, SandboxError> {
        if !config.host.is_loopback() {
            if !config.allow_remote {
                return Err(SandboxError::Invalid(format!(
                    "host {} is not a loopback address; the control API has no \
                     authentication, so binding it needs allow_remote (--allow-remote)",
                    config.host
                )));
            }
            eprintln!(
                "tradepay-sandbox: WARNING: listening on {}, reachable from other machines; \
                 its control API has no authentication",
                config.host
            );
        }
        let addr = SocketAddr::new(config.host, config.port);
        let (inner, handle, url) = server::start(config, addr).await?;
        Ok(Sandbox {
            inner,
            url,
            handle: Some(handle),
        })
    }

    /// The base URL, like `http://127.0.0.1:PORT`; the gateway is `url + "/v1/gateway"`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The access party number requests must carry.
    pub fn access_no(&self) -> &str {
        &self.inner.access_no
    }

    /// The secret requests and responses are signed with.
    pub fn secret(&self) -> &str {
        self.inner.secret.expose()
    }

    /// The webhook secret, `whsec_<base64>`.
    pub fn webhook_secret(&self) -> &str {
        &self.inner.webhook_secret_text
    }

    /// Completes a pending order (QR, 3-D Secure, or a micropay awaiting the customer).
    pub fn complete(&self, trade_id: &str, outcome: Outcome) -> Result<Trade, SandboxError> {
        self.inner.complete(trade_id, outcome)
    }

    /// Moves the sandbox clock forward, firing every timer that falls due.
    pub fn advance_clock(&self, by: Duration) {
        self.inner.advance_clock(by)
    }

    /// Replaces the fault rules.
    pub fn set_faults(&self, rules: Vec<FaultRule>) -> Result<(), SandboxError> {
        self.inner.faults.set(rules, self.inner.seed)
    }

    /// Removes every fault rule.
    pub fn clear_faults(&self) {
        self.inner.faults.clear()
    }

    /// Every order with its charge count and refunded total.
    pub fn ledger(&self) -> Vec<LedgerEntry> {
        self.inner.ledger()
    }

    /// Every order as QUERY would return it, oldest first.
    pub fn orders(&self) -> Vec<Trade> {
        self.inner.orders()
    }

    /// Every refund as REFUND_QUERY would return it, oldest first.
    pub fn refunds(&self) -> Vec<Refund> {
        self.inner.refunds()
    }

    /// Every webhook delivery so far.
    pub fn webhook_deliveries(&self) -> Vec<WebhookDelivery> {
        self.inner.webhook_deliveries()
    }

    /// Forgets every order, refund, token, delivery and fault, and resets the clock.
    pub fn reset(&self) {
        self.inner.reset()
    }

    /// Handles one request without a socket, as the server would: for fuzzing and tests.
    /// Not a stable API.
    #[doc(hidden)]
    pub async fn handle_raw(
        &self,
        method: &str,
        uri: &str,
        headers: &[(String, Vec<u8>)],
        body: Vec<u8>,
    ) -> RawResponse {
        server::handle_raw(&self.inner, method, uri, headers, body).await
    }

    /// Stops accepting, lets in-flight requests finish (up to 5 s), and stops.
    pub async fn shutdown(mut self) {
        if let Some(handle) = self.handle.take() {
            handle.shutdown().await;
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        if let Some(handle) = self.handle.take() {
            handle.signal();
        }
    }
}

// Bindings keep a Sandbox in objects shared across threads.
const _: () = {
    const fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Sandbox>();
    assert_send_sync::<SandboxConfig>();
    assert_send_sync::<FaultRule>();
};
