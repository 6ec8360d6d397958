//! The gateway's memory: orders, refunds, tokens, nonces and timers, and every state
//! transition of protocol §6 and §8. Everything here runs under one lock, so a check and
//! the write that follows it are atomic (one charge however many duplicates arrive).

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

use serde_json::Value;
use tradepay_types::code;
use tradepay_types::{
    Amount, CloseRequest, EventType, NextAction, NextActionRedirect, NextActionType, OrderRef,
    PayRequest, PaymentError, PaymentMethod, PaymentMode, QueryRequest, Refund, RefundQueryRequest,
    RefundRequest, RefundStatus, ReversalRequest, Status, Trade, TradeStatus,
};

use crate::{LedgerEntry, Outcome, SandboxError, WebhookDelivery};

/// 3-D Secure authentication window.
const THREE_DS_TTL_MS: i64 = 15 * 60 * 1000;
/// Unpaid QR codes expire after this.
const QR_TTL_MS: i64 = 2 * 60 * 1000;
/// Micropay ending in 1 succeeds this long after it was created.
const MICROPAY_DELAY_MS: i64 = 2_000;
/// Micropay ending in 3 closes by itself after this.
const MICROPAY_CLOSE_MS: i64 = 60_000;
/// A `sandbox_pending` refund succeeds this long after it was created.
const REFUND_DELAY_MS: i64 = 5_000;

/// How far tests may move the sandbox clock ahead in total: a century. Further advances
/// stop there, so every time stays a formattable RFC 3339 date and timer arithmetic never
/// overflows.
pub(crate) const MAX_CLOCK_OFFSET_MS: i64 = 100 * 366 * 86_400 * 1000;

/// A business failure: the code and what to say.
#[derive(Debug)]
pub(crate) struct Failure {
    pub code: &'static str,
    pub message: String,
}

impl Failure {
    fn new(code: &'static str, message: impl Into<String>) -> Failure {
        Failure {
            code,
            message: message.into(),
        }
    }
}

/// What a timer does when it falls due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Timer {
    Close,
    Succeed,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum TimerKey {
    Order(String),
    Refund(String, String),
}

struct Order {
    request: PayRequest,
    trade: Trade,
    notify_url: Option<String>,
    charges: u32,
    /// Successful refunds plus the reversal's refund.
    refunded: Amount,
    /// Pending refunds, held against what is refundable.
    held: Amount,
    /// Refunds of this order that are still pending, by (merchant, refund_id).
    pending_refunds: Vec<(String, String)>,
    timer: Option<(i64, Timer)>,
}

struct RefundRecord {
    request: RefundRequest,
    refund: Refund,
    trade_id: String,
    notify_url: Option<String>,
    settle_at: Option<i64>,
}

/// A webhook to send once the lock is released.
pub(crate) struct Outgoing {
    pub id: String,
    pub url: String,
    pub body: Vec<u8>,
}

pub(crate) struct State {
    pub base_url: String,
    pub access_no: String,
    clock_offset_ms: i64,
    // Boxed so that growing the map moves pointers, not kilobyte-sized orders, while the
    // lock is held.
    orders: HashMap<String, Box<Order>>,
    order_index: HashMap<(String, String), String>,
    order_seq: Vec<String>,
    refunds: HashMap<(String, String), Box<RefundRecord>>,
    refund_seq: Vec<(String, String)>,
    tokens: HashMap<String, Token>,
    nonces: HashMap<String, i64>,
    timers: BinaryHeap<Reverse<(i64, TimerKey)>>,
    pub deliveries: Vec<WebhookDelivery>,
    pub outbox: Vec<Outgoing>,
}

/// A `payment_token` a subscription issued.
struct Token {
    merchant_id: String,
    /// Issued for the card whose renewals decline (`DECLINES_LATER`).
    renewals_decline: bool,
}

/// The card whose first, subscribing payment succeeds and whose token then declines every
/// renewal (as Stripe's 4000000000000341 does): for testing what a shop does with a
/// subscription whose card stopped working.
const DECLINES_LATER: &str = "4000000000000341";

fn real_now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// A random lowercase hex string of `n` characters.
pub(crate) fn random_hex(n: usize) -> String {
    use rand::Rng;
    let mut rng = rand::rng();
    let mut out = String::with_capacity(n + 32);
    while out.len() < n {
        out.push_str(&format!("{:032x}", rng.random::<u128>()));
    }
    out.truncate(n);
    out
}

fn rfc3339(ms: i64) -> Option<String> {
    tradepay_types::time::format_rfc3339(ms.div_euclid(1000))
}

fn luhn_ok(number: &str) -> bool {
    let mut sum = 0u32;
    for (i, b) in number.bytes().rev().enumerate() {
        let mut d = u32::from(b.wrapping_sub(b'0'));
        if d > 9 {
            return false;
        }
        if i % 2 == 1 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
    }
    sum % 10 == 0
}

fn payment_error(code: &str, message: &str) -> Option<PaymentError> {
    Some(PaymentError {
        code: Some(code.into()),
        message: Some(message.into()),
    })
}

/// The `data` of a successful answer.
#[derive(serde::Serialize)]
#[serde(untagged)]
pub(crate) enum Payload {
    Trade(Box<Trade>),
    Refund(Box<Refund>),
}

fn trade_payload(trade: Trade) -> Payload {
    Payload::Trade(Box::new(trade))
}

fn refund_payload(refund: &Refund) -> Payload {
    Payload::Refund(Box::new(refund.clone()))
}

/// The answer of an operation that succeeded: the code (`00000000` or `00000003`) and data.
pub(crate) type Answer = Result<(&'static str, Payload), Failure>;

impl State {
    pub fn new(base_url: String, access_no: String) -> State {
        State {
            base_url,
            access_no,
            clock_offset_ms: 0,
            orders: HashMap::new(),
            order_index: HashMap::new(),
            order_seq: Vec::new(),
            refunds: HashMap::new(),
            refund_seq: Vec::new(),
            tokens: HashMap::new(),
            nonces: HashMap::new(),
            timers: BinaryHeap::new(),
            deliveries: Vec::new(),
            outbox: Vec::new(),
        }
    }

    /// The sandbox clock in Unix milliseconds: real time plus however far tests advanced it.
    pub fn now_ms(&self) -> i64 {
        real_now_ms().saturating_add(self.clock_offset_ms)
    }

    pub fn advance(&mut self, by_ms: i64) {
        self.clock_offset_ms = self
            .clock_offset_ms
            .saturating_add(by_ms.max(0))
            .min(MAX_CLOCK_OFFSET_MS);
        self.tick();
    }

    pub fn reset(&mut self) {
        let base_url = std::mem::take(&mut self.base_url);
        let access_no = std::mem::take(&mut self.access_no);
        *self = State::new(base_url, access_no);
    }

    /// Spends a nonce; false when it was already spent in the last 10 minutes.
    pub fn spend_nonce(&mut self, nonce: &str, real_now_secs: i64) -> bool {
        let expires = real_now_secs + tradepay_types::body::NONCE_TTL_SECS;
        match self.nonces.get_mut(nonce) {
            Some(until) if *until > real_now_secs => false,
            Some(until) => {
                *until = expires;
                true
            }
            None => {
                self.nonces.insert(nonce.to_owned(), expires);
                true
            }
        }
    }

    pub fn prune_nonces(&mut self, real_now_secs: i64) {
        self.nonces.retain(|_, until| *until > real_now_secs);
    }

    /// Fires every timer that is due on the sandbox clock.
    pub fn tick(&mut self) {
        let now = self.now_ms();
        while let Some(Reverse((due, _))) = self.timers.peek() {
            if *due > now {
                break;
            }
            let Some(Reverse((due, key))) = self.timers.pop() else {
                break;
            };
            match key {
                TimerKey::Order(trade_id) => {
                    let timer = match self.orders.get(&trade_id) {
                        Some(order) => order.timer,
                        None => continue,
                    };
                    // A timer superseded by a completion or a close is stale: skip it.
                    match timer {
                        Some((at, Timer::Close)) if at == due => self.close_order(&trade_id),
                        Some((at, Timer::Succeed)) if at == due => {
                            self.succeed_order(&trade_id, due)
                        }
                        _ => {}
                    }
                }
                TimerKey::Refund(merchant, refund_id) => {
                    let key = (merchant, refund_id);
                    if self.refunds.get(&key).and_then(|r| r.settle_at) == Some(due) {
                        self.settle_refund(&key, due);
                    }
                }
            }
        }
    }

    fn set_timer(&mut self, trade_id: &str, at: i64, timer: Timer) {
        if let Some(order) = self.orders.get_mut(trade_id) {
            order.timer = Some((at, timer));
            self.timers
                .push(Reverse((at, TimerKey::Order(trade_id.to_owned()))));
        }
    }

    // ---- rendering ----

    fn render(&self, order: &Order) -> Trade {
        let mut trade = order.trade.clone();
        if order.charges > 0 {
            trade.total_refunded_amount = Some(order.refunded);
            trade.refund_status = Some(if order.refunded.is_zero() {
                RefundStatus::NoRefund
            } else if order.refunded >= order.request.amount {
                RefundStatus::Refunded
            } else {
                RefundStatus::PartiallyRefunded
            });
        }
        trade
    }

    fn render_trade(&self, trade_id: &str) -> Option<Trade> {
        self.orders.get(trade_id).map(|o| self.render(o))
    }

    fn emit_trade(&mut self, trade_id: &str, event: EventType) {
        let Some(order) = self.orders.get(trade_id) else {
            return;
        };
        let Some(url) = order.notify_url.clone() else {
            return;
        };
        let data = self.render(order);
        self.emit(
            url,
            event,
            serde_json::to_value(&data).unwrap_or(Value::Null),
        );
    }

    fn emit_refund(&mut self, key: &(String, String), event: EventType) {
        let Some(record) = self.refunds.get(key) else {
            return;
        };
        let Some(url) = record.notify_url.clone() else {
            return;
        };
        let data = serde_json::to_value(&record.refund).unwrap_or(Value::Null);
        self.emit(url, event, data);
    }

    fn emit(&mut self, url: String, event: EventType, data: Value) {
        let body = tradepay_types::webhook::EventBody {
            event_type: event.clone(),
            timestamp: tradepay_types::time::format_rfc3339(tradepay_types::time::now_unix())
                .unwrap_or_default(),
            data,
        };
        let body = serde_json::to_vec(&body).unwrap_or_default();
        let id = format!("msg_{}", random_hex(24));
        self.deliveries.push(WebhookDelivery {
            id: id.clone(),
            url: url.clone(),
            event_type: event.as_str().to_owned(),
            attempts: 0,
            delivered: false,
            last_status: None,
            last_error: None,
            body: String::from_utf8_lossy(&body).into_owned(),
        });
        self.outbox.push(Outgoing { id, url, body });
    }

    // ---- transitions ----

    fn succeed_order(&mut self, trade_id: &str, at_ms: i64) {
        let paid_at = rfc3339(at_ms);
        let mut token_for = None;
        if let Some(order) = self.orders.get_mut(trade_id) {
            if order.trade.status != Status::Pending {
                return;
            }
            order.trade.status = Status::Success;
            order.trade.trade_status = Some(TradeStatus::Succeeded);
            order.trade.paid_at = paid_at;
            order.trade.next_action = None;
            order.trade.last_trans_id = Some(format!("tx_{}", random_hex(20)));
            order.timer = None;
            order.charges += 1;
            if order.request.payment_mode == Some(PaymentMode::Subscription) {
                let token = format!("tok_{}", random_hex(24));
                order.trade.payment_token = Some(token.clone());
                let number = order
                    .request
                    .payment_method_data
                    .as_ref()
                    .and_then(|d| d.card.as_ref())
                    .map(|c| c.number.as_str());
                let issued = Token {
                    merchant_id: order.request.merchant_id.clone(),
                    renewals_decline: number == Some(DECLINES_LATER),
                };
                token_for = Some((token, issued));
            }
        }
        if let Some((token, issued)) = token_for {
            self.tokens.insert(token, issued);
        }
        self.emit_trade(trade_id, EventType::TradeSucceeded);
    }

    fn fail_order(&mut self, trade_id: &str, code: &str, message: &str) {
        if let Some(order) = self.orders.get_mut(trade_id) {
            if order.trade.status != Status::Pending {
                return;
            }
            order.trade.status = Status::Failed;
            order.trade.trade_status = Some(TradeStatus::RequiresPaymentMethod);
            order.trade.last_payment_error = payment_error(code, message);
            order.trade.next_action = None;
            order.trade.last_trans_id = Some(format!("tx_{}", random_hex(20)));
            order.timer = None;
        }
        self.emit_trade(trade_id, EventType::TradeFailed);
    }

    fn close_order(&mut self, trade_id: &str) {
        if let Some(order) = self.orders.get_mut(trade_id) {
            if order.trade.status == Status::Closed {
                return;
            }
            order.trade.status = Status::Closed;
            order.trade.next_action = None;
            order.trade.last_trans_id = Some(format!("tx_{}", random_hex(20)));
            order.timer = None;
        }
        self.emit_trade(trade_id, EventType::TradeClosed);
    }

    fn settle_refund(&mut self, key: &(String, String), at_ms: i64) {
        let Some(record) = self.refunds.get_mut(key) else {
            return;
        };
        if record.refund.status != Status::Pending {
            return;
        }
        record.refund.status = Status::Success;
        record.refund.refunded_at = rfc3339(at_ms);
        record.settle_at = None;
        let amount = record.request.amount;
        let trade_id = record.trade_id.clone();
        if let Some(order) = self.orders.get_mut(&trade_id) {
            order.held = order.held.checked_sub(amount).unwrap_or(Amount::ZERO);
            order.refunded = order.refunded.checked_add(amount).unwrap_or(order.refunded);
            order.pending_refunds.retain(|k| k != key);
        }
        self.emit_refund(key, EventType::RefundSucceeded);
    }

    // ---- lookups ----

    fn find(&self, merchant_id: &str, order: &OrderRef) -> Result<String, Failure> {
        let not_found = || Failure::new(code::NOT_FOUND, "Order not found");
        let by_order = match order.order_id() {
            Some(o) => Some(
                self.order_index
                    .get(&(merchant_id.to_owned(), o.to_owned()))
                    .cloned()
                    .ok_or_else(not_found)?,
            ),
            None => None,
        };
        let by_trade = match order.trade_id() {
            Some(t) => {
                let found = self.orders.get(t).ok_or_else(not_found)?;
                if found.request.merchant_id != merchant_id {
                    return Err(not_found());
                }
                Some(t.to_owned())
            }
            None => None,
        };
        match (by_trade, by_order) {
            (Some(t), Some(o)) if t != o => Err(Failure::new(
                code::NOT_FOUND,
                "trade_id and order_id name different orders",
            )),
            (Some(t), _) | (None, Some(t)) => Ok(t),
            (None, None) => Err(not_found()),
        }
    }

    // ---- operations ----

    pub fn pay(&mut self, req: PayRequest) -> Answer {
        let key = (req.merchant_id.clone(), req.order_id.clone());
        if let Some(trade_id) = self.order_index.get(&key) {
            let order = &self.orders[trade_id];
            if !order.request.same_parameters(&req) {
                return Err(Failure::new(
                    code::IDEMPOTENCY_CONFLICT,
                    "order_id was already used with different parameters",
                ));
            }
            let trade = self.render(order);
            return Ok((pay_code(&trade), trade_payload(trade)));
        }
        let method = req.payment_method.clone().unwrap_or(PaymentMethod::Card);
        let recurring = req.payment_mode == Some(PaymentMode::RecurringPayment);
        if recurring {
            let token = req.payment_token.as_deref().unwrap_or("");
            let owner = self.tokens.get(token).map(|t| t.merchant_id.as_str());
            if owner != Some(req.merchant_id.as_str()) {
                return Err(Failure::new(
                    code::TOKEN_INVALID,
                    "payment_token is invalid or revoked",
                ));
            }
        }
        let now = self.now_ms();
        let trade_id = format!("tr_{}", random_hex(24));
        let channel = match method {
            PaymentMethod::Card => "sandbox_card",
            PaymentMethod::Qr => "sandbox_qr",
            PaymentMethod::Micropay => "sandbox_micropay",
            PaymentMethod::Unknown(_) => "sandbox",
        };
        let mut trade = Trade::with_status(Status::Pending);
        trade.trade_id = Some(trade_id.clone());
        trade.access_no = Some(self.access_no.clone());
        trade.merchant_id = Some(req.merchant_id.clone());
        trade.order_id = Some(req.order_id.clone());
        trade.amount = Some(req.amount);
        trade.currency = Some(req.currency.clone());
        trade.customer_id = req.customer_id.clone();
        trade.metadata = req.metadata.clone().map(|m| m.0);
        trade.payment_mode = req.payment_mode.clone();
        trade.payment_token = req.payment_token.clone();
        trade.payment_method = Some(method.clone());
        trade.payment_channel = Some(channel.into());
        trade.return_url = req.return_url.clone();
        trade.trade_status = Some(TradeStatus::RequiresPaymentMethod);
        trade.txn_time = req.txn_time.clone();
        trade.created_at = rfc3339(now);
        trade.last_trans_id = Some(format!("tx_{}", random_hex(20)));
        let order = Order {
            notify_url: req.notify_url.clone(),
            request: req,
            trade,
            charges: 0,
            refunded: Amount::ZERO,
            held: Amount::ZERO,
            pending_refunds: Vec::new(),
            timer: None,
        };
        self.orders.insert(trade_id.clone(), Box::new(order));
        self.order_index.insert(key, trade_id.clone());
        self.order_seq.push(trade_id.clone());

        let page = format!("{}/sandbox/pay/{trade_id}", self.base_url);
        let redirect = |order: &mut Order| {
            order.trade.trade_status = Some(TradeStatus::RequiresAction);
            order.trade.next_action = Some(NextAction {
                action_type: NextActionType::Redirect,
                redirect: Some(NextActionRedirect {
                    url: Some(page.clone()),
                }),
            });
        };
        let request = self.orders[&trade_id].request.clone();
        match method {
            PaymentMethod::Card if recurring => {
                let declines = request
                    .payment_token
                    .as_deref()
                    .and_then(|t| self.tokens.get(t))
                    .is_some_and(|t| t.renewals_decline);
                if declines {
                    self.fail_order(&trade_id, "card_declined", "Your card was declined.")
                } else {
                    self.succeed_order(&trade_id, now)
                }
            }
            PaymentMethod::Card => {
                let number = request
                    .payment_method_data
                    .as_ref()
                    .and_then(|d| d.card.as_ref())
                    .map(|c| c.number.as_str())
                    .unwrap_or("");
                match number {
                    "4000000000003220" => {
                        if let Some(order) = self.orders.get_mut(&trade_id) {
                            redirect(order);
                        }
                        self.set_timer(
                            &trade_id,
                            now.saturating_add(THREE_DS_TTL_MS),
                            Timer::Close,
                        );
                    }
                    "4000000000000002" => {
                        self.fail_order(&trade_id, "card_declined", "Your card was declined.")
                    }
                    "4000000000009995" => self.fail_order(
                        &trade_id,
                        "insufficient_funds",
                        "Your card has insufficient funds.",
                    ),
                    n if luhn_ok(n) => self.succeed_order(&trade_id, now),
                    _ => self.fail_order(
                        &trade_id,
                        "incorrect_number",
                        "Your card number is incorrect.",
                    ),
                }
            }
            PaymentMethod::Qr => {
                if let Some(order) = self.orders.get_mut(&trade_id) {
                    redirect(order);
                }
                self.set_timer(&trade_id, now.saturating_add(QR_TTL_MS), Timer::Close);
            }
            PaymentMethod::Micropay => {
                let code = request
                    .payment_method_data
                    .as_ref()
                    .and_then(|d| d.micropay.as_ref())
                    .map(|m| m.auth_code.as_str())
                    .unwrap_or("");
                let processing = |state: &mut State| {
                    if let Some(order) = state.orders.get_mut(&trade_id) {
                        order.trade.trade_status = Some(TradeStatus::Processing);
                    }
                };
                match code.as_bytes().last() {
                    Some(b'1') => {
                        processing(self);
                        self.set_timer(
                            &trade_id,
                            now.saturating_add(MICROPAY_DELAY_MS),
                            Timer::Succeed,
                        );
                    }
                    Some(b'2') => self.fail_order(
                        &trade_id,
                        "insufficient_funds",
                        "The customer's balance is insufficient.",
                    ),
                    Some(b'3') => {
                        processing(self);
                        self.set_timer(
                            &trade_id,
                            now.saturating_add(MICROPAY_CLOSE_MS),
                            Timer::Close,
                        );
                    }
                    _ => self.succeed_order(&trade_id, now),
                }
            }
            PaymentMethod::Unknown(_) => self.fail_order(
                &trade_id,
                "payment_method_unsupported",
                "This payment method is not supported.",
            ),
        }
        let trade = self
            .render_trade(&trade_id)
            .unwrap_or_else(|| Trade::with_status(Status::Failed));
        Ok((pay_code(&trade), trade_payload(trade)))
    }

    pub fn query(&mut self, req: QueryRequest) -> Answer {
        let trade_id = self.find(&req.merchant_id, &req.order)?;
        let trade = self
            .render_trade(&trade_id)
            .unwrap_or_else(|| Trade::with_status(Status::Failed));
        Ok((code::SUCCESS, trade_payload(trade)))
    }

    pub fn close(&mut self, req: CloseRequest) -> Answer {
        let trade_id = self.find(&req.merchant_id, &req.order)?;
        let status = self.orders[&trade_id].trade.status.clone();
        match status {
            Status::Pending => self.close_order(&trade_id),
            Status::Closed => {}
            other => {
                return Err(Failure::new(
                    code::INVALID_STATE,
                    format!("an order in status {other} cannot be closed"),
                ))
            }
        }
        let trade = self
            .render_trade(&trade_id)
            .unwrap_or_else(|| Trade::with_status(Status::Closed));
        Ok((code::SUCCESS, trade_payload(trade)))
    }

    pub fn reversal(&mut self, req: ReversalRequest) -> Answer {
        let trade_id = self.find(&req.merchant_id, &req.order)?;
        let now = self.now_ms();
        let status = self.orders[&trade_id].trade.status.clone();
        match status {
            Status::Closed => {}
            Status::Success => {
                // Pending refunds complete first, then the rest goes back in full.
                let pending = self.orders[&trade_id].pending_refunds.clone();
                for key in pending {
                    self.settle_refund(&key, now);
                }
                if let Some(order) = self.orders.get_mut(&trade_id) {
                    order.refunded = order.request.amount;
                }
                self.close_order(&trade_id);
            }
            _ => self.close_order(&trade_id),
        }
        let trade = self
            .render_trade(&trade_id)
            .unwrap_or_else(|| Trade::with_status(Status::Closed));
        Ok((code::SUCCESS, trade_payload(trade)))
    }

    pub fn refund(&mut self, req: RefundRequest) -> Answer {
        let trade_id = self.find(&req.merchant_id, &req.order)?;
        let key = (req.merchant_id.clone(), req.refund_id.clone());
        if let Some(existing) = self.refunds.get(&key) {
            if existing.trade_id != trade_id || !existing.request.same_parameters(&req) {
                return Err(Failure::new(
                    code::IDEMPOTENCY_CONFLICT,
                    "refund_id was already used with different parameters",
                ));
            }
            return Ok((code::SUCCESS, refund_payload(&existing.refund)));
        }
        let order = &self.orders[&trade_id];
        if let Ok(currency) = tradepay_types::Currency::from_wire(&order.request.currency) {
            if let Err(e) = req.amount.check_currency(&currency) {
                return Err(Failure::new(
                    code::FORMAT_AMOUNT,
                    format!("Format error-amount {}", e.message()),
                ));
            }
        }
        if order.trade.status != Status::Success {
            return Err(Failure::new(
                code::INVALID_STATE,
                format!(
                    "only a SUCCESS order can be refunded; this one is {}",
                    order.trade.status
                ),
            ));
        }
        let committed = order
            .refunded
            .checked_add(order.held)
            .unwrap_or(Amount::MAX);
        let refundable = order
            .request
            .amount
            .checked_sub(committed)
            .unwrap_or(Amount::ZERO);
        if req.amount > refundable {
            return Err(Failure::new(
                code::REFUND_EXCEEDS,
                format!(
                    "refund amount {} exceeds the refundable {refundable}",
                    req.amount
                ),
            ));
        }
        let now = self.now_ms();
        let mut refund = Refund::with_status(Status::Pending);
        refund.refund_id = Some(req.refund_id.clone());
        refund.trade_id = Some(trade_id.clone());
        refund.order_id = Some(order.request.order_id.clone());
        refund.amount = Some(req.amount);
        refund.currency = Some(order.request.currency.clone());
        refund.reason = req.reason.clone();
        refund.created_at = rfc3339(now);
        let notify_url = req.notify_url.clone().or_else(|| order.notify_url.clone());
        let outcome = match req.reason.as_deref() {
            Some("sandbox_pending") => Status::Pending,
            Some("sandbox_fail") => Status::Failed,
            _ => Status::Success,
        };
        let amount = req.amount;
        self.refunds.insert(
            key.clone(),
            Box::new(RefundRecord {
                request: req,
                refund,
                trade_id: trade_id.clone(),
                notify_url,
                settle_at: None,
            }),
        );
        self.refund_seq.push(key.clone());
        match outcome {
            Status::Pending => {
                let at = now.saturating_add(REFUND_DELAY_MS);
                if let Some(record) = self.refunds.get_mut(&key) {
                    record.settle_at = Some(at);
                }
                if let Some(order) = self.orders.get_mut(&trade_id) {
                    order.held = order.held.checked_add(amount).unwrap_or(order.held);
                    order.pending_refunds.push(key.clone());
                }
                self.timers.push(Reverse((
                    at,
                    TimerKey::Refund(key.0.clone(), key.1.clone()),
                )));
            }
            Status::Failed => {
                if let Some(record) = self.refunds.get_mut(&key) {
                    record.refund.status = Status::Failed;
                }
                self.emit_refund(&key, EventType::RefundFailed);
            }
            _ => {
                if let Some(order) = self.orders.get_mut(&trade_id) {
                    order.held = order.held.checked_add(amount).unwrap_or(order.held);
                    order.pending_refunds.push(key.clone());
                }
                self.settle_refund(&key, now);
            }
        }
        let refund = self.refunds[&key].refund.clone();
        Ok((code::SUCCESS, refund_payload(&refund)))
    }

    pub fn refund_query(&mut self, req: RefundQueryRequest) -> Answer {
        let key = (req.merchant_id, req.refund_id);
        match self.refunds.get(&key) {
            Some(record) => Ok((code::SUCCESS, refund_payload(&record.refund))),
            None => Err(Failure::new(code::NOT_FOUND, "Refund not found")),
        }
    }

    // ---- control ----

    pub fn complete(&mut self, trade_id: &str, outcome: Outcome) -> Result<Trade, SandboxError> {
        let order = self
            .orders
            .get(trade_id)
            .ok_or_else(|| SandboxError::NotFound(format!("no order with trade_id {trade_id}")))?;
        if order.trade.status != Status::Pending {
            return Err(SandboxError::InvalidState(format!(
                "order {trade_id} is {}, not PENDING",
                order.trade.status
            )));
        }
        let now = self.now_ms();
        match outcome {
            Outcome::Succeeded => self.succeed_order(trade_id, now),
            Outcome::Failed => {
                let (code, message) = match order.trade.payment_method {
                    Some(PaymentMethod::Card) => (
                        "authentication_failed",
                        "The customer failed 3-D Secure authentication.",
                    ),
                    _ => (
                        "payment_failed",
                        "The customer did not complete the payment.",
                    ),
                };
                self.fail_order(trade_id, code, message)
            }
        }
        self.render_trade(trade_id)
            .ok_or_else(|| SandboxError::NotFound(trade_id.to_owned()))
    }

    /// The order behind a next_action page.
    pub fn page_view(&self, trade_id: &str) -> Option<Trade> {
        self.render_trade(trade_id)
    }

    pub fn orders(&self) -> Vec<Trade> {
        self.order_seq
            .iter()
            .filter_map(|t| self.render_trade(t))
            .collect()
    }

    pub fn refunds(&self) -> Vec<Refund> {
        self.refund_seq
            .iter()
            .filter_map(|k| self.refunds.get(k).map(|r| r.refund.clone()))
            .collect()
    }

    pub fn ledger(&self) -> Vec<LedgerEntry> {
        self.order_seq
            .iter()
            .filter_map(|t| self.orders.get(t).map(|o| (t, o)))
            .map(|(trade_id, o)| LedgerEntry {
                order_id: o.request.order_id.clone(),
                trade_id: trade_id.clone(),
                merchant_id: o.request.merchant_id.clone(),
                amount: o.request.amount.to_string(),
                currency: o.request.currency.clone(),
                status: o.trade.status.as_str().to_owned(),
                charges: o.charges,
                refunded: o.refunded.to_string(),
            })
            .collect()
    }
}

fn pay_code(trade: &Trade) -> &'static str {
    if trade.status == Status::Pending {
        code::ACCEPTED
    } else {
        code::SUCCESS
    }
}

#[cfg(test)]
mod tests {
    use super::luhn_ok;

    #[test]
    fn luhn() {
        assert!(luhn_ok("4242424242424242"));
        assert!(luhn_ok("4000000000003220"));
        assert!(luhn_ok("4000000000000002"));
        assert!(luhn_ok("4000000000009995"));
        assert!(luhn_ok("5555555555554444"));
        assert!(!luhn_ok("4242424242424241"));
    }
}
