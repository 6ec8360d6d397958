//! Settling operations in doubt the protocol's way: QUERY or REFUND_QUERY, REVERSAL of a
//! micropay past its deadline, and "not found" taken as final only once the last attempt
//! can no longer be accepted. Nothing here ever sends a PAY or a REFUND.

use serde::Serialize;
use tradepay_types::code::NOT_FOUND;
use tradepay_types::webhook::Event;
use tradepay_types::{CloseRequest, OrderRef, QueryRequest, RefundQueryRequest, ReversalRequest};
use tradepay_types::{Refund, Trade};

use super::{JournalEntry, OperationKind, Outcome};
use crate::client::Client;
use crate::error::Error;

/// What [`Client::recover`] made of one operation.
#[derive(Debug, Clone, PartialEq)]
pub struct Recovery {
    /// The operation as the journal held it.
    pub entry: JournalEntry,
    /// What it became.
    pub status: RecoveryStatus,
}

/// Settled, or still in doubt and when to try again.
#[derive(Debug, Clone, PartialEq)]
pub enum RecoveryStatus {
    /// The outcome is known and recorded.
    Settled(Outcome),
    /// Still unknown: try `recover()` again at `retry_at` (Unix seconds).
    InDoubt {
        /// When it can be settled at the earliest.
        retry_at: i64,
        /// Why it could not be settled yet.
        reason: String,
    },
    /// Owned by a live process (its call may still be running): left to it.
    Owned,
}

/// The form both bindings hand to users (a dict in Python, a plain object in Node): one
/// flat record, whose `status` says which of the other fields are set.
#[derive(Serialize)]
struct RecoveryView<'a> {
    entry: &'a JournalEntry,
    /// `settled`, `in_doubt` or `owned`.
    status: &'static str,
    trade: Option<&'a Trade>,
    refund: Option<&'a Refund>,
    not_processed: Option<NotProcessedView<'a>>,
    retry_at: Option<i64>,
    reason: Option<&'a str>,
}

#[derive(Serialize)]
struct NotProcessedView<'a> {
    code: Option<&'a str>,
    message: &'a str,
}

impl Serialize for Recovery {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut view = RecoveryView {
            entry: &self.entry,
            status: self.status.as_str(),
            trade: None,
            refund: None,
            not_processed: None,
            retry_at: None,
            reason: None,
        };
        match &self.status {
            RecoveryStatus::Settled(Outcome::Trade(t)) => view.trade = Some(t),
            RecoveryStatus::Settled(Outcome::Refund(r)) => view.refund = Some(r),
            RecoveryStatus::Settled(Outcome::NotProcessed { code, message }) => {
                view.not_processed = Some(NotProcessedView {
                    code: code.as_deref(),
                    message,
                })
            }
            RecoveryStatus::InDoubt { retry_at, reason } => {
                view.retry_at = Some(*retry_at);
                view.reason = Some(reason);
            }
            RecoveryStatus::Owned => {}
        }
        view.serialize(serializer)
    }
}

impl RecoveryStatus {
    /// `settled`, `in_doubt` or `owned`: the `status` the bindings show.
    pub fn as_str(&self) -> &'static str {
        match self {
            RecoveryStatus::Settled(_) => "settled",
            RecoveryStatus::InDoubt { .. } => "in_doubt",
            RecoveryStatus::Owned => "owned",
        }
    }
}

fn no_journal() -> Error {
    super::journal_error("no journal is configured: build the client with the journal option")
}

impl Client {
    /// The operations whose outcome is not known, from every process sharing the journal.
    pub async fn in_doubt(&self) -> Result<Vec<JournalEntry>, Error> {
        let journal = self.journal_handle().ok_or_else(no_journal)?;
        journal.backend.in_doubt().await
    }

    /// True if this webhook event's ID was already recorded; records it otherwise,
    /// atomically, so that of two workers receiving the same delivery one handles it.
    pub async fn webhook_seen(&self, event: &Event) -> Result<bool, Error> {
        self.webhook_id_seen(&event.id).await
    }

    /// [`Client::webhook_seen`] by the event's ID (`webhook-id`).
    pub async fn webhook_id_seen(&self, event_id: &str) -> Result<bool, Error> {
        let journal = self.journal_handle().ok_or_else(no_journal)?;
        if event_id.is_empty() {
            return Err(Error::validation("the webhook event ID is empty"));
        }
        journal.backend.webhook_seen(event_id.to_owned()).await
    }

    /// Settles every operation in doubt that no live process owns: QUERY (PAY, CLOSE) or
    /// REFUND_QUERY (REFUND); REVERSAL of a micropay still unknown or PENDING past its
    /// deadline, and again of a REVERSAL in doubt. It never pays or refunds again.
    ///
    /// A signed "not found" settles an operation as not processed only once its last
    /// attempt's `timestamp` is older than the replay window (300 s, protocol §2): until
    /// then that attempt may still arrive, and the operation stays in doubt with the time
    /// it can be settled.
    pub async fn recover(&self) -> Result<Vec<Recovery>, Error> {
        let journal = self.journal_handle().ok_or_else(no_journal)?;
        let entries = journal.backend.in_doubt().await?;
        let mut out = Vec::with_capacity(entries.len());
        for entry in entries {
            let id = entry.operation.id.clone();
            // A call of this very client still running is never raced.
            if journal.is_in_flight(&id) || !journal.take(&id) {
                out.push(Recovery {
                    entry,
                    status: RecoveryStatus::Owned,
                });
                continue;
            }
            let status = match journal.backend.claim(id.clone()).await {
                Ok(true) => self.settle(&entry).await,
                Ok(false) => Ok(RecoveryStatus::Owned),
                Err(e) => Err(e),
            };
            let status = match status {
                Ok(RecoveryStatus::Settled(outcome)) => {
                    // Durable before the next one: a recoverer that stops here leaves
                    // nothing another would settle again.
                    let written = journal
                        .backend
                        .finish(id.clone(), outcome.clone(), true)
                        .await;
                    written.map(|()| RecoveryStatus::Settled(outcome))
                }
                other => other,
            };
            journal.release(&id);
            let status = status?;
            out.push(Recovery { entry, status });
        }
        Ok(out)
    }

    async fn settle(&self, entry: &JournalEntry) -> Result<RecoveryStatus, Error> {
        let op = &entry.operation;
        let now = tradepay_types::time::now_unix();
        let window = self
            .journal_handle()
            // Rounded up: a window cut short would take "not found" as final too soon.
            .map(|j| j.replay_window.as_millis().div_ceil(1000) as i64)
            .unwrap_or(300);
        let last = entry.last_attempt_at().unwrap_or(op.created_at);
        // Past this, no attempt of the operation can be accepted by the gateway any more.
        let final_after = last.saturating_add(window).saturating_add(1);
        let not_found = |what: &str| {
            if now >= final_after {
                RecoveryStatus::Settled(Outcome::NotProcessed {
                    code: Some(NOT_FOUND.to_owned()),
                    message: format!(
                        "the gateway has no {what}, and its last attempt can no longer be accepted"
                    ),
                })
            } else {
                RecoveryStatus::InDoubt {
                    retry_at: final_after,
                    reason: format!(
                        "the gateway has no {what} yet, but its last attempt may still arrive"
                    ),
                }
            }
        };
        let transient = |e: &Error| RecoveryStatus::InDoubt {
            retry_at: now + 1,
            reason: format!("could not learn the outcome: {e}"),
        };
        let order = match (&op.order_id, &op.trade_id) {
            (Some(o), _) => Some(OrderRef::OrderId(o.clone())),
            (None, Some(t)) => Some(OrderRef::TradeId(t.clone())),
            (None, None) => None,
        };
        match op.kind {
            OperationKind::Refund => {
                let Some(refund_id) = &op.refund_id else {
                    return Ok(not_recoverable("a refund without refund_id"));
                };
                let query = RefundQueryRequest {
                    merchant_id: op.merchant_id.clone(),
                    refund_id: refund_id.clone(),
                };
                Ok(match self.execute(&query).await {
                    Ok(refund) => RecoveryStatus::Settled(Outcome::Refund(Box::new(refund))),
                    Err(e) if e.is_signed_code(NOT_FOUND) => not_found("such refund"),
                    Err(e) => transient(&e),
                })
            }
            OperationKind::Reversal => {
                let Some(order) = order else {
                    return Ok(not_recoverable("a reversal without order"));
                };
                // Cancelling is what was asked; a REVERSAL again is answered unchanged if
                // the first one happened.
                let reversal = ReversalRequest::new(order, op.merchant_id.clone());
                Ok(match self.execute(&reversal).await {
                    Ok(trade) if trade.status.is_final() => {
                        RecoveryStatus::Settled(Outcome::Trade(Box::new(trade)))
                    }
                    Ok(trade) => transient(&Error::validation(format!(
                        "the reversal answered status {}",
                        trade.status
                    ))),
                    Err(e) if e.is_signed_code(NOT_FOUND) => not_found("such order"),
                    Err(e) => transient(&e),
                })
            }
            OperationKind::Pay | OperationKind::Close => {
                let Some(order) = order else {
                    return Ok(not_recoverable("an operation without order"));
                };
                let query = QueryRequest::new(order.clone(), op.merchant_id.clone());
                let micropay = op.payment_method.as_deref() == Some("micropay");
                let past_deadline = op.deadline.is_none_or(|d| now >= d);
                match self.execute(&query).await {
                    Ok(trade) if trade.status.is_final() => {
                        Ok(RecoveryStatus::Settled(Outcome::Trade(Box::new(trade))))
                    }
                    Ok(trade) if micropay && op.kind == OperationKind::Pay => {
                        if !past_deadline {
                            return Ok(RecoveryStatus::InDoubt {
                                retry_at: op.deadline.unwrap_or(now),
                                reason: "a micropay still PENDING before its deadline".into(),
                            });
                        }
                        // The customer may still confirm, but nobody waits for it: the
                        // protocol's answer to a micropay unknown at its deadline.
                        self.reverse_for_recovery(order, &op.merchant_id, &transient)
                            .await
                            .map(|s| {
                                s.unwrap_or_else(|| RecoveryStatus::InDoubt {
                                    retry_at: now + 1,
                                    reason: format!(
                                        "the order was {} but its reversal found no order",
                                        trade.status
                                    ),
                                })
                            })
                    }
                    Ok(trade) if op.kind == OperationKind::Close => {
                        let close = CloseRequest::new(order, op.merchant_id.clone());
                        Ok(match self.execute(&close).await {
                            Ok(t) => RecoveryStatus::Settled(Outcome::Trade(Box::new(t))),
                            Err(e) if !e.is_outcome_unknown() => {
                                RecoveryStatus::Settled(Outcome::Trade(Box::new(trade)))
                            }
                            Err(e) => transient(&e),
                        })
                    }
                    // A PENDING QR or 3-D Secure order: the gateway has it, and its PAY's
                    // answer is what the caller would have had.
                    Ok(trade) => Ok(RecoveryStatus::Settled(Outcome::Trade(Box::new(trade)))),
                    Err(e) if e.is_signed_code(NOT_FOUND) => {
                        let status = not_found("such order");
                        if micropay
                            && past_deadline
                            && matches!(status, RecoveryStatus::InDoubt { .. })
                        {
                            // The PAY may still arrive: a REVERSAL now closes the order
                            // (or, not found, changes nothing) — never a charge.
                            if let Some(s @ RecoveryStatus::Settled(_)) = self
                                .reverse_for_recovery(order, &op.merchant_id, &transient)
                                .await?
                            {
                                return Ok(s);
                            }
                        }
                        Ok(status)
                    }
                    Err(e) => Ok(transient(&e)),
                }
            }
        }
    }

    /// REVERSAL for recovery: `Some(Settled)` when the order came back final.
    async fn reverse_for_recovery(
        &self,
        order: OrderRef,
        merchant_id: &str,
        transient: &(dyn Fn(&Error) -> RecoveryStatus + Sync),
    ) -> Result<Option<RecoveryStatus>, Error> {
        let reversal = ReversalRequest::new(order, merchant_id);
        Ok(Some(match self.execute(&reversal).await {
            Ok(trade) if trade.status.is_final() => {
                RecoveryStatus::Settled(Outcome::Trade(Box::new(trade)))
            }
            Ok(trade) => transient(&Error::validation(format!(
                "the reversal answered status {}",
                trade.status
            ))),
            Err(e) if e.is_signed_code(NOT_FOUND) => return Ok(None),
            Err(e) => transient(&e),
        }))
    }
}

fn not_recoverable(what: &str) -> RecoveryStatus {
    RecoveryStatus::InDoubt {
        retry_at: i64::MAX,
        reason: format!("{what} cannot be queried: settle it by hand"),
    }
}
