//! The journal: a durable record of every money-moving call (PAY, REFUND, REVERSAL, CLOSE
//! and micropay's PAYs), written before the first byte goes out, so that a process killed
//! mid-call leaves an operation another process can settle the protocol's way.
//!
//! See `docs/journal.md` for the design: record before send, group commit, the 300 s rule
//! and the liveness of owners.

mod postgres;
mod recover;
mod sqlite;

use std::collections::HashSet;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use tokio::time::Instant;
use tradepay_types::{Refund, Trade, TransType};

use crate::error::Error;

pub use postgres::PostgresJournal;
pub use recover::{Recovery, RecoveryStatus};
pub use sqlite::SqliteJournal;

/// The boxed future a [`Journal`] method returns (the trait is object safe).
pub type JournalFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, Error>> + Send + 'a>>;

/// The gateway accepts a request whose `timestamp` is within this of its clock (protocol
/// §2): a request last attempted longer ago than this can no longer be accepted.
pub use tradepay_types::describe::DEFAULT_REPLAY_WINDOW;

/// What kind of money-moving call an entry records (serialized as its `transType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum OperationKind {
    /// PAY (card, QR or micropay; a micropay has `payment_method` `micropay`).
    Pay,
    /// REFUND.
    Refund,
    /// REVERSAL.
    Reversal,
    /// CLOSE.
    Close,
}

impl OperationKind {
    /// The `transType` of this kind.
    pub fn as_str(self) -> &'static str {
        match self {
            OperationKind::Pay => "PAY",
            OperationKind::Refund => "REFUND",
            OperationKind::Reversal => "REVERSAL",
            OperationKind::Close => "CLOSE",
        }
    }

    /// The kind journaled for a `transType`, if it moves money.
    pub fn of(trans_type: &TransType) -> Option<OperationKind> {
        match trans_type {
            TransType::Pay => Some(OperationKind::Pay),
            TransType::Refund => Some(OperationKind::Refund),
            TransType::Reversal => Some(OperationKind::Reversal),
            TransType::Close => Some(OperationKind::Close),
            _ => None,
        }
    }

    pub(crate) fn parse(s: &str) -> Option<OperationKind> {
        match s {
            "PAY" => Some(OperationKind::Pay),
            "REFUND" => Some(OperationKind::Refund),
            "REVERSAL" => Some(OperationKind::Reversal),
            "CLOSE" => Some(OperationKind::Close),
            _ => None,
        }
    }
}

/// Who made (or is settling) an operation: enough to tell whether it is still alive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Owner {
    /// The operating system's process ID.
    pub pid: u32,
    /// Random per opened journal: tells apart two processes that reused one PID.
    pub instance: String,
    /// The host name (liveness is only checked on the same host).
    pub host: String,
}

impl Owner {
    pub(crate) fn this_process() -> Owner {
        let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
            .or_else(|_| std::fs::read_to_string("/etc/hostname"))
            .map(|h| h.trim().to_owned())
            .ok()
            .filter(|h| !h.is_empty())
            .or_else(|| std::env::var("COMPUTERNAME").ok())
            .unwrap_or_else(|| "unknown".to_owned());
        Owner {
            pid: std::process::id(),
            instance: random_id(),
            host,
        }
    }
}

/// What is recorded before the first attempt of an operation. It never holds card data,
/// CVC, auth_code or payment_token: only identifiers and a digest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewOperation {
    /// Random, unique per call.
    pub id: String,
    /// PAY, REFUND, REVERSAL or CLOSE.
    pub kind: OperationKind,
    /// The merchant.
    pub merchant_id: String,
    /// The order, when the call names it by order_id.
    pub order_id: Option<String>,
    /// The order, when the call names it by trade_id.
    pub trade_id: Option<String>,
    /// The refund (REFUND).
    pub refund_id: Option<String>,
    /// `card`, `qr` or `micropay` (PAY).
    pub payment_method: Option<String>,
    /// The amount sent (PAY, REFUND).
    pub amount: Option<String>,
    /// The currency sent (PAY).
    pub currency: Option<String>,
    /// SHA-256 (hex) of the business parameters, without `txn_time`, `notify_url`,
    /// `payment_method_data` and `payment_token` (see [`digest`]).
    pub digest: String,
    /// Unix seconds when the call began.
    pub created_at: i64,
    /// Unix seconds of the call's deadline, if it has one (a micropay's is its own).
    pub deadline: Option<i64>,
}

/// An operation as the journal holds it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JournalEntry {
    /// What was recorded before the first attempt.
    #[serde(flatten)]
    pub operation: NewOperation,
    /// The `timestamp` of every attempt, in order.
    pub attempt_timestamps: Vec<i64>,
    /// Who owns it now (the caller, or a process recovering it).
    pub owner: Owner,
    /// The last answer seen, if any (a micropay still PENDING keeps its order here).
    pub last_known: Option<Outcome>,
}

impl JournalEntry {
    /// The `timestamp` of the last attempt (the one the replay window counts from).
    pub fn last_attempt_at(&self) -> Option<i64> {
        self.attempt_timestamps.last().copied()
    }
}

/// What an operation became.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Outcome {
    /// The order as the gateway confirmed it.
    Trade(Box<Trade>),
    /// The refund as the gateway confirmed it.
    Refund(Box<Refund>),
    /// The gateway did not act on it, and never will: refused definitively, or not found
    /// once its last attempt can no longer be accepted.
    NotProcessed {
        /// The gateway's code, when it gave one.
        code: Option<String>,
        /// Why.
        message: String,
    },
}

/// A storage for the journal. [`SqliteJournal`] is the embedded one, [`PostgresJournal`]
/// the one several hosts share.
///
/// Writes that come before a send ([`Journal::begin`], [`Journal::attempt`]) must be
/// durable when their future resolves; [`Journal::finish`] only enqueues (an outcome
/// lost in a crash leaves the operation in doubt, which recovery settles by querying).
pub trait Journal: Send + Sync + 'static {
    /// Who this journal writes as.
    fn owner(&self) -> &Owner;
    /// Records a new operation and the `timestamp` of its first attempt, durably.
    fn begin(&self, op: NewOperation, first_attempt: i64) -> JournalFuture<'_, ()>;
    /// Records the `timestamp` of a further attempt, durably.
    fn attempt(&self, id: String, timestamp: i64) -> JournalFuture<'_, ()>;
    /// Records what an operation's call learned. `settled` false keeps it in doubt (a
    /// micropay answered PENDING) with `outcome` as the last answer seen.
    ///
    /// The record must be queued when this returns, in order with later calls of this
    /// journal; the future resolves once it is durable. A call's own outcome is not waited
    /// for (lost in a crash, the operation stays in doubt and is queried); recovery's is,
    /// so that a recoverer that exits leaves nothing another would settle again. Dropping
    /// the journal waits (bounded) for what is queued, so a client dropped cleanly leaves
    /// its outcomes written.
    fn finish(&self, id: String, outcome: Outcome, settled: bool) -> JournalFuture<'_, ()>;
    /// Settles the in-doubt PAYs of an order that this owner made, with the order a later
    /// QUERY or REVERSAL confirmed final (micropay's flow). Not waited for.
    fn settle_order(&self, merchant_id: String, order_id: String, trade: Trade);
    /// Every operation in doubt, from any process sharing the journal.
    fn in_doubt(&self) -> JournalFuture<'_, Vec<JournalEntry>>;
    /// Takes an in-doubt operation over for recovery: true if it is now this owner's (it
    /// was, or its owner is dead), false if a live process owns it or it is settled.
    fn claim(&self, id: String) -> JournalFuture<'_, bool>;
    /// Records a webhook event ID; true if it was already recorded.
    fn webhook_seen(&self, event_id: String) -> JournalFuture<'_, bool>;
}

/// The journal as the client holds it: the backend, and the calls of this client still
/// running (never settled by this process's own recovery).
pub(crate) struct JournalHandle {
    pub backend: Arc<dyn Journal>,
    pub replay_window: Duration,
    in_flight: Mutex<HashSet<String>>,
}

impl JournalHandle {
    pub(crate) fn new(backend: Arc<dyn Journal>, replay_window: Duration) -> JournalHandle {
        JournalHandle {
            backend,
            replay_window,
            in_flight: Mutex::new(HashSet::new()),
        }
    }

    /// The record of one call, written at its first attempt.
    pub(crate) fn call(
        self: &Arc<Self>,
        kind: OperationKind,
        data: &Map<String, Value>,
        until: Option<Instant>,
    ) -> JournalCall {
        let text = |k: &str| data.get(k).and_then(Value::as_str).map(str::to_owned);
        let now = tradepay_types::time::now_unix();
        let deadline = until.map(|u| {
            let left = u.saturating_duration_since(Instant::now());
            now.saturating_add(i64::try_from(left.as_secs()).unwrap_or(i64::MAX))
                .saturating_add(1)
        });
        let op = NewOperation {
            id: random_id(),
            kind,
            merchant_id: text("merchant_id").unwrap_or_default(),
            order_id: text("order_id"),
            trade_id: text("trade_id"),
            refund_id: text("refund_id"),
            payment_method: text("payment_method"),
            amount: text("amount"),
            currency: text("currency"),
            digest: digest(data),
            created_at: now,
            deadline,
        };
        JournalCall {
            handle: self.clone(),
            id: op.id.clone(),
            pending: Some(op),
            micropay: text("payment_method").as_deref() == Some("micropay"),
            kind,
        }
    }

    fn set_in_flight(&self, id: &str, on: bool) -> bool {
        let mut set = self.in_flight.lock().unwrap_or_else(|e| e.into_inner());
        if on {
            set.insert(id.to_owned())
        } else {
            set.remove(id)
        }
    }

    pub(crate) fn is_in_flight(&self, id: &str) -> bool {
        let set = self.in_flight.lock().unwrap_or_else(|e| e.into_inner());
        set.contains(id)
    }

    /// Marks an operation as being worked on by this process (a call, or its recovery);
    /// false if it already is.
    pub(crate) fn take(&self, id: &str) -> bool {
        self.set_in_flight(id, true)
    }

    pub(crate) fn release(&self, id: &str) {
        self.set_in_flight(id, false);
    }
}

/// One journaled call: recorded at its first attempt, finished when its outcome is known.
pub(crate) struct JournalCall {
    handle: Arc<JournalHandle>,
    id: String,
    pending: Option<NewOperation>,
    micropay: bool,
    kind: OperationKind,
}

impl JournalCall {
    /// Before each attempt: its `timestamp` is durable before the attempt is sent, or the
    /// call fails with a validation error and the attempt is not sent.
    pub(crate) async fn before_attempt(&mut self, timestamp: i64) -> Result<(), Error> {
        let result = match self.pending.take() {
            Some(op) => {
                self.handle.take(&self.id);
                self.handle.backend.begin(op, timestamp).await
            }
            None => {
                self.handle
                    .backend
                    .attempt(self.id.clone(), timestamp)
                    .await
            }
        };
        result.map_err(unwritable)
    }

    /// Once the call's result is known. An error that leaves the outcome unknown keeps
    /// the operation in doubt.
    pub(crate) fn finish<T: 'static>(self, result: Result<&T, &Error>) {
        if self.pending.is_some() {
            // Never attempted (refused before the first attempt): nothing was recorded.
            return;
        }
        let any: Option<&dyn std::any::Any> = result.ok().map(|v| v as _);
        let backend = &self.handle.backend;
        match (result, any) {
            (Ok(_), Some(v)) => {
                if let Some(trade) = v.downcast_ref::<Trade>() {
                    let settled = !self.micropay || trade.status.is_final();
                    drop(backend.finish(
                        self.id.clone(),
                        Outcome::Trade(Box::new(trade.clone())),
                        settled,
                    ));
                    if settled && self.kind == OperationKind::Reversal {
                        if let Some(order_id) = trade.order_id.clone() {
                            backend.settle_order(
                                trade.merchant_id.clone().unwrap_or_default(),
                                order_id,
                                trade.clone(),
                            );
                        }
                    }
                } else if let Some(refund) = v.downcast_ref::<Refund>() {
                    drop(backend.finish(
                        self.id.clone(),
                        Outcome::Refund(Box::new(refund.clone())),
                        true,
                    ));
                }
            }
            (Err(e), _) if !e.is_outcome_unknown() => drop(backend.finish(
                self.id.clone(),
                Outcome::NotProcessed {
                    code: e.code().map(str::to_owned),
                    message: e.message().to_owned(),
                },
                true,
            )),
            _ => {}
        }
        self.handle.release(&self.id);
    }
}

impl Drop for JournalCall {
    fn drop(&mut self) {
        // A dropped call (cancelled future) stays in doubt, and recoverable by this process.
        self.handle.release(&self.id);
    }
}

/// The error of a journal that cannot record: a validation error, so nothing is sent.
fn unwritable(e: Error) -> Error {
    if e.kind() == crate::ErrorKind::Validation {
        return e;
    }
    journal_error(format!(
        "the journal could not record the call, so it was not sent: {e}"
    ))
}

/// Opens the journal a URL names: `postgres://` / `postgresql://` is PostgreSQL, anything
/// else SQLite.
pub(crate) fn open_url(url: &str) -> Result<Arc<dyn Journal>, Error> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(PostgresJournal::open(url)?))
    } else {
        Ok(Arc::new(SqliteJournal::open(url)?))
    }
}

pub(crate) fn journal_error(message: impl Into<String>) -> Error {
    Error::from(tradepay_types::Error::option("journal", message.into()))
}

/// SHA-256 (hex) of the business parameters the gateway compares for idempotency
/// (protocol §6: all but `txn_time` and `notify_url`), less `payment_method_data` and
/// `payment_token`: a hash of a card number or auth code can be reversed by trying every
/// value, so none is kept, not even hashed.
pub fn digest(data: &Map<String, Value>) -> String {
    let mut keys: Vec<&String> = data
        .keys()
        .filter(|k| {
            !matches!(
                k.as_str(),
                "txn_time" | "notify_url" | "payment_method_data" | "payment_token"
            )
        })
        .collect();
    keys.sort();
    let mut hasher = Sha256::new();
    for k in keys {
        hasher.update(k.as_bytes());
        hasher.update([0]);
        hasher.update(data[k.as_str()].to_string().as_bytes());
        hasher.update([0]);
    }
    hex(&hasher.finalize())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub(crate) fn random_id() -> String {
    use rand::Rng;
    format!("{:032x}", rand::rng().random::<u128>())
}
