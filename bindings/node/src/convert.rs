//! Reading JS arguments into the typed requests of `tradepay-types`, and results back.
//!
//! Requests are read by the same `from_data` functions the gateway applies to what it
//! receives, so every rule (and every message, such as the one refusing a `number` amount)
//! is the one of `tradepay-types`. The only change made here is what api.md asks of every
//! SDK: the currency is uppercased.

use std::time::Duration;

use serde::Serialize;
use serde_json::{Map, Value};
use tradepay_types::{OrderRef, PayRequest, QueryRequest, RefundQueryRequest, RefundRequest};

use crate::failure::Failure;

/// The request object, or a validation failure when the argument is not an object.
pub fn object(arg: Option<Value>, what: &str) -> Result<Map<String, Value>, Failure> {
    match arg {
        Some(Value::Object(map)) => Ok(map),
        _ => Err(Failure::validation(
            None,
            format!("{what} takes an object of wire fields, like {{ merchant_id: 'm_1', order_id: 'o_1' }}"),
        )),
    }
}

/// An optional string option (`baseUrl`, …).
pub fn opt_string(map: &Map<String, Value>, key: &str) -> Result<Option<String>, Failure> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(Failure::validation(Some(key), "must be a string")),
    }
}

/// An optional boolean option.
pub fn opt_bool(map: &Map<String, Value>, key: &str) -> Result<Option<bool>, Failure> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(Failure::validation(Some(key), "must be true or false")),
    }
}

/// An optional whole number, 0 or more (`maxRetries`).
pub fn opt_count(map: &Map<String, Value>, key: &str) -> Result<Option<u32>, Failure> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => match v.as_u64().and_then(|n| u32::try_from(n).ok()) {
            Some(n) => Ok(Some(n)),
            None => Err(Failure::validation(
                Some(key),
                "must be a whole number, 0 or more",
            )),
        },
    }
}

/// Removes an option given in milliseconds (`timeoutMs`, `deadlineMs`) from `map`.
pub fn take_ms(map: &mut Map<String, Value>, key: &str) -> Result<Option<Duration>, Failure> {
    match map.remove(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => ms(&v, key).map(Some),
    }
}

/// A duration in milliseconds given by JS.
pub fn ms(v: &Value, key: &str) -> Result<Duration, Failure> {
    match v.as_f64() {
        Some(ms) if ms.is_finite() && ms >= 0.0 => Ok(Duration::from_secs_f64(ms / 1000.0)),
        _ => Err(Failure::validation(
            Some(key),
            "must be a number of milliseconds, 0 or more",
        )),
    }
}

/// A duration in seconds given by JS.
pub fn seconds(v: f64, key: &str) -> Result<Duration, Failure> {
    if v.is_finite() && v >= 0.0 {
        Ok(Duration::from_secs_f64(v))
    } else {
        Err(Failure::validation(
            Some(key),
            "must be a number of seconds, 0 or more",
        ))
    }
}

fn uppercase_currency(map: &mut Map<String, Value>) {
    if let Some(Value::String(c)) = map.get_mut("currency") {
        c.make_ascii_uppercase();
    }
}

/// A PAY request from its wire fields.
pub fn pay(mut map: Map<String, Value>) -> Result<PayRequest, Failure> {
    uppercase_currency(&mut map);
    Ok(PayRequest::from_data(&map)?)
}

/// A micropay: the PAY fields with `auth_code` at the top (api.md), sent as
/// `payment_method_data.micropay.auth_code` with `payment_method` `micropay`.
pub fn micropay(mut map: Map<String, Value>) -> Result<PayRequest, Failure> {
    if let Some(code) = map.remove("auth_code") {
        map.insert(
            "payment_method_data".into(),
            serde_json::json!({ "micropay": { "auth_code": code } }),
        );
    }
    map.entry("payment_method")
        .or_insert_with(|| "micropay".into());
    pay(map)
}

/// `merchant_id` and the order named by `trade_id` and/or `order_id`.
pub fn order(map: &Map<String, Value>) -> Result<(OrderRef, String), Failure> {
    let q = QueryRequest::from_data(map)?;
    Ok((q.order, q.merchant_id))
}

/// A REFUND request from its wire fields.
pub fn refund(map: &Map<String, Value>) -> Result<RefundRequest, Failure> {
    Ok(RefundRequest::from_data(map)?)
}

/// A REFUND_QUERY request from its wire fields.
pub fn refund_query(map: &Map<String, Value>) -> Result<RefundQueryRequest, Failure> {
    Ok(RefundQueryRequest::from_data(map)?)
}

/// A result as the plain object of its wire fields.
pub fn to_js<T: Serialize>(v: &T) -> Result<Value, Failure> {
    serde_json::to_value(v).map_err(|e| Failure {
        kind: "Protocol",
        message: format!("cannot convert the result: {e}"),
        ..Failure::default()
    })
}
