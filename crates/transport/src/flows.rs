//! Payment flows built on the engine: waiting for a final status, and the micropay
//! pay → query → reverse sequence that never leaves a payment in an unknown state silently.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use tokio::time::Instant;
use tracing::Instrument;
use tradepay_types::code::{IDEMPOTENCY_CONFLICT, NOT_FOUND};
use tradepay_types::{
    Operation, OrderRef, PayRequest, PaymentMethod, QueryRequest, ReversalRequest, Trade,
};

use crate::builder::check_duration;
use crate::client::{now_rfc3339, Client};
use crate::error::{Error, ErrorKind};

/// First pause between two QUERYs of a polling flow; it grows by half each time.
const FIRST_POLL: Duration = Duration::from_millis(200);
/// Longest pause between two QUERYs.
const MAX_POLL: Duration = Duration::from_secs(2);
/// How many REVERSAL calls (each with its own retries) micropay makes before giving up.
const REVERSAL_CALLS: u32 = 3;
/// The whole time micropay's own reversal may take after its deadline, every attempt and
/// pause included: each REVERSAL call's deadline is cut to what is left of it.
pub const MICROPAY_REVERSAL_BUDGET: Duration = Duration::from_secs(10);
/// The whole time a background reversal (after a micropay future was dropped) may take.
/// Nobody waits for it, so it may try longer than the foreground one.
pub const BACKGROUND_REVERSAL_BUDGET: Duration = Duration::from_secs(60);

/// `now + d` for a caller's flow duration, checked to be at most a day.
fn flow_until(option: &'static str, d: Duration) -> Result<Instant, Error> {
    let d = check_duration(option, d)?;
    Instant::now()
        .checked_add(d)
        .ok_or_else(|| Error::validation(format!("{option} is too far in the future")))
}

fn next_interval(interval: Duration) -> Duration {
    (interval + interval / 2).min(MAX_POLL)
}

/// True for an error after which polling may still learn the outcome.
fn transient(e: &Error) -> bool {
    e.is_retryable() || e.is_outcome_unknown() || e.kind() == ErrorKind::Timeout
}

impl Client {
    /// QUERYs the order, with growing pauses, until it is SUCCESS, FAILED or CLOSED.
    ///
    /// At `timeout` (at most a day, else a validation error) it fails with an
    /// [`ErrorKind::Timeout`] error whose [`Error::trade`] is the last order seen; its
    /// outcome is known (the order is as that trade shows), so
    /// [`Error::is_outcome_unknown`] is false. Transient failures of single QUERYs are
    /// tolerated until then; a definitive one (unknown order, bad credentials) ends the wait.
    pub async fn wait_final(
        &self,
        order: OrderRef,
        merchant_id: &str,
        timeout: Duration,
    ) -> Result<Trade, Error> {
        let until = flow_until("timeout", timeout)?;
        let query = QueryRequest::new(order, merchant_id);
        let mut interval = FIRST_POLL;
        let mut last_trade: Option<Trade> = None;
        let mut last_error: Option<Error> = None;
        let mut queries = 0u32;
        loop {
            queries += 1;
            match self
                .execute_until(&query, Some(self.call_until(until)))
                .await
            {
                Ok(trade) if trade.status.is_final() => return Ok(trade),
                Ok(trade) => last_trade = Some(trade),
                Err(e) if transient(&e) => last_error = Some(e),
                Err(e) => return Err(e.with_trade(last_trade)),
            }
            let remaining = until.saturating_duration_since(Instant::now());
            if remaining.is_zero() {
                break;
            }
            tokio::time::sleep(interval.min(remaining)).await;
            interval = next_interval(interval);
            if Instant::now() >= until {
                break;
            }
        }
        let status = last_trade
            .as_ref()
            .map(|t| t.status.to_string())
            .unwrap_or_else(|| "unknown".to_owned());
        let mut message = format!(
            "the order was not final after {} ms (last status {status})",
            timeout.as_millis()
        );
        if let Some(e) = &last_error {
            message.push_str(&format!("; last query error: {e}"));
        }
        Err(Error::new(ErrorKind::Timeout, message)
            .with_attempts(queries)
            .with_retryable(true)
            .with_trade(last_trade))
    }

    /// Pays with a micropay code and returns the final order.
    ///
    /// PAY; while the order is PENDING or the PAY's outcome is unknown, QUERY until it is
    /// final (sending the same PAY again, with the same `order_id` and `txn_time`, if the
    /// gateway answered, signed, that it never saw it); if it is still not final at
    /// `deadline` (at most a day, else a validation error), REVERSAL and return the order
    /// the reversal confirms (CLOSED, or SUCCESS / FAILED if the gateway says the payment
    /// had already become final).
    ///
    /// It fails with [`Error::is_outcome_unknown`] false only when no PAY may have been
    /// processed (a definitive refusal of the first PAY: nothing charged). Once any PAY
    /// may have been processed, every error it returns is outcome-unknown, and [`Error::trade`]
    /// is the last order seen: a definitive error of a later QUERY or PAY leads to the
    /// reversal at once, and an error means that not even the reversal was confirmed. (The
    /// one exception to reversing: a re-sent PAY answered `30000002`, which proves the
    /// order_id belongs to another payment that must not be cancelled.)
    ///
    /// **Bound.** The reversal phase takes at most [`MICROPAY_REVERSAL_BUDGET`] (10 s) after
    /// the deadline: up to three REVERSAL calls, each cut to what is left of that budget. So
    /// micropay returns within about `deadline + 10 s`, whatever the client's timeout.
    ///
    /// **Cancellation.** If this future is dropped (a `select!`, a timeout, a cancelled task;
    /// the bindings' cancellation and aborts drop it too) after a PAY may have gone out and
    /// before the flow finished, a REVERSAL runs in the background on the runtime the call
    /// started on: retried for up to [`BACKGROUND_REVERSAL_BUDGET`] (60 s), logged with
    /// `tracing` (the order_id, never secrets), so that the payment ends CLOSED (or final)
    /// instead of charged and unseen. It stops early if the runtime shuts down.
    pub async fn micropay(&self, mut req: PayRequest, deadline: Duration) -> Result<Trade, Error> {
        let until = flow_until("deadline", deadline)?;
        match &req.payment_method {
            None => req.payment_method = Some(PaymentMethod::Micropay),
            Some(PaymentMethod::Micropay) => {}
            Some(other) => {
                return Err(Error::validation(format!(
                    "micropay() pays with payment_method micropay, not {other}"
                )))
            }
        }
        if req.txn_time.is_none() {
            // Fixed once so that a PAY sent again is the same request to the gateway.
            req.txn_time = Some(now_rfc3339());
        }
        // Refused before anything is armed: an invalid request never goes out.
        req.to_data().map_err(Error::from)?;
        let guard = ReversalGuard::new(self, &req);
        let span = tracing::info_span!("tradepay.micropay", order_id = %req.order_id);
        let order_key = self
            .journal_handle()
            .map(|_| (req.merchant_id.clone(), req.order_id.clone()));
        let result = self
            .micropay_flow(req, until, &guard)
            .instrument(span)
            .await;
        // The flow finished and reported (or reversed) whatever it sent.
        guard.set_armed(false);
        if let (Some(journal), Some((merchant_id, order_id))) = (self.journal_handle(), order_key) {
            // Its PAYs answered PENDING stay in doubt until the flow learns the end.
            let last = match &result {
                Ok(trade) => Some(trade),
                Err(e) => e.trade(),
            };
            if let Some(trade) = last.filter(|t| t.status.is_final()) {
                journal
                    .backend
                    .settle_order(merchant_id, order_id, trade.clone());
            }
        }
        result
    }

    async fn micropay_flow(
        &self,
        req: PayRequest,
        until: Instant,
        guard: &ReversalGuard,
    ) -> Result<Trade, Error> {
        let merchant_id = req.merchant_id.clone();
        let order = OrderRef::OrderId(req.order_id.clone());
        let query = QueryRequest::new(order.clone(), merchant_id.clone());

        let mut need_pay = true;
        let mut pay_maybe_sent = false;
        let mut last_trade: Option<Trade> = None;
        let mut last_error: Option<Error> = None;
        let mut interval = FIRST_POLL;
        loop {
            if need_pay {
                // From the first byte on, a drop must reverse.
                guard.set_armed(true);
                let result = self.execute_until(&req, Some(self.call_until(until))).await;
                match result {
                    Ok(trade) if trade.status.is_final() => return Ok(trade),
                    Ok(trade) => {
                        pay_maybe_sent = true;
                        need_pay = false;
                        last_trade = Some(trade);
                    }
                    Err(e) if transient(&e) => {
                        pay_maybe_sent |= e.is_outcome_unknown();
                        need_pay = !e.is_outcome_unknown();
                        last_error = Some(e);
                    }
                    // Refused before being processed (validation, authentication, a format
                    // or business rule), and no earlier PAY may have been: nothing charged.
                    Err(e) if !pay_maybe_sent => {
                        guard.set_armed(false);
                        return Err(e.with_trade(last_trade));
                    }
                    // The order_id is taken by a payment with other parameters: not ours
                    // (ours always sends the same ones), so ours can never be charged, and
                    // that other payment must not be reversed.
                    Err(e) if e.is_signed_code(IDEMPOTENCY_CONFLICT) => {
                        guard.set_armed(false);
                        return Err(e.with_outcome_unknown(true).with_trade(last_trade));
                    }
                    // An earlier PAY may still be processed: reverse now.
                    Err(e) => {
                        last_error = Some(e);
                        break;
                    }
                }
                guard.set_armed(pay_maybe_sent);
            } else {
                match self
                    .execute_until(&query, Some(self.call_until(until)))
                    .await
                {
                    Ok(trade) if trade.status.is_final() => return Ok(trade),
                    Ok(trade) => last_trade = Some(trade),
                    // The gateway, in a signed answer, never saw the PAY: send it again (same
                    // order_id, so at most one order can exist). An unsigned "not found"
                    // (a proxy page, a forgery) proves nothing and is only waited out.
                    Err(e) if e.is_signed_code(NOT_FOUND) && last_trade.is_none() => {
                        need_pay = true;
                        last_error = Some(e);
                    }
                    Err(e) if transient(&e) => last_error = Some(e),
                    Err(e) => {
                        last_error = Some(e);
                        break;
                    }
                }
            }
            let remaining = until.saturating_duration_since(Instant::now());
            if remaining.is_zero() {
                break;
            }
            tokio::time::sleep(interval.min(remaining)).await;
            interval = next_interval(interval);
            if Instant::now() >= until {
                break;
            }
        }

        if !pay_maybe_sent && last_trade.is_none() {
            // No PAY ever reached the gateway (every attempt failed to connect or was
            // refused with a retryable answer before processing): nothing to reverse.
            guard.set_armed(false);
            let e = last_error.unwrap_or_else(|| {
                Error::new(
                    ErrorKind::Timeout,
                    "the micropay deadline passed before any answer",
                )
            });
            return Err(e.with_outcome_unknown(false));
        }
        tracing::info!(order_id = %req.order_id, "micropay not final at its deadline: reversing");
        self.reverse_confirmed(order, &merchant_id, last_trade, last_error)
            .await
    }

    /// REVERSAL, up to [`REVERSAL_CALLS`] calls within [`MICROPAY_REVERSAL_BUDGET`]; only a
    /// final order counts as confirmed.
    async fn reverse_confirmed(
        &self,
        order: OrderRef,
        merchant_id: &str,
        mut last_trade: Option<Trade>,
        flow_error: Option<Error>,
    ) -> Result<Trade, Error> {
        let until = Instant::now()
            .checked_add(MICROPAY_REVERSAL_BUDGET)
            .unwrap_or_else(Instant::now);
        let reversal = ReversalRequest::new(order, merchant_id);
        let mut pause = FIRST_POLL;
        let mut last_error = None;
        for call in 1..=REVERSAL_CALLS {
            match self
                .execute_until(&reversal, Some(self.call_until(until)))
                .await
            {
                Ok(trade) if trade.status.is_final() => return Ok(trade),
                Ok(trade) => {
                    // A REVERSAL answers the order CLOSED; anything not final is not a
                    // confirmation, whatever its code said.
                    last_error = Some(
                        Error::new(
                            ErrorKind::Protocol,
                            format!("the reversal answered status {}, not final", trade.status),
                        )
                        .with_http_status(Some(200)),
                    );
                    last_trade = Some(trade);
                }
                // Signed "not found": a PAY still on its way may create the order later.
                Err(e) if transient(&e) || e.is_signed_code(NOT_FOUND) => last_error = Some(e),
                Err(e) => {
                    last_error = Some(e);
                    break;
                }
            }
            let remaining = until.saturating_duration_since(Instant::now());
            if call == REVERSAL_CALLS || remaining.is_zero() {
                break;
            }
            tokio::time::sleep(pause.min(remaining)).await;
            pause = next_interval(pause * 2);
        }
        let e = last_error
            .or(flow_error)
            .unwrap_or_else(|| Error::new(ErrorKind::Timeout, "the reversal could not be sent"));
        let message = format!(
            "the payment was not final at the deadline and its reversal could not be confirmed: {}",
            e.message()
        );
        // A refusal of the REVERSAL (a signed "not found", a state rule) would read, by its
        // kind, as "the payment was refused, nothing charged"; it is not that. Such an
        // error is reported as the flow's timeout, with the refusal as its source.
        let e = match e.kind() {
            ErrorKind::Authentication
            | ErrorKind::InvalidRequest
            | ErrorKind::Business
            | ErrorKind::Api
            | ErrorKind::Validation => Error::new(ErrorKind::Timeout, message)
                .with_trace_id(e.trace_id().map(str::to_owned))
                .with_http_status(e.http_status())
                .with_attempts(e.attempts())
                .with_source(e),
            _ => e.with_message(message),
        };
        Err(e.with_outcome_unknown(true).with_trade(last_trade))
    }

    /// The REVERSAL of a micropay whose future was dropped: retried until the order is
    /// final or [`BACKGROUND_REVERSAL_BUDGET`] has passed, and logged either way.
    async fn reverse_in_background(self, order_id: String, merchant_id: String) {
        let until = Instant::now()
            .checked_add(BACKGROUND_REVERSAL_BUDGET)
            .unwrap_or_else(Instant::now);
        let reversal = ReversalRequest::new(OrderRef::OrderId(order_id.clone()), merchant_id);
        let mut pause = FIRST_POLL;
        let mut calls = 0u32;
        loop {
            calls += 1;
            let why = match self
                .execute_until(&reversal, Some(self.call_until(until)))
                .await
            {
                Ok(trade) if trade.status.is_final() => {
                    tracing::info!(
                        order_id = %order_id,
                        status = %trade.status,
                        calls,
                        "cancelled micropay reversed in the background"
                    );
                    return;
                }
                Ok(trade) => format!("status {}", trade.status),
                // Not found yet: the dropped PAY may still reach the gateway; keep trying
                // until the budget ends.
                Err(e) if transient(&e) || e.is_signed_code(NOT_FOUND) => e.to_string(),
                Err(e) => {
                    tracing::warn!(
                        order_id = %order_id,
                        error = %e,
                        "background reversal of a cancelled micropay was refused; query the order"
                    );
                    return;
                }
            };
            let remaining = until.saturating_duration_since(Instant::now());
            if remaining.is_zero() {
                tracing::warn!(
                    order_id = %order_id,
                    calls,
                    last = %why,
                    "background reversal of a cancelled micropay not confirmed in time; \
                     query or reverse the order"
                );
                return;
            }
            tracing::debug!(order_id = %order_id, calls, last = %why, "background reversal: retrying");
            tokio::time::sleep(pause.min(remaining)).await;
            pause = next_interval(pause);
        }
    }
}

/// Background reversals started and not yet finished, in this process.
static IN_BACKGROUND: AtomicUsize = AtomicUsize::new(0);

/// How many background reversals (of dropped micropays) are still running. A process about
/// to exit waits for this to reach zero (bounded by [`BACKGROUND_REVERSAL_BUDGET`]): a
/// Ctrl-C that ends a script would otherwise end the reversal with it, leaving the payment
/// charged and unseen.
pub fn background_reversals() -> usize {
    IN_BACKGROUND.load(Ordering::Acquire)
}

/// Counts one background reversal for as long as it lives (finished, or dropped with its
/// runtime).
struct Counted;

impl Counted {
    fn new() -> Counted {
        IN_BACKGROUND.fetch_add(1, Ordering::AcqRel);
        Counted
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        IN_BACKGROUND.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Reverses a micropay in the background if its future is dropped while a PAY may have
/// been sent and the flow has not finished.
struct ReversalGuard {
    client: Client,
    order_id: String,
    merchant_id: String,
    // Captured when the call starts: a drop may run outside any runtime context.
    runtime: Option<tokio::runtime::Handle>,
    armed: AtomicBool,
}

impl ReversalGuard {
    fn new(client: &Client, req: &PayRequest) -> ReversalGuard {
        ReversalGuard {
            client: client.clone(),
            order_id: req.order_id.clone(),
            merchant_id: req.merchant_id.clone(),
            runtime: tokio::runtime::Handle::try_current().ok(),
            armed: AtomicBool::new(false),
        }
    }

    fn set_armed(&self, armed: bool) {
        self.armed.store(armed, Ordering::Relaxed);
    }
}

impl Drop for ReversalGuard {
    fn drop(&mut self) {
        if !self.armed.load(Ordering::Relaxed) {
            return;
        }
        let Some(runtime) = self.runtime.take() else {
            tracing::warn!(
                order_id = %self.order_id,
                "micropay cancelled after its PAY may have gone out, with no runtime to reverse it on; \
                 query or reverse the order"
            );
            return;
        };
        tracing::warn!(
            order_id = %self.order_id,
            "micropay cancelled after its PAY may have gone out: reversing it in the background"
        );
        let client = self.client.clone();
        let order_id = std::mem::take(&mut self.order_id);
        let merchant_id = std::mem::take(&mut self.merchant_id);
        let counted = Counted::new();
        // In the cancelled call's span: its lines keep their context and destination.
        drop(
            runtime.spawn(
                async move {
                    let _counted = counted;
                    client.reverse_in_background(order_id, merchant_id).await
                }
                .in_current_span(),
            ),
        );
    }
}
