//! `webhooks.verify`: checks a delivery with the Rust verifier and returns the event.

use napi::bindgen_prelude::Unknown;
use napi_derive::napi;
use serde_json::{Map, Value};
use tradepay_types::webhook::{Event, EventData};

use crate::convert::{seconds, to_js};
use crate::failure::{napi_err, sync_guard, Failure};
use crate::js;
use tradepay_types::describe;

/// Node's header object (`IncomingHttpHeaders`): keys as given, a value a string or a list of
/// strings. A list is joined with spaces, the separator of `webhook-signature`'s entries, so
/// a signature header sent twice still verifies.
fn header_pairs(headers: Option<Value>) -> Result<Vec<(String, String)>, Failure> {
    let Some(Value::Object(map)) = headers else {
        return Err(Failure {
            class: describe::error_class("webhook"),
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

fn webhook_failure(field: &str, message: String) -> Failure {
    Failure {
        class: describe::error_class("webhook"),
        message: describe::shown_message("webhook", Some(field), &message),
        field: Some(field.to_owned()),
        ..Failure::default()
    }
}

/// Verifies a webhook delivery (protocol §7) and returns its event. Every failure is a
/// WebhookVerificationError (one `catch` answers 400); none shows the secret or the body.
#[napi(js_name = "verifyWebhook", catch_unwind)]
pub fn verify_webhook(
    body: Option<Unknown<'_>>,
    headers: Option<Unknown<'_>>,
    secret: Option<Unknown<'_>>,
    options: Option<Unknown<'_>>,
) -> napi::Result<Value> {
    let run = || -> Result<Value, Failure> {
        // What comes from the delivery (headers, body) fails as WebhookVerificationError, a
        // 400 for the sender; a secret or option of the wrong type is the server's own
        // mistake and a ValidationError, as for every other call.
        let as_webhook = |f: Failure| Failure {
            class: describe::error_class("webhook"),
            ..f
        };
        let secret = js::string_arg(secret.as_ref(), "secret")?;
        let headers = match headers.as_ref() {
            Some(h) => js::to_value(js::Js::new(h), "headers").map_err(as_webhook)?,
            None => None,
        };
        let pairs = header_pairs(headers)?;
        let options = options.as_ref().map(js::Js::new);
        let number = |what: &str| match options {
            Some(o) if js::kind(o) == "an object" => js::number_option(o, what),
            Some(o) if !matches!(js::kind(o), "undefined" | "null") => Err(Failure::validation(
                Some("options"),
                format!("must be an object, not {}", js::kind(o)),
            )),
            _ => Ok(None),
        };
        let tolerance = match number("toleranceSec")? {
            Some(t) => seconds(t, "toleranceSec")?,
            None => tradepay_types::webhook::DEFAULT_TOLERANCE,
        };
        let now_sec = number("nowSec")?;
        let bytes: Vec<u8> = match body.as_ref() {
            Some(b) => match js::bytes(b) {
                Some(bytes) => bytes,
                None => match js::string_bytes(b) {
                    Some(text) => text.map_err(as_webhook)?,
                    None => {
                        // The signature covers the exact bytes received: a body already
                        // parsed (by express.json(), say) cannot be checked.
                        return Err(webhook_failure(
                            "body",
                            format!(
                                "must be the raw request body as a Buffer, Uint8Array, ArrayBuffer or string, \
                                 not {} (with Express use express.raw({{ type: 'application/json' }}))",
                                js::kind(js::Js::new(b))
                            ),
                        ));
                    }
                },
            },
            None => {
                return Err(webhook_failure(
                    "body",
                    "must be the raw request body as a Buffer or string, not undefined".into(),
                ))
            }
        };
        let event = match now_sec {
            None => tradepay_transport::webhook::verify(&bytes, &pairs, &secret, tolerance)?,
            // A fixed "now", for replaying recorded deliveries (the shared test vectors).
            Some(now) if now.is_finite() => {
                let secret = tradepay_types::WebhookSecret::parse(&secret)?;
                tradepay_types::webhook::verify(&secret, &pairs, &bytes, tolerance, now as i64)?
            }
            Some(_) => {
                return Err(Failure::validation(
                    Some("nowSec"),
                    "must be a finite number of seconds",
                ))
            }
        };
        event_to_js(&event)
    };
    sync_guard(run).map_err(napi_err)
}
