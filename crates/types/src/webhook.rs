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

use crate::error::Error;
use crate::open_enum::EventType;
use crate::order::{Refund, Trade};

/// Header with the delivery's ID, the same on every retry.
pub const ID_HEADER: &str = "webhook-id";
/// Header with the Unix time the delivery was signed.
pub const TIMESTAMP_HEADER: &str = "webhook-timestamp";
/// Header with one or more space-separated `v1,<base64>` signatures.
pub const SIGNATURE_HEADER: &str = "webhook-signature";
/// The default tolerance: five minutes either way.
pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(300);

/// A webhook signing secret, written `whsec_<base64 key>`. Never shown in `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookSecret {
    key: Vec<u8>,
}

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
        let key = decoded.map_err(|_| {
            Error::webhook("webhook secret must be whsec_ followed by standard base64")
        })?;
        if key.is_empty() {
            return Err(Error::webhook("webhook secret must not be empty"));
        }
        Ok(WebhookSecret { key })
    }

    /// A secret from raw key bytes.
    pub fn from_key(key: impl Into<Vec<u8>>) -> WebhookSecret {
        WebhookSecret { key: key.into() }
    }

    /// The `whsec_` form.
    pub fn to_whsec(&self) -> String {
        format!("whsec_{}", STANDARD.encode(&self.key))
    }

    fn mac(&self, id: &str, timestamp: i64, body: &[u8]) -> Hmac<Sha256> {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.key)
            .unwrap_or_else(|_| unreachable!("HMAC accepts keys of every length"));
        mac.update(id.as_bytes());
        mac.update(b".");
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        mac
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

/// What a webhook event carries.
#[derive(Debug, Clone, PartialEq)]
pub enum EventData {
    /// An order (`trade.*` events).
    Trade(Box<Trade>),
    /// A refund (`refund.*` events).
    Refund(Box<Refund>),
    /// The data of an event type this version does not know, kept as it came.
    Unknown(Value),
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

/// The JSON body the gateway sends.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EventBody {
    /// The event type.
    #[serde(rename = "type")]
    pub event_type: EventType,
    /// RFC 3339, real clock.
    pub timestamp: String,
    /// The order or refund.
    pub data: Value,
}

/// Checks a delivery's signature and timestamp, without reading the body.
///
/// `now` is Unix seconds; the timestamp must be within `tolerance` of it either way. At
/// least one of the space-separated `v1` signatures must match, compared in constant time.
pub fn verify_signature(
    secret: &WebhookSecret,
    headers: &dyn HeaderSource,
    body: &[u8],
    tolerance: Duration,
    now: i64,
) -> Result<(), Error> {
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
    let tolerance = i64::try_from(tolerance.as_secs()).unwrap_or(i64::MAX);
    if timestamp < now.saturating_sub(tolerance) {
        return Err(Error::webhook(
            "webhook timestamp is too old (outside the tolerance)",
        ));
    }
    if timestamp > now.saturating_add(tolerance) {
        return Err(Error::webhook(
            "webhook timestamp is in the future (outside the tolerance)",
        ));
    }
    let mut saw_v1 = false;
    for candidate in signatures.split(' ').filter(|s| !s.is_empty()) {
        let Some(encoded) = candidate.strip_prefix("v1,") else {
            continue;
        };
        saw_v1 = true;
        let Ok(raw) = STANDARD.decode(encoded) else {
            continue;
        };
        if secret.mac(id, timestamp, body).verify_slice(&raw).is_ok() {
            return Ok(());
        }
    }
    Err(Error::webhook(if saw_v1 {
        "no webhook signature matches"
    } else {
        "header webhook-signature has no v1 signature"
    }))
}

/// Verifies a delivery and reads its event (protocol §7).
pub fn verify(
    secret: &WebhookSecret,
    headers: &dyn HeaderSource,
    body: &[u8],
    tolerance: Duration,
    now: i64,
) -> Result<Event, Error> {
    verify_signature(secret, headers, body, tolerance, now)?;
    let id = headers.header(ID_HEADER).unwrap_or_default().to_owned();
    let parsed: EventBody = serde_json::from_slice(body)
        .map_err(|e| Error::webhook(format!("webhook body is not a valid event: {e}")))?;
    let bad_data = |e: serde_json::Error| Error::webhook(format!("webhook data is not valid: {e}"));
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
