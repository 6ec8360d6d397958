//! `webhooks.verify`: checks a delivery with the Rust verifier and returns the event.

use napi::bindgen_prelude::{Buffer, Either3, Unknown};
use napi_derive::napi;
use serde_json::{Map, Value};
use tradepay_types::webhook::{Event, EventData};

use crate::convert::{seconds, to_js};
use crate::failure::{napi_err, Failure};

/// Node's header object (`IncomingHttpHeaders`): keys as given, a value a string or a list of
/// strings. A list is joined with spaces, the separator of `webhook-signature`'s entries, so
/// a signature header sent twice still verifies.
fn header_pairs(headers: Option<Value>) -> Result<Vec<(String, String)>, Failure> {
    let Some(Value::Object(map)) = headers else {
        return Err(Failure {
            kind: "WebhookVerification",
            message: "headers must be an object of header names to values, like req.headers".into(),
            ..Failure::default()
        });
    };
    let mut pairs = Vec::with_capacity(map.len());
    for (name, value) in map {
        let text = match value {
            Value::String(s) => s,
            Value::Array(items) => items
                .iter()
                .map(|i| match i {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .collect::<Vec<_>>()
                .join(" "),
            Value::Null => continue,
            other => other.to_string(),
        };
        pairs.push((name, text));
    }
    Ok(pairs)
}

/// An event as the plain object api.md describes: `id`, `type`, `timestamp`, `data`.
pub fn event_to_js(event: &Event) -> Result<Value, Failure> {
    let data = match &event.data {
        EventData::Trade(t) => to_js(t)?,
        EventData::Refund(r) => to_js(r)?,
        EventData::Unknown(v) => v.clone(),
    };
    let mut out = Map::new();
    out.insert("id".into(), event.id.clone().into());
    out.insert("type".into(), event.event_type.as_str().into());
    out.insert("timestamp".into(), event.timestamp.clone().into());
    out.insert("data".into(), data);
    Ok(Value::Object(out))
}

/// Verifies a webhook delivery (protocol §7) and returns its event.
#[napi(js_name = "verifyWebhook", catch_unwind)]
pub fn verify_webhook(
    body: Option<Either3<Buffer, String, Unknown<'_>>>,
    headers: Option<Value>,
    secret: String,
    tolerance_sec: Option<f64>,
    now_sec: Option<f64>,
) -> napi::Result<Value> {
    let run = || -> Result<Value, Failure> {
        let pairs = header_pairs(headers)?;
        let tolerance = match tolerance_sec {
            Some(t) => seconds(t, "toleranceSec")?,
            None => tradepay_types::webhook::DEFAULT_TOLERANCE,
        };
        let bytes: &[u8] = match &body {
            Some(Either3::A(buf)) => buf.as_ref(),
            Some(Either3::B(text)) => text.as_bytes(),
            // The signature covers the exact bytes received: a body already parsed (by
            // express.json(), say) cannot be checked.
            _ => return Err(Failure {
                kind: "WebhookVerification",
                message:
                    "body must be the raw request body as a Buffer or string, not a parsed object \
                              (with Express use express.raw({ type: 'application/json' }))"
                        .into(),
                ..Failure::default()
            }),
        };
        let event = match now_sec {
            None => tradepay_transport::webhook::verify(bytes, &pairs, &secret, tolerance)?,
            // A fixed "now", for replaying recorded deliveries (the shared test vectors).
            Some(now) => {
                let secret = tradepay_types::WebhookSecret::parse(&secret)?;
                tradepay_types::webhook::verify(&secret, &pairs, bytes, tolerance, now as i64)?
            }
        };
        event_to_js(&event)
    };
    run().map_err(napi_err)
}
