//! Typed requests for the six operations (protocol §6).
//!
//! Each request is checked by one function that reads the wire `data` object and applies
//! every rule in a fixed order (`check`, behind each `from_data`). The gateway calls it on
//! what it receives; the client calls it on what it is about to send (through
//! [`Operation::to_data`]), so both sides agree on every rule and every code. The client's
//! path only checks: it borrows the fields from the map it wrote instead of building the
//! typed request again.

use std::fmt;

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::amount::Amount;
use crate::code::{FORMAT_AMOUNT, FORMAT_METADATA, FORMAT_PAYMENT_MODE};
use crate::currency::Currency;
use crate::error::Error;
use crate::fields::{check_digits, check_id, check_text, check_url, field_error, Reader};
use crate::metadata::Metadata;
use crate::open_enum::{PaymentMethod, PaymentMode, TransType};
use crate::order::{Refund, Trade};

/// One operation: its `transType`, its validated `data`, and what the gateway returns.
pub trait Operation {
    /// What a successful answer's `data` holds.
    type Output: DeserializeOwned + crate::order::Answered;
    /// The `transType` of this operation.
    fn trans_type(&self) -> TransType;
    /// The exact `data` object to send, after every rule of protocol §6 has been checked.
    fn to_data(&self) -> Result<Map<String, Value>, Error>;
    /// The order_id or refund_id that makes retries of this operation safe, for logs.
    fn idempotency_key(&self) -> Option<&str>;
}

/// Names an order: by the gateway's `trade_id`, the caller's `order_id`, or both (which must
/// then name the same order).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum OrderRef {
    /// The gateway's transaction ID.
    TradeId(String),
    /// The caller's order ID.
    OrderId(String),
    /// Both; the gateway answers `30000001` if they name different orders.
    Both {
        /// The gateway's transaction ID.
        trade_id: String,
        /// The caller's order ID.
        order_id: String,
    },
}

impl OrderRef {
    /// The `trade_id`, if given.
    pub fn trade_id(&self) -> Option<&str> {
        match self {
            OrderRef::TradeId(t) | OrderRef::Both { trade_id: t, .. } => Some(t),
            OrderRef::OrderId(_) => None,
        }
    }

    /// The `order_id`, if given.
    pub fn order_id(&self) -> Option<&str> {
        match self {
            OrderRef::OrderId(o) | OrderRef::Both { order_id: o, .. } => Some(o),
            OrderRef::TradeId(_) => None,
        }
    }

    /// From optional `trade_id` and `order_id`; `None` when both are absent.
    pub fn from_parts(trade_id: Option<String>, order_id: Option<String>) -> Option<OrderRef> {
        match (trade_id, order_id) {
            (Some(trade_id), Some(order_id)) => Some(OrderRef::Both { trade_id, order_id }),
            (Some(t), None) => Some(OrderRef::TradeId(t)),
            (None, Some(o)) => Some(OrderRef::OrderId(o)),
            (None, None) => None,
        }
    }

    fn write(&self, data: &mut Map<String, Value>) {
        if let Some(t) = self.trade_id() {
            data.insert("trade_id".into(), t.into());
        }
        if let Some(o) = self.order_id() {
            data.insert("order_id".into(), o.into());
        }
    }

    /// Checks the order's IDs; the borrowed `trade_id` and `order_id`, at least one present.
    fn check<'a>(reader: &Reader<'a>) -> Result<(Option<&'a str>, Option<&'a str>), Error> {
        let trade_id = reader.opt_str("trade_id")?.filter(|s| !s.is_empty());
        let order_id = reader.opt_str("order_id")?.filter(|s| !s.is_empty());
        if let Some(t) = trade_id {
            check_id("trade_id", t)?;
        }
        if let Some(o) = order_id {
            check_id("order_id", o)?;
        }
        if trade_id.is_none() && order_id.is_none() {
            return Err(field_error("trade_id", "trade_id or order_id is required"));
        }
        Ok((trade_id, order_id))
    }

    fn read(reader: &Reader<'_>) -> Result<OrderRef, Error> {
        let (trade_id, order_id) = OrderRef::check(reader)?;
        OrderRef::from_parts(trade_id.map(str::to_owned), order_id.map(str::to_owned))
            .ok_or_else(|| field_error("trade_id", "trade_id or order_id is required"))
    }
}

/// Card details for `payment_method_data.card`. `Debug` shows only the last four digits of
/// the number, and neither the expiry nor the CVC.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct CardData {
    /// 12–19 digits.
    pub number: String,
    /// `1`–`12`, one or two digits.
    pub exp_month: String,
    /// Four digits.
    pub exp_year: String,
    /// 3–4 digits.
    pub cvc: String,
}

impl fmt::Debug for CardData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let last4 = self
            .number
            .get(self.number.len().saturating_sub(4)..)
            .unwrap_or("");
        f.debug_struct("CardData")
            .field("number", &format_args!("****{last4}"))
            .field("exp_month", &format_args!("**"))
            .field("exp_year", &format_args!("****"))
            .field("cvc", &format_args!("***"))
            .finish()
    }
}

/// The customer's code scanned by the merchant, for `payment_method_data.micropay`.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct MicropayData {
    /// 10–32 digits.
    pub auth_code: String,
}

impl fmt::Debug for MicropayData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let tail = self
            .auth_code
            .get(self.auth_code.len().saturating_sub(2)..)
            .unwrap_or("");
        write!(f, "MicropayData {{ auth_code: \"…{tail}\" }}")
    }
}

/// `payment_method_data`: the details of the chosen method.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PaymentMethodData {
    /// For `card`.
    pub card: Option<CardData>,
    /// For `micropay`.
    pub micropay: Option<MicropayData>,
}

impl PaymentMethodData {
    /// Card details.
    pub fn card(number: &str, exp_month: &str, exp_year: &str, cvc: &str) -> Self {
        PaymentMethodData {
            card: Some(CardData {
                number: number.into(),
                exp_month: exp_month.into(),
                exp_year: exp_year.into(),
                cvc: cvc.into(),
            }),
            micropay: None,
        }
    }

    /// A micropay auth code.
    pub fn micropay(auth_code: &str) -> Self {
        PaymentMethodData {
            card: None,
            micropay: Some(MicropayData {
                auth_code: auth_code.into(),
            }),
        }
    }

    fn to_value(&self) -> Value {
        let mut out = Map::new();
        if let Some(card) = &self.card {
            out.insert(
                "card".into(),
                serde_json::json!({
                    "number": card.number, "exp_month": card.exp_month,
                    "exp_year": card.exp_year, "cvc": card.cvc,
                }),
            );
        }
        if let Some(micropay) = &self.micropay {
            out.insert(
                "micropay".into(),
                serde_json::json!({ "auth_code": micropay.auth_code }),
            );
        }
        Value::Object(out)
    }
}

/// PAY: create a payment (or, with an order_id already used, get that order back).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct PayRequest {
    /// The merchant (1–64 of `[A-Za-z0-9_-]`).
    pub merchant_id: String,
    /// The caller's order ID (1–64 of `[A-Za-z0-9_-]`); the idempotency key.
    pub order_id: String,
    /// The amount.
    pub amount: Amount,
    /// ISO 4217 code; any case from callers, uppercase on the wire.
    pub currency: String,
    /// `card`, `qr` or `micropay`.
    pub payment_method: Option<PaymentMethod>,
    /// The caller's customer ID.
    pub customer_id: Option<String>,
    /// Passthrough metadata.
    pub metadata: Option<Metadata>,
    /// Where the customer returns after a redirect; required for card unless recurring.
    pub return_url: Option<String>,
    /// Where the gateway sends webhooks for this order.
    pub notify_url: Option<String>,
    /// `subscription` or `recurring_payment` (card only).
    pub payment_mode: Option<PaymentMode>,
    /// The token of a subscription, for `recurring_payment`.
    pub payment_token: Option<String>,
    /// When the caller started the payment (RFC 3339); the client fills it once, before
    /// any retry.
    pub txn_time: Option<String>,
    /// The details of the chosen method.
    pub payment_method_data: Option<PaymentMethodData>,
}

impl fmt::Debug for PayRequest {
    /// Like a derived `Debug`, with `payment_token` masked (card data masks itself).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PayRequest")
            .field("merchant_id", &self.merchant_id)
            .field("order_id", &self.order_id)
            .field("amount", &self.amount)
            .field("currency", &self.currency)
            .field("payment_method", &self.payment_method)
            .field("customer_id", &self.customer_id)
            .field("metadata", &self.metadata)
            .field("return_url", &self.return_url)
            .field("notify_url", &self.notify_url)
            .field("payment_mode", &self.payment_mode)
            .field(
                "payment_token",
                &self.payment_token.as_deref().map(crate::signing::masked),
            )
            .field("txn_time", &self.txn_time)
            .field("payment_method_data", &self.payment_method_data)
            .finish()
    }
}

/// A PAY `data` object that passed every rule, its strings borrowed from the map.
struct CheckedPay<'a> {
    merchant_id: &'a str,
    order_id: &'a str,
    amount: Amount,
    currency: Currency,
    payment_method: PaymentMethod,
    customer_id: Option<&'a str>,
    metadata: Option<Metadata>,
    return_url: Option<&'a str>,
    notify_url: Option<&'a str>,
    payment_mode: Option<PaymentMode>,
    payment_token: Option<&'a str>,
    txn_time: Option<&'a str>,
    method_data: Option<MethodDataRef<'a>>,
}

/// `payment_method_data` after its rules, borrowed.
enum MethodDataRef<'a> {
    Card {
        number: &'a str,
        exp_month: &'a str,
        exp_year: &'a str,
        cvc: &'a str,
    },
    Micropay {
        auth_code: &'a str,
    },
}

impl MethodDataRef<'_> {
    fn to_owned(&self) -> PaymentMethodData {
        match *self {
            MethodDataRef::Card {
                number,
                exp_month,
                exp_year,
                cvc,
            } => PaymentMethodData::card(number, exp_month, exp_year, cvc),
            MethodDataRef::Micropay { auth_code } => PaymentMethodData {
                card: None,
                micropay: Some(MicropayData {
                    auth_code: auth_code.into(),
                }),
            },
        }
    }
}

impl PayRequest {
    /// Reads and checks a PAY `data` object, in the order the gateway answers failures.
    pub fn from_data(data: &Map<String, Value>) -> Result<PayRequest, Error> {
        let c = PayRequest::check(data)?;
        Ok(PayRequest {
            merchant_id: c.merchant_id.into(),
            order_id: c.order_id.into(),
            amount: c.amount,
            currency: c.currency.code().into(),
            payment_method: Some(c.payment_method),
            customer_id: c.customer_id.map(Into::into),
            metadata: c.metadata,
            return_url: c.return_url.map(Into::into),
            notify_url: c.notify_url.map(Into::into),
            payment_mode: c.payment_mode,
            payment_token: c.payment_token.map(Into::into),
            txn_time: c.txn_time.map(Into::into),
            payment_method_data: c.method_data.as_ref().map(MethodDataRef::to_owned),
        })
    }

    /// Every PAY rule, in the order the gateway answers failures: the one place they live.
    fn check(data: &Map<String, Value>) -> Result<CheckedPay<'_>, Error> {
        let r = Reader::new(data);
        let merchant_id = r.req_str("merchant_id")?;
        check_id("merchant_id", merchant_id)?;
        let order_id = r.req_str("order_id")?;
        check_id("order_id", order_id)?;
        let amount = read_amount(data)?;
        let currency = Currency::from_wire(r.req_str("currency")?)?;
        amount.check_currency(&currency)?;
        let payment_method = match PaymentMethod::from_wire(r.req_str("payment_method")?) {
            PaymentMethod::Unknown(_) => {
                return Err(field_error(
                    "payment_method",
                    "must be card, qr or micropay",
                ))
            }
            known => known,
        };
        let customer_id = r.opt_str("customer_id")?;
        if let Some(c) = customer_id {
            check_text("customer_id", c, 64)?;
        }
        let metadata = read_metadata(&r)?;
        let return_url = r.opt_str("return_url")?;
        if let Some(u) = return_url {
            check_url("return_url", u)?;
        }
        let notify_url = r.opt_str("notify_url")?;
        if let Some(u) = notify_url {
            check_url("notify_url", u)?;
        }
        let txn_time = r.opt_str("txn_time")?;
        if let Some(t) = txn_time {
            if crate::time::parse_rfc3339(t).is_none() {
                return Err(field_error(
                    "txn_time",
                    "must be an RFC 3339 time, like 2026-11-21T22:18:46Z",
                ));
            }
        }
        let payment_token = r.opt_str("payment_token")?.filter(|t| !t.is_empty());
        if let Some(t) = payment_token {
            check_text("payment_token", t, 128)?;
        }
        let method_data = r.opt_object("payment_method_data")?;

        let mode_error =
            |rule: &'static str| Error::validation(FORMAT_PAYMENT_MODE, "payment_mode", rule);
        let payment_mode = match r.opt_str("payment_mode")? {
            None => None,
            Some(m) => match PaymentMode::from_wire(m) {
                PaymentMode::Unknown(_) => {
                    return Err(mode_error("must be subscription or recurring_payment"))
                }
                known => Some(known),
            },
        };
        if payment_mode.is_some() && payment_method != PaymentMethod::Card {
            return Err(mode_error("is only for payment_method card"));
        }
        let recurring = payment_mode == Some(PaymentMode::RecurringPayment);
        if recurring && payment_token.is_none() {
            return Err(mode_error("recurring_payment requires payment_token"));
        }
        if recurring && method_data.is_some_and(|m| !m.is_empty()) {
            return Err(mode_error(
                "recurring_payment pays with payment_token and takes no payment_method_data",
            ));
        }
        if payment_token.is_some() && !recurring {
            return Err(Error::validation(
                FORMAT_PAYMENT_MODE,
                "payment_token",
                "is only for payment_mode recurring_payment",
            ));
        }

        let method_data = read_method_data(&payment_method, method_data, recurring)?;
        if payment_method == PaymentMethod::Card && !recurring && return_url.is_none() {
            return Err(field_error("return_url", "is required for card payments"));
        }

        Ok(CheckedPay {
            merchant_id,
            order_id,
            amount,
            currency,
            payment_method,
            customer_id,
            metadata,
            return_url,
            notify_url,
            payment_mode,
            payment_token,
            txn_time,
            method_data,
        })
    }

    /// True when `other` asks for the same payment: every field but `txn_time` and
    /// `notify_url`, amounts by value (protocol §6, idempotency).
    pub fn same_parameters(&self, other: &PayRequest) -> bool {
        let strip = |r: &PayRequest| PayRequest {
            txn_time: None,
            notify_url: None,
            metadata: r.metadata.clone().filter(|m| !m.is_empty()),
            ..r.clone()
        };
        strip(self) == strip(other)
    }

    fn write(&self) -> Map<String, Value> {
        let mut data = Map::new();
        let mut put = |k: &str, v: Option<Value>| {
            if let Some(v) = v {
                data.insert(k.into(), v);
            }
        };
        put("merchant_id", Some(self.merchant_id.clone().into()));
        put("order_id", Some(self.order_id.clone().into()));
        put("amount", Some(self.amount.to_string().into()));
        put("currency", Some(self.currency.to_ascii_uppercase().into()));
        put(
            "payment_method",
            self.payment_method.as_ref().map(|m| m.as_str().into()),
        );
        put("customer_id", self.customer_id.clone().map(Into::into));
        put(
            "metadata",
            self.metadata
                .as_ref()
                .map(|m| serde_json::to_value(m).unwrap_or(Value::Null)),
        );
        put("return_url", self.return_url.clone().map(Into::into));
        put("notify_url", self.notify_url.clone().map(Into::into));
        put(
            "payment_mode",
            self.payment_mode.as_ref().map(|m| m.as_str().into()),
        );
        put("payment_token", self.payment_token.clone().map(Into::into));
        put("txn_time", self.txn_time.clone().map(Into::into));
        put(
            "payment_method_data",
            self.payment_method_data
                .as_ref()
                .map(PaymentMethodData::to_value),
        );
        data
    }
}

/// `amount`: a decimal string (a JSON number is refused: it cannot carry an amount exactly).
fn read_amount(data: &Map<String, Value>) -> Result<Amount, Error> {
    match data.get("amount") {
        None | Some(Value::Null) => Err(field_error("amount", "is required")),
        Some(Value::String(s)) => Amount::parse(s),
        Some(Value::Number(_)) => Err(field_error(
            "amount",
            "must be a decimal string like \"10.50\"; a JSON number cannot carry an amount exactly",
        )),
        Some(other) => Err(field_error(
            "amount",
            format!(
                "must be a decimal string like \"10.50\", not {}",
                crate::duration::json_kind(other)
            ),
        )),
    }
}

fn read_metadata(r: &Reader<'_>) -> Result<Option<Metadata>, Error> {
    let Some(object) = r.opt_object("metadata")? else {
        return Ok(None);
    };
    let mut metadata = Metadata::new();
    for (key, value) in object {
        match value {
            Value::String(v) => {
                metadata.insert(key.clone(), v.clone());
            }
            _ => {
                return Err(field_error(
                    "metadata",
                    format!("value of key {key:?} must be a string"),
                ))
            }
        }
    }
    // The limit is on the bytes the caller sent, which preserve its key order; the map
    // re-encodes sorted, which has the same length.
    metadata
        .validate()
        .map_err(|e| Error::validation(FORMAT_METADATA, "metadata", e.message().to_owned()))?;
    Ok(Some(metadata))
}

fn read_method_data<'a>(
    method: &PaymentMethod,
    data: Option<&'a Map<String, Value>>,
    recurring: bool,
) -> Result<Option<MethodDataRef<'a>>, Error> {
    const FIELD: &str = "payment_method_data";
    if let Some(other) = data
        .into_iter()
        .flat_map(Map::keys)
        .find(|k| k.as_str() != method.as_str())
    {
        return Err(field_error(
            FIELD,
            format!("holds {other:?}, which is not the chosen payment_method {method}"),
        ));
    }
    let entry = |name: &'static str| -> Result<Option<Reader<'a>>, Error> {
        match data.and_then(|d| d.get(name)) {
            None => Ok(None),
            Some(Value::Object(o)) => Ok(Some(Reader::new(o))),
            Some(_) => Err(field_error(name, "must be a JSON object").under(FIELD)),
        }
    };
    match method {
        PaymentMethod::Card => {
            let Some(card) = entry("card")? else {
                if recurring {
                    return Ok(None);
                }
                return Err(field_error(
                    FIELD,
                    "card details are required for card payments",
                ));
            };
            let read = |field: &'static str, min: usize, max: usize| -> Result<&'a str, Error> {
                let value = card.req_str(field)?;
                check_digits(field, value, min, max)?;
                Ok(value)
            };
            let under_card = |e: Error| e.under("payment_method_data.card");
            let number = read("number", 12, 19).map_err(under_card)?;
            let exp_month = read("exp_month", 1, 2).map_err(under_card)?;
            if !(1..=12).contains(&exp_month.parse::<u8>().unwrap_or(0)) {
                return Err(under_card(field_error("exp_month", "must be 1 to 12")));
            }
            let exp_year = read("exp_year", 4, 4).map_err(under_card)?;
            let cvc = read("cvc", 3, 4).map_err(under_card)?;
            Ok(Some(MethodDataRef::Card {
                number,
                exp_month,
                exp_year,
                cvc,
            }))
        }
        PaymentMethod::Micropay => {
            let Some(micropay) = entry("micropay")? else {
                return Err(field_error(
                    FIELD,
                    "micropay.auth_code is required for micropay payments",
                ));
            };
            let under = |e: Error| e.under("payment_method_data.micropay");
            let auth_code = micropay.req_str("auth_code").map_err(under)?;
            check_digits("auth_code", auth_code, 10, 32).map_err(under)?;
            Ok(Some(MethodDataRef::Micropay { auth_code }))
        }
        _ => Ok(None),
    }
}

impl Operation for PayRequest {
    type Output = Trade;
    fn trans_type(&self) -> TransType {
        TransType::Pay
    }
    fn to_data(&self) -> Result<Map<String, Value>, Error> {
        if self.amount.is_zero() {
            return Err(Error::validation(
                FORMAT_AMOUNT,
                "amount",
                "must be at least 0.01",
            ));
        }
        let data = self.write();
        PayRequest::check(&data)?;
        Ok(data)
    }
    fn idempotency_key(&self) -> Option<&str> {
        Some(&self.order_id)
    }
}

/// REFUND: give back part or all of a paid order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundRequest {
    /// The merchant.
    pub merchant_id: String,
    /// The order to refund.
    pub order: OrderRef,
    /// The caller's refund ID (1–64 of `[A-Za-z0-9_-]`); the idempotency key.
    pub refund_id: String,
    /// The amount to refund.
    pub amount: Amount,
    /// Why, up to 256 bytes.
    pub reason: Option<String>,
    /// Where the gateway sends the refund's webhook (default: the order's).
    pub notify_url: Option<String>,
}

impl RefundRequest {
    /// Reads and checks a REFUND `data` object.
    pub fn from_data(data: &Map<String, Value>) -> Result<RefundRequest, Error> {
        RefundRequest::check(data)?;
        let r = Reader::new(data);
        let merchant_id = r.req_str("merchant_id")?;
        let order = OrderRef::read(&r)?;
        let refund_id = r.req_str("refund_id")?;
        let reason = r.opt_str("reason")?;
        let notify_url = r.opt_str("notify_url")?;
        Ok(RefundRequest {
            merchant_id: merchant_id.into(),
            order,
            refund_id: refund_id.into(),
            amount: read_amount(data)?,
            reason: reason.map(Into::into),
            notify_url: notify_url.map(Into::into),
        })
    }

    /// Every REFUND rule, in the order the gateway answers failures.
    fn check(data: &Map<String, Value>) -> Result<(), Error> {
        let r = Reader::new(data);
        let merchant_id = r.req_str("merchant_id")?;
        check_id("merchant_id", merchant_id)?;
        OrderRef::check(&r)?;
        let refund_id = r.req_str("refund_id")?;
        check_id("refund_id", refund_id)?;
        read_amount(data)?;
        let reason = r.opt_str("reason")?;
        if let Some(reason) = reason {
            check_text("reason", reason, 256)?;
        }
        let notify_url = r.opt_str("notify_url")?;
        if let Some(u) = notify_url {
            check_url("notify_url", u)?;
        }
        Ok(())
    }

    /// True when `other` asks for the same refund: amount (by value) and reason. The order
    /// is compared by the gateway after resolving it, whichever ID named it.
    pub fn same_parameters(&self, other: &RefundRequest) -> bool {
        self.merchant_id == other.merchant_id
            && self.amount == other.amount
            && self.reason == other.reason
    }
}

impl Operation for RefundRequest {
    type Output = Refund;
    fn trans_type(&self) -> TransType {
        TransType::Refund
    }
    fn to_data(&self) -> Result<Map<String, Value>, Error> {
        let mut data = Map::new();
        data.insert("merchant_id".into(), self.merchant_id.clone().into());
        self.order.write(&mut data);
        data.insert("refund_id".into(), self.refund_id.clone().into());
        data.insert("amount".into(), self.amount.to_string().into());
        if let Some(reason) = &self.reason {
            data.insert("reason".into(), reason.clone().into());
        }
        if let Some(url) = &self.notify_url {
            data.insert("notify_url".into(), url.clone().into());
        }
        if self.amount.is_zero() {
            return Err(Error::validation(
                FORMAT_AMOUNT,
                "amount",
                "must be at least 0.01",
            ));
        }
        RefundRequest::check(&data)?;
        Ok(data)
    }
    fn idempotency_key(&self) -> Option<&str> {
        Some(&self.refund_id)
    }
}

/// REFUND_QUERY: read a refund.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundQueryRequest {
    /// The merchant.
    pub merchant_id: String,
    /// The caller's refund ID.
    pub refund_id: String,
}

impl RefundQueryRequest {
    /// Reads and checks a REFUND_QUERY `data` object.
    pub fn from_data(data: &Map<String, Value>) -> Result<RefundQueryRequest, Error> {
        let (merchant_id, refund_id) = RefundQueryRequest::check(data)?;
        Ok(RefundQueryRequest {
            merchant_id: merchant_id.into(),
            refund_id: refund_id.into(),
        })
    }

    /// Every REFUND_QUERY rule; the borrowed `merchant_id` and `refund_id`.
    fn check(data: &Map<String, Value>) -> Result<(&str, &str), Error> {
        let r = Reader::new(data);
        let merchant_id = r.req_str("merchant_id")?;
        check_id("merchant_id", merchant_id)?;
        let refund_id = r.req_str("refund_id")?;
        check_id("refund_id", refund_id)?;
        Ok((merchant_id, refund_id))
    }
}

impl Operation for RefundQueryRequest {
    type Output = Refund;
    fn trans_type(&self) -> TransType {
        TransType::RefundQuery
    }
    fn to_data(&self) -> Result<Map<String, Value>, Error> {
        let mut data = Map::new();
        data.insert("merchant_id".into(), self.merchant_id.clone().into());
        data.insert("refund_id".into(), self.refund_id.clone().into());
        RefundQueryRequest::check(&data)?;
        Ok(data)
    }
    fn idempotency_key(&self) -> Option<&str> {
        Some(&self.refund_id)
    }
}

macro_rules! order_operation {
    ($(#[$meta:meta])* $name:ident => $trans:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $name {
            /// The merchant.
            pub merchant_id: String,
            /// The order.
            pub order: OrderRef,
        }

        impl $name {
            /// The request for `order` of `merchant_id`.
            pub fn new(order: OrderRef, merchant_id: impl Into<String>) -> Self {
                $name { merchant_id: merchant_id.into(), order }
            }

            /// Reads and checks the `data` object.
            pub fn from_data(data: &Map<String, Value>) -> Result<$name, Error> {
                $name::check(data)?;
                let r = Reader::new(data);
                let merchant_id = r.req_str("merchant_id")?;
                let order = OrderRef::read(&r)?;
                Ok($name { merchant_id: merchant_id.into(), order })
            }

            /// Every rule of the operation, in the order the gateway answers failures.
            fn check(data: &Map<String, Value>) -> Result<(), Error> {
                let r = Reader::new(data);
                let merchant_id = r.req_str("merchant_id")?;
                check_id("merchant_id", merchant_id)?;
                OrderRef::check(&r)?;
                Ok(())
            }
        }

        impl Operation for $name {
            type Output = Trade;
            fn trans_type(&self) -> TransType {
                TransType::$trans
            }
            fn to_data(&self) -> Result<Map<String, Value>, Error> {
                let mut data = Map::new();
                data.insert("merchant_id".into(), self.merchant_id.clone().into());
                self.order.write(&mut data);
                $name::check(&data)?;
                Ok(data)
            }
            fn idempotency_key(&self) -> Option<&str> {
                self.order.order_id().or(self.order.trade_id())
            }
        }
    };
}

order_operation! {
    /// QUERY: read an order as it is now.
    QueryRequest => Query
}
order_operation! {
    /// REVERSAL: cancel a payment whatever its state (refunding it in full if paid).
    ReversalRequest => Reversal
}
order_operation! {
    /// CLOSE: close a pending order.
    CloseRequest => Close
}
