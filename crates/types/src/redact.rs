//! Masking of card data, auth codes, tokens and secrets in `Debug` output.
//!
//! A `Debug` of a request body or an envelope ends up in logs and panic messages, so every
//! `Debug` that prints raw JSON prints it through `Redacted`.

use std::fmt;

use serde_json::{Map, Value};

/// Keys whose values are never printed: card number, CVC, expiry, auth code, payment token,
/// and anything named like a secret.
fn is_sensitive(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    matches!(
        key.as_str(),
        "number"
            | "card_number"
            | "pan"
            | "cvc"
            | "cvv"
            | "cvc2"
            | "cvv2"
            | "exp_month"
            | "exp_year"
            | "expiry"
            | "exp"
            | "auth_code"
            | "payment_token"
            | "token"
            | "password"
    ) || key.contains("secret")
}

/// `value` with the value of every sensitive key, at any depth, replaced by a mask. A card
/// number keeps its last four digits, as receipts show them.
pub fn redact_value(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(redact_map(map)),
        Value::Array(items) => Value::Array(items.iter().map(redact_value).collect()),
        other => other.clone(),
    }
}

/// [`redact_value`] for an object.
pub fn redact_map(map: &Map<String, Value>) -> Map<String, Value> {
    map.iter()
        .map(|(k, v)| {
            let v = if is_sensitive(k) {
                Value::String(mask(k, v))
            } else {
                redact_value(v)
            };
            (k.clone(), v)
        })
        .collect()
}

fn mask(key: &str, value: &Value) -> String {
    match value {
        Value::String(s) if key.eq_ignore_ascii_case("number") && s.len() > 8 => {
            let tail = s.get(s.len() - 4..).unwrap_or("");
            format!("****{tail}")
        }
        _ => "<redacted>".to_owned(),
    }
}

/// Shows JSON with sensitive values masked.
pub(crate) struct Redacted<'a>(pub &'a Value);

impl fmt::Debug for Redacted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&redact_value(self.0), f)
    }
}

/// Shows a JSON object with sensitive values masked.
pub(crate) struct RedactedMap<'a>(pub &'a Map<String, Value>);

impl fmt::Debug for RedactedMap<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&redact_map(self.0), f)
    }
}
