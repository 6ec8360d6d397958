//! A caller's request as the bindings receive it: one map of wire-named parameters per
//! operation. Every binding reads requests through these functions, so the accepted keys,
//! the refusal of unknown ones (with the name probably meant) and every rule and message
//! are the core's, the same in each language.
//!
//! The gateway's own `from_data` stays lenient about extra keys (a newer client may send
//! fields an older gateway ignores); only a caller's call is held to the list, since an
//! unknown key there is almost always a misspelt option that would otherwise be dropped
//! silently (`notifyUrl` sending no webhook).

use std::time::Duration;

use serde_json::{Map, Value};

use crate::{Error, OrderRef, PayRequest, QueryRequest, RefundQueryRequest, RefundRequest};

/// How long `wait_final` waits when the caller names no timeout (api.md's examples).
pub const DEFAULT_WAIT: Duration = Duration::from_secs(60);

/// When a micropay reverses, when the caller names no deadline (api.md's examples).
pub const DEFAULT_MICROPAY_DEADLINE: Duration = Duration::from_secs(30);

/// The parameters of PAY.
pub const PAY: &[&str] = &[
    "merchant_id",
    "order_id",
    "amount",
    "currency",
    "payment_method",
    "return_url",
    "payment_method_data",
    "customer_id",
    "metadata",
    "notify_url",
    "payment_mode",
    "payment_token",
    "txn_time",
];

/// The parameters of a micropay: PAY's, with `auth_code` at the top level (api.md).
pub const MICROPAY: &[&str] = &[
    "merchant_id",
    "order_id",
    "amount",
    "currency",
    "auth_code",
    "payment_method",
    "customer_id",
    "metadata",
    "notify_url",
    "txn_time",
];

/// The parameters naming an order: QUERY, REVERSAL, CLOSE and `wait_final`.
pub const ORDER: &[&str] = &["merchant_id", "trade_id", "order_id"];

/// The parameters of REFUND.
pub const REFUND: &[&str] = &[
    "merchant_id",
    "trade_id",
    "order_id",
    "refund_id",
    "amount",
    "reason",
    "notify_url",
];

/// The parameters of REFUND_QUERY.
pub const REFUND_QUERY: &[&str] = &["merchant_id", "refund_id"];

/// Refuses the first key of `map` that is not in `known`, naming it and, when one is
/// close, the known key probably meant: `notifyUrl: unknown parameter; did you mean
/// notify_url?`. Keys are checked in the map's order, so the error is deterministic.
pub fn refuse_unknown<'a>(
    keys: impl IntoIterator<Item = &'a String>,
    known: &[&str],
) -> Result<(), Error> {
    for key in keys {
        if !known.contains(&key.as_str()) {
            return Err(unknown(key, known));
        }
    }
    Ok(())
}

/// The error for an unknown key `key`, with the name probably meant when one is close.
pub fn unknown(key: &str, known: &[&str]) -> Error {
    crate::suggest::unknown(key, known, "parameter")
}

fn uppercase_currency(map: &mut Map<String, Value>) {
    // api.md: every SDK accepts a currency in any case and sends it uppercased.
    if let Some(Value::String(c)) = map.get_mut("currency") {
        c.make_ascii_uppercase();
    }
}

/// A caller's PAY.
pub fn pay(mut map: Map<String, Value>) -> Result<PayRequest, Error> {
    refuse_unknown(map.keys(), PAY)?;
    uppercase_currency(&mut map);
    PayRequest::from_data(&map)
}

/// A caller's micropay: sent as PAY with `payment_method` `micropay` and the `auth_code`
/// under `payment_method_data.micropay`.
pub fn micropay(mut map: Map<String, Value>) -> Result<PayRequest, Error> {
    refuse_unknown(map.keys(), MICROPAY)?;
    if let Some(code) = map.remove("auth_code") {
        map.insert(
            "payment_method_data".into(),
            serde_json::json!({ "micropay": { "auth_code": code } }),
        );
    }
    map.entry("payment_method")
        .or_insert_with(|| "micropay".into());
    uppercase_currency(&mut map);
    // The caller gave `auth_code` at the top level, so that is the name its errors use.
    PayRequest::from_data(&map)
        .map_err(|e| e.renamed("payment_method_data.micropay.auth_code", "auth_code"))
}

/// A caller's QUERY, REVERSAL, CLOSE or `wait_final`: the order and its merchant.
pub fn order(map: &Map<String, Value>) -> Result<(OrderRef, String), Error> {
    refuse_unknown(map.keys(), ORDER)?;
    let q = QueryRequest::from_data(map)?;
    Ok((q.order, q.merchant_id))
}

/// A caller's REFUND.
pub fn refund(map: &Map<String, Value>) -> Result<RefundRequest, Error> {
    refuse_unknown(map.keys(), REFUND)?;
    RefundRequest::from_data(map)
}

/// A caller's REFUND_QUERY.
pub fn refund_query(map: &Map<String, Value>) -> Result<RefundQueryRequest, Error> {
    refuse_unknown(map.keys(), REFUND_QUERY)?;
    RefundQueryRequest::from_data(map)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::suggest::suggest;

    fn map(json: &str) -> Map<String, Value> {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn a_camel_case_key_is_refused_naming_the_wire_name() {
        let m = map(
            r#"{"merchant_id":"m","order_id":"o","refund_id":"r","amount":"1","notifyUrl":"x"}"#,
        );
        let e = refund(&m).unwrap_err();
        assert_eq!(
            e.to_string(),
            "notifyUrl: unknown parameter; did you mean notify_url?"
        );
        assert_eq!(e.code(), None);
    }

    #[test]
    fn a_typo_suggests_the_closest_and_nonsense_suggests_nothing() {
        assert_eq!(suggest("merchnt_id", ORDER), Some("merchant_id"));
        assert_eq!(
            suggest("timeout_ms", &["timeoutMs", "deadlineMs"]),
            Some("timeoutMs")
        );
        assert_eq!(suggest("colour", ORDER), None);
        let e = order(&map(r#"{"merchant_id":"m","order_id":"o","colour":"red"}"#)).unwrap_err();
        assert_eq!(e.to_string(), "colour: unknown parameter");
    }

    #[test]
    fn a_huge_key_is_cut_in_the_message() {
        let key = "k".repeat(10_000);
        let e = unknown(&key, ORDER);
        assert!(e.to_string().len() < 100, "{e}");
    }

    #[test]
    fn known_keys_pass_to_the_rules() {
        let e = order(&map(r#"{"merchant_id":"m"}"#)).unwrap_err();
        assert_eq!(e.field(), Some("trade_id"));
        let p = micropay(map(
            r#"{"merchant_id":"m","order_id":"o","amount":"1.00","currency":"cny","auth_code":"134512345678901234"}"#,
        ))
        .unwrap();
        assert_eq!(p.currency, "CNY");
    }
}
