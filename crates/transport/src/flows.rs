//! Payment flows built on the engine: waiting for a final status, and the micropay
//! pay → query → reverse sequence that never leaves a payment in an unknown state silently.

use std::time::Duration;

use tokio::time::Instant;
use tracing::Instrument;
use tradepay_types::code::NOT_FOUND;
use tradepay_types::{OrderRef, PayRequest, PaymentMethod, QueryRequest, ReversalRequest, Trade};

use crate::client::{now_rfc3339, Client};
use crate::error::{Error, ErrorKind};

/// First pause between two QUERYs of a polling flow; it grows by half each time.
const FIRST_POLL: Duration = Duration::from_millis(200);
/// Longest pause between two QUERYs.
const MAX_POLL: Duration = Duration::from_secs(2);
/// How many REVERSAL calls (each with its own retries) micropay makes before giving up.
const REVERSAL_CALLS: u32 = 3;

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
    /// At `timeout` it fails with an [`ErrorKind::Timeout`] error whose
    /// [`Error::trade`] is the last order seen. Transient failures of single QUERYs are
    /// tolerated until then; a definitive one (unknown order, bad credentials) ends the wait.
    pub async fn wait_final(
        &self,
        order: OrderRef,
        merchant_id: &str,
        timeout: Duration,
    ) -> Result<Trade, Error> {
        let until = Instant::now() + timeout;
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
    /// gateway never saw it); if it is still not final at `deadline`, REVERSAL (retried up to
    /// three calls) and return the CLOSED order. It fails only on a definitive refusal of the
    /// PAY (nothing charged), or when not even the reversal could be confirmed: then the
    /// error's [`Error::is_outcome_unknown`] is true and [`Error::trade`] is the last order seen.
    pub async fn micropay(&self, mut req: PayRequest, deadline: Duration) -> Result<Trade, Error> {
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
        let span = tracing::info_span!("tradepay.micropay", order_id = %req.order_id);
        self.micropay_flow(req, deadline).instrument(span).await
    }

    async fn micropay_flow(&self, req: PayRequest, deadline: Duration) -> Result<Trade, Error> {
        let until = Instant::now() + deadline;
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
                match self.execute_until(&req, Some(self.call_until(until))).await {
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
                    // or business rule): nothing was charged.
                    Err(e) => return Err(e.with_trade(last_trade)),
                }
            } else {
                match self
                    .execute_until(&query, Some(self.call_until(until)))
                    .await
                {
                    Ok(trade) if trade.status.is_final() => return Ok(trade),
                    Ok(trade) => last_trade = Some(trade),
                    // The gateway never saw the PAY: send it again (same order_id, so at most
                    // one order can exist).
                    Err(e) if e.code() == Some(NOT_FOUND) && last_trade.is_none() => {
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
            let e = last_error.unwrap_or_else(|| {
                Error::new(
                    ErrorKind::Timeout,
                    "the micropay deadline passed before any answer",
                )
            });
            return Err(e.with_outcome_unknown(false));
        }
        tracing::info!(order_id = %req.order_id, "micropay not final at its deadline: reversing");
        self.reverse_confirmed(order, &merchant_id, last_trade)
            .await
    }

    /// REVERSAL, retried up to [`REVERSAL_CALLS`] calls.
    async fn reverse_confirmed(
        &self,
        order: OrderRef,
        merchant_id: &str,
        last_trade: Option<Trade>,
    ) -> Result<Trade, Error> {
        let reversal = ReversalRequest::new(order, merchant_id);
        let mut pause = FIRST_POLL;
        let mut last_error = None;
        for call in 1..=REVERSAL_CALLS {
            match self.execute(&reversal).await {
                Ok(trade) => return Ok(trade),
                Err(e) if transient(&e) && call < REVERSAL_CALLS => {
                    last_error = Some(e);
                    tokio::time::sleep(pause).await;
                    pause = next_interval(pause * 2);
                }
                Err(e) => {
                    last_error = Some(e);
                    break;
                }
            }
        }
        let e = last_error
            .unwrap_or_else(|| Error::new(ErrorKind::Network, "the reversal could not be sent"));
        let message = format!(
            "the payment was not final at the deadline and its reversal could not be confirmed: {}",
            e.message()
        );
        Err(e
            .with_message(message)
            .with_outcome_unknown(true)
            .with_trade(last_trade))
    }
}
