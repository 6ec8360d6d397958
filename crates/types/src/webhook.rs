//! Webhooks (protocol §7), signed as Standard Webhooks sign them so that any third-party
//! verifier agrees with this one.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::time::Duration;

use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use base64::Engine as _;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::Sha256;
use subtle::ConstantTimeEq as _;
use zeroize::Zeroizing;

use crate::error::{serde_detail, Error};
use crate::open_enum::EventType;
use crate::order::{Refund, Trade};
use crate::signing::KeyedMac;

/// Header with the delivery's ID, the same on every retry.
pub const ID_HEADER: &str = "webhook-id";
/// Header with the Unix time the delivery was signed.
pub const TIMESTAMP_HEADER: &str = "webhook-timestamp";
/// Header with one or more space-separated `v1,<base64>` signatures.
pub const SIGNATURE_HEADER: &str = "webhook-signature";
/// The default tolerance: five minutes either way.
pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(300);

/// A webhook signing secret, written `whsec_<base64 key>`. Never shown in `Debug`, compared
/// in constant time, and wiped from memory when dropped.
#[derive(Clone)]
pub struct WebhookSecret {
    key: Zeroizing<Vec<u8>>,
    // Keyed once, so a delivery costs only its own blocks (see `KeyedMac` for the wiping).
    mac: KeyedMac,
}

impl PartialEq for WebhookSecret {
    fn eq(&self, other: &Self) -> bool {
        bool::from(self.key.as_slice().ct_eq(other.key.as_slice()))
    }
}

impl Eq for WebhookSecret {}

// The key lives in a `Zeroizing`, which wipes it on drop.
impl zeroize::ZeroizeOnDrop for WebhookSecret {}

impl WebhookSecret {
    /// Reads `whsec_<base64>` (the prefix may be omitted, and the base64 padding too, as
    /// Standard Webhooks libraries allow).
    pub fn parse(text: &str) -> Result<WebhookSecret, Error> {
        let encoded = text.strip_prefix("whsec_").unwrap_or(text);
        let decoded = if encoded.ends_with('=') {
            STANDARD.decode(encoded)
        } else {
            STANDARD_NO_PAD.decode(encoded)
        };
        let key = Zeroizing::new(decoded.map_err(|_| {
            Error::webhook("webhook secret must be whsec_ followed by standard base64")
        })?);
        if key.is_empty() {
            return Err(Error::webhook("webhook secret must not be empty"));
        }
        let mac = KeyedMac::new(&key);
        Ok(WebhookSecret { key, mac })
    }

    /// A secret from raw key bytes.
    pub fn from_key(key: impl Into<Vec<u8>>) -> WebhookSecret {
        let key = Zeroizing::new(key.into());
        let mac = KeyedMac::new(&key);
        WebhookSecret { key, mac }
    }

    /// The `whsec_` form.
    pub fn to_whsec(&self) -> String {
        format!("whsec_{}", STANDARD.encode(self.key.as_slice()))
    }

    fn mac(&self, id: &str, timestamp: i64, body: &[u8]) -> Hmac<Sha256> {
        #[cfg(test)]
        HMACS.with(|c| c.set(c.get() + 1));
        let mut mac = self.mac.start();
        mac.update(id.as_bytes());
        mac.update(b".");
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        mac
    }

    /// The raw HMAC-SHA256 of a delivery.
    fn tag(&self, id: &str, timestamp: i64, body: &[u8]) -> Zeroizing<Vec<u8>> {
        Zeroizing::new(
            self.mac(id, timestamp, body)
                .finalize()
                .into_bytes()
                .to_vec(),
        )
    }

    /// The `webhook-signature` value for a delivery: `v1,<base64>`.
    pub fn sign(&self, id: &str, timestamp: i64, body: &[u8]) -> String {
        format!(
            "v1,{}",
            STANDARD.encode(self.mac(id, timestamp, body).finalize().into_bytes())
        )
    }
}

impl fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WebhookSecret(<redacted>)")
    }
}

/// The three headers of a signed delivery, as a sender (or a test of a receiver) sets them.
#[derive(Clone, PartialEq, Eq)]
pub struct SignedHeaders {
    /// `webhook-id`.
    pub id: String,
    /// `webhook-timestamp`, Unix seconds.
    pub timestamp: i64,
    /// `webhook-signature`: `v1,<base64>`.
    pub signature: String,
}

impl SignedHeaders {
    /// The headers as (name, value) pairs, in the order Standard Webhooks lists them.
    pub fn pairs(&self) -> [(&'static str, String); 3] {
        [
            (ID_HEADER, self.id.clone()),
            (TIMESTAMP_HEADER, self.timestamp.to_string()),
            (SIGNATURE_HEADER, self.signature.clone()),
        ]
    }
}

impl fmt::Debug for SignedHeaders {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignedHeaders")
            .field("id", &self.id)
            .field("timestamp", &self.timestamp)
            .finish_non_exhaustive()
    }
}

/// Signs a delivery as the gateway does, so that a receiver's tests can build one.
///
/// The id must be 1 to 256 printable ASCII characters: a delivery a verifier could not read
/// back would test nothing.
pub fn sign(
    secret: &WebhookSecret,
    body: &[u8],
    id: &str,
    timestamp: i64,
) -> Result<SignedHeaders, Error> {
    if id.is_empty() || id.len() > 256 || !id.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(Error::option(
            "id",
            "must be 1 to 256 printable ASCII characters without spaces",
        ));
    }
    if timestamp < 0 {
        return Err(Error::option(
            "timestamp",
            "must be Unix seconds, not negative",
        ));
    }
    Ok(SignedHeaders {
        id: id.to_owned(),
        timestamp,
        signature: secret.sign(id, timestamp, body),
    })
}

/// Something that holds HTTP headers, looked up case-insensitively.
pub trait HeaderSource {
    /// The value of header `name` (lowercase), if present.
    fn header(&self, name: &str) -> Option<&str>;
}

impl HeaderSource for http::HeaderMap {
    fn header(&self, name: &str) -> Option<&str> {
        self.get(name)?.to_str().ok()
    }
}

fn find_ci<'a, K: AsRef<str> + 'a, V: AsRef<str> + 'a>(
    pairs: impl IntoIterator<Item = (&'a K, &'a V)>,
    name: &str,
) -> Option<&'a str> {
    pairs
        .into_iter()
        .find(|(k, _)| k.as_ref().eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_ref())
}

impl<K: AsRef<str>, V: AsRef<str>> HeaderSource for HashMap<K, V> {
    fn header(&self, name: &str) -> Option<&str> {
        find_ci(self.iter(), name)
    }
}

impl<K: AsRef<str>, V: AsRef<str>> HeaderSource for BTreeMap<K, V> {
    fn header(&self, name: &str) -> Option<&str> {
        find_ci(self.iter(), name)
    }
}

impl<K: AsRef<str>, V: AsRef<str>> HeaderSource for [(K, V)] {
    fn header(&self, name: &str) -> Option<&str> {
        find_ci(self.iter().map(|(k, v)| (k, v)), name)
    }
}

impl<K: AsRef<str>, V: AsRef<str>> HeaderSource for Vec<(K, V)> {
    fn header(&self, name: &str) -> Option<&str> {
        self.as_slice().header(name)
    }
}

impl<T: HeaderSource + ?Sized> HeaderSource for &T {
    fn header(&self, name: &str) -> Option<&str> {
        (**self).header(name)
    }
}

/// What a webhook event carries. `Debug` masks the payment token (and, in unknown data,
/// card data and auth codes).
#[derive(Clone, PartialEq)]
pub enum EventData {
    /// An order (`trade.*` events).
    Trade(Box<Trade>),
    /// A refund (`refund.*` events).
    Refund(Box<Refund>),
    /// The data of an event type this version does not know, kept as it came.
    Unknown(Value),
}

impl Event {
    /// The order of a `trade.*` event; None for any other.
    pub fn trade(&self) -> Option<&Trade> {
        match &self.data {
            EventData::Trade(t) => Some(t),
            _ => None,
        }
    }

    /// The refund of a `refund.*` event; None for any other.
    pub fn refund(&self) -> Option<&Refund> {
        match &self.data {
            EventData::Refund(r) => Some(r),
            _ => None,
        }
    }
}

impl fmt::Debug for EventData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EventData::Trade(t) => f.debug_tuple("Trade").field(t).finish(),
            EventData::Refund(r) => f.debug_tuple("Refund").field(r).finish(),
            EventData::Unknown(v) => f
                .debug_tuple("Unknown")
                .field(&crate::redact::Redacted(v))
                .finish(),
        }
    }
}

/// A verified webhook delivery.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// `webhook-id`: the same for every retry of one delivery; drop duplicates by it.
    pub id: String,
    /// `trade.succeeded`, `refund.failed`, …
    pub event_type: EventType,
    /// The body's RFC 3339 `timestamp`.
    pub timestamp: String,
    /// The order or refund.
    pub data: EventData,
}

/// The JSON body the gateway sends. `Debug` masks card data, auth codes and tokens.
#[derive(Clone, Serialize, Deserialize)]
pub struct EventBody {
    /// The event type.
    #[serde(rename = "type")]
    pub event_type: EventType,
    /// RFC 3339, real clock.
    pub timestamp: String,
    /// The order or refund.
    pub data: Value,
}

impl fmt::Debug for EventBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventBody")
            .field("event_type", &self.event_type)
            .field("timestamp", &self.timestamp)
            .field("data", &crate::redact::Redacted(&self.data))
            .finish()
    }
}

/// The most `v1` (or other) signatures one `webhook-signature` header may carry. Standard
/// Webhooks senders put one per active key, and a rotation has two or three; more is refused
/// so that a delivery costs a bounded amount of work however the header was forged.
pub const MAX_SIGNATURES: usize = 16;
/// The most secrets one verification tries (key rotation: any one of them verifies). Each
/// costs one HMAC over the body.
pub const MAX_SECRETS: usize = 8;

#[cfg(test)]
thread_local! {
    /// HMACs computed over a delivery on this thread, so tests can count the work done.
    static HMACS: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

#[cfg(test)]
fn hmacs_so_far() -> usize {
    HMACS.with(|c| c.get())
}

/// Checks a delivery's signature and timestamp, without reading the body.
///
/// `now` is Unix seconds; the timestamp must be within `tolerance` (at most
/// [`crate::duration::MAX_DURATION`]) of it either way. At least one of the space-separated
/// `v1` signatures (at most [`MAX_SIGNATURES`]) must match, compared in constant time.
pub fn verify_signature(
    secret: &WebhookSecret,
    headers: &dyn HeaderSource,
    body: &[u8],
    tolerance: Duration,
    now: i64,
) -> Result<(), Error> {
    verify_signature_any(std::slice::from_ref(secret), headers, body, tolerance, now)
}

/// [`verify_signature`] with several secrets (a key rotation): the delivery verifies when a
/// signature matches any of them. At most [`MAX_SECRETS`] secrets; the body is hashed once
/// per secret, never once per candidate signature.
pub fn verify_signature_any(
    secrets: &[WebhookSecret],
    headers: &dyn HeaderSource,
    body: &[u8],
    tolerance: Duration,
    now: i64,
) -> Result<(), Error> {
    let tolerance = crate::duration::check("tolerance", tolerance)?;
    if secrets.is_empty() {
        return Err(Error::option(
            "secret",
            "at least one webhook secret is required",
        ));
    }
    if secrets.len() > MAX_SECRETS {
        return Err(Error::option(
            "secret",
            format!("at most {MAX_SECRETS} webhook secrets may be given at once"),
        ));
    }
    let header = |name: &'static str| {
        headers
            .header(name)
            .ok_or_else(|| Error::webhook(format!("header {name} is missing")))
    };
    let id = header(ID_HEADER)?;
    let timestamp: i64 = header(TIMESTAMP_HEADER)?
        .trim()
        .parse()
        .map_err(|_| Error::webhook("header webhook-timestamp is not Unix seconds"))?;
    let signatures = header(SIGNATURE_HEADER)?;
    // At most a day in seconds, so the comparison below cannot overflow; abs_diff cannot
    // either, whatever the two timestamps are.
    if timestamp.abs_diff(now) > tolerance.as_secs() {
        return Err(Error::webhook(if timestamp < now {
            "webhook timestamp is too old (outside the tolerance)"
        } else {
            "webhook timestamp is in the future (outside the tolerance)"
        }));
    }
    let candidates: Vec<&str> = signatures.split(' ').filter(|s| !s.is_empty()).collect();
    if candidates.len() > MAX_SIGNATURES {
        return Err(Error::webhook(format!(
            "header webhook-signature has more than {MAX_SIGNATURES} signatures"
        )));
    }
    let decoded: Vec<Vec<u8>> = candidates
        .iter()
        .filter_map(|c| c.strip_prefix("v1,"))
        .filter_map(|encoded| STANDARD.decode(encoded).ok())
        .collect();
    let saw_v1 = candidates.iter().any(|c| c.starts_with("v1,"));
    if !saw_v1 {
        return Err(Error::webhook(
            "header webhook-signature has no v1 signature",
        ));
    }
    let mut matched = subtle::Choice::from(0);
    for secret in secrets {
        let expected = secret.tag(id, timestamp, body);
        for raw in &decoded {
            // Every candidate is compared, matched or not, so the time taken does not say
            // which one (or which secret) matched.
            matched |= raw.as_slice().ct_eq(expected.as_slice());
        }
    }
    if bool::from(matched) {
        Ok(())
    } else {
        Err(Error::webhook("no webhook signature matches"))
    }
}

/// Verifies a delivery and reads its event (protocol §7).
pub fn verify(
    secret: &WebhookSecret,
    headers: &dyn HeaderSource,
    body: &[u8],
    tolerance: Duration,
    now: i64,
) -> Result<Event, Error> {
    verify_any(std::slice::from_ref(secret), headers, body, tolerance, now)
}

/// [`verify`] with several secrets (a key rotation): any one of them verifies.
pub fn verify_any(
    secrets: &[WebhookSecret],
    headers: &dyn HeaderSource,
    body: &[u8],
    tolerance: Duration,
    now: i64,
) -> Result<Event, Error> {
    verify_signature_any(secrets, headers, body, tolerance, now)?;
    let id = headers.header(ID_HEADER).unwrap_or_default().to_owned();
    let parsed: EventBody = serde_json::from_slice(body).map_err(|e| {
        Error::webhook(format!(
            "webhook body is not a valid event: {}",
            serde_detail(&e)
        ))
    })?;
    let bad_data = |e: serde_json::Error| {
        Error::webhook(format!("webhook data is not valid: {}", serde_detail(&e)))
    };
    let data = match &parsed.event_type {
        EventType::Unknown(_) => EventData::Unknown(parsed.data),
        t if t.is_refund() => EventData::Refund(Box::new(
            serde_json::from_value(parsed.data).map_err(bad_data)?,
        )),
        _ => EventData::Trade(Box::new(
            serde_json::from_value(parsed.data).map_err(bad_data)?,
        )),
    };
    Ok(Event {
        id,
        event_type: parsed.event_type,
        timestamp: parsed.timestamp,
        data,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_763_763_526;

    fn secret() -> WebhookSecret {
        WebhookSecret::from_key(b"0123456789abcdef0123456789abcdef".to_vec())
    }

    fn headers(signature: String) -> Vec<(String, String)> {
        vec![
            (ID_HEADER.into(), "msg_1".into()),
            (TIMESTAMP_HEADER.into(), NOW.to_string()),
            (SIGNATURE_HEADER.into(), signature),
        ]
    }

    #[test]
    fn the_body_is_hashed_once_per_secret_not_once_per_candidate() {
        let body = vec![b'x'; 1 << 20];
        let good = secret().sign("msg_1", NOW, &body);
        let wrong = WebhookSecret::from_key(b"other".to_vec()).sign("msg_1", NOW, &body);
        // The matching signature last, after the most wrong ones the header may carry.
        let mut candidates = vec![wrong; MAX_SIGNATURES - 1];
        candidates.push(good);
        let h = headers(candidates.join(" "));
        let before = hmacs_so_far();
        verify_signature(&secret(), &h, &body, DEFAULT_TOLERANCE, NOW).unwrap();
        assert_eq!(hmacs_so_far() - before, 1);

        // Two secrets (a rotation): two HMACs, whichever matches.
        let before = hmacs_so_far();
        let rotated = [WebhookSecret::from_key(b"old".to_vec()), secret()];
        verify_signature_any(&rotated, &h, &body, DEFAULT_TOLERANCE, NOW).unwrap();
        assert_eq!(hmacs_so_far() - before, 2);
    }

    #[test]
    fn two_hundred_candidates_are_refused_before_any_hmac() {
        let body = vec![b'x'; 1 << 20];
        let good = secret().sign("msg_1", NOW, &body);
        let h = headers(vec![good; 200].join(" "));
        let before = hmacs_so_far();
        let e = verify_signature(&secret(), &h, &body, DEFAULT_TOLERANCE, NOW).unwrap_err();
        assert_eq!(hmacs_so_far() - before, 0);
        assert_eq!(e.kind(), crate::ErrorKind::Webhook);
        assert_eq!(
            e.to_string(),
            "header webhook-signature has more than 16 signatures"
        );
        // The cap itself is allowed.
        let h = headers(vec![secret().sign("msg_1", NOW, &body); 16].join(" "));
        verify_signature(&secret(), &h, &body, DEFAULT_TOLERANCE, NOW).unwrap();
    }

    #[test]
    fn too_many_secrets_are_an_option_error() {
        let body = b"{}";
        let h = headers(secret().sign("msg_1", NOW, body));
        let many = vec![secret(); MAX_SECRETS + 1];
        let e = verify_signature_any(&many, &h, body, DEFAULT_TOLERANCE, NOW).unwrap_err();
        assert!(e.is_validation());
        assert_eq!(
            e.to_string(),
            "secret: at most 8 webhook secrets may be given at once"
        );
        assert!(
            verify_signature_any(&many[..MAX_SECRETS], &h, body, DEFAULT_TOLERANCE, NOW).is_ok()
        );
        assert!(verify_signature_any(&[], &h, body, DEFAULT_TOLERANCE, NOW).is_err());
    }

    #[test]
    fn huge_tolerances_are_a_validation_error_not_an_overflow() {
        let body = b"{}";
        let h = headers(secret().sign("msg_1", NOW, body));
        for tolerance in [
            Duration::MAX,
            Duration::from_secs(u64::MAX / 2),
            Duration::from_secs(86_401),
        ] {
            let e = verify_signature(&secret(), &h, body, tolerance, NOW).unwrap_err();
            assert!(e.is_validation(), "{e:?}");
            assert_eq!(e.code(), None);
            assert_eq!(
                e.to_string(),
                "tolerance: must be between 0 and 86400 seconds"
            );
        }
        assert!(verify_signature(&secret(), &h, body, crate::duration::MAX_DURATION, NOW).is_ok());
        // Extreme clocks and timestamps do not overflow either.
        for now in [i64::MIN, i64::MAX] {
            let e = verify_signature(&secret(), &h, body, DEFAULT_TOLERANCE, now).unwrap_err();
            assert_eq!(e.kind(), crate::ErrorKind::Webhook);
        }
    }

    #[test]
    fn secrets_compare_by_value_and_wipe_on_drop() {
        fn wipes<T: zeroize::ZeroizeOnDrop>() {}
        wipes::<WebhookSecret>();
        wipes::<crate::Secret>();
        assert_eq!(secret(), secret());
        assert_ne!(
            secret(),
            WebhookSecret::from_key(b"0123456789abcdef0123456789abcdeF".to_vec())
        );
        assert_ne!(secret(), WebhookSecret::from_key(b"0123".to_vec()));
        assert_eq!(crate::Secret::new("sk_1"), crate::Secret::new("sk_1"));
        assert_ne!(crate::Secret::new("sk_1"), crate::Secret::new("sk_2"));
    }

    #[test]
    fn event_debug_masks_tokens_and_card_data() {
        let data = serde_json::json!({
            "status": "SUCCESS", "trade_id": "tr_1", "payment_token": "tok_SECRETTOKEN99",
            "payment_method_data": {"card": {"number": "4242424242424242", "cvc": "987",
                "exp_month": "11", "exp_year": "2031"}},
            "auth_code": "28763443825664731"
        });
        let body = EventBody {
            event_type: EventType::from_wire("trade.succeeded"),
            timestamp: "2026-11-21T22:18:46Z".into(),
            data: data.clone(),
        };
        let unknown = EventData::Unknown(data.clone());
        let trade = EventData::Trade(Box::new(serde_json::from_value(data).unwrap()));
        for text in [
            format!("{body:?}"),
            format!("{unknown:?}"),
            format!("{trade:?}"),
        ] {
            for secret in [
                "tok_SECRETTOKEN99",
                "4242424242424242",
                "987",
                "2031",
                "28763443825664731",
            ] {
                assert!(!text.contains(secret), "{secret} in {text}");
            }
        }
    }

    #[test]
    fn error_texts_leave_out_the_values_serde_quotes() {
        let body = br#"{"type":"trade.succeeded","timestamp":"t","data":{"status":"SUCCESS","metadata":"tok_SECRETTOKEN99"}}"#;
        let h = headers(secret().sign("msg_1", NOW, body));
        let e = verify(&secret(), &h, body, DEFAULT_TOLERANCE, NOW).unwrap_err();
        let text = e.to_string();
        assert!(
            text.starts_with("webhook data is not valid: invalid type"),
            "{text}"
        );
        assert!(!text.contains("SECRETTOKEN"), "{text}");
    }
}
