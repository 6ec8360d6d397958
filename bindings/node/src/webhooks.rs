//! `webhooks.verify`, `webhooks.sign` and the checks of `webhooks.verifyRequest`: JS bodies,
//! headers and secrets to bytes and strings; the verifying and signing are the core's.

use napi::bindgen_prelude::Unknown;
use napi_derive::napi;
use serde_json::{Map, Value};
use tradepay_transport::options::Spelling;
use tradepay_transport::webhook::{self, Unreadable};
use tradepay_types::webhook::{Event, EventData};

use crate::convert::{seconds, to_js};
use crate::failure::{napi_err, sync_guard, Failure};
use crate::js::{self, Js};
use tradepay_types::describe;

fn unreadable(part: Unreadable, got: &str) -> Failure {
    webhook::unreadable(part, got, Spelling::Node).into()
}

/// A header value: a string, or a list of them (a header sent more than once), joined with
/// spaces, the separator of `webhook-signature`'s entries, so that a signature header sent
/// twice still verifies.
fn header_text(value: Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s),
        Value::Array(items) => items
            .into_iter()
            .map(|i| match i {
                Value::String(s) => Some(s),
                _ => None,
            })
            .collect::<Option<Vec<_>>>()
            .map(|parts| parts.join(" ")),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Node's header object (`IncomingHttpHeaders`) or a list of `[name, value]` pairs (what
/// `index.js` makes of a WHATWG `Headers` or a `Map`).
fn header_pairs(headers: Option<&Unknown<'_>>) -> Result<Vec<(String, String)>, Failure> {
    let Some(headers) = headers else {
        return Err(unreadable(Unreadable::Headers, "undefined"));
    };
    let j = Js::new(headers);
    let got = js::kind(j);
    let wrong = || unreadable(Unreadable::Headers, got);
    if got != "an object" && got != "an array" {
        return Err(wrong());
    }
    let mut pairs = Vec::new();
    match js::to_value(j, "headers").map_err(|_| wrong())? {
        Some(Value::Object(map)) => {
            for (name, value) in map {
                if value.is_null() {
                    continue;
                }
                pairs.push((name, header_text(value).ok_or_else(wrong)?));
            }
        }
        Some(Value::Array(items)) => {
            for item in items {
                let Value::Array(pair) = item else {
                    return Err(wrong());
                };
                let [Value::String(name), value] =
                    <[Value; 2]>::try_from(pair).map_err(|_| wrong())?
                else {
                    return Err(wrong());
                };
                pairs.push((name, header_text(value).ok_or_else(wrong)?));
            }
        }
        _ => return Err(wrong()),
    }
    Ok(pairs)
}

/// The exact bytes received; a string is taken as its UTF-8 encoding.
fn body_bytes(body: Option<&Unknown<'_>>) -> Result<Vec<u8>, Failure> {
    let Some(b) = body else {
        return Err(unreadable(Unreadable::Body, "undefined"));
    };
    if let Some(bytes) = js::bytes(b) {
        return Ok(bytes);
    }
    match js::string_bytes(b) {
        Some(text) => text.map_err(|f| Failure {
            class: describe::error_class("webhook"),
            ..f
        }),
        // The signature covers the exact bytes received: a body already parsed (by
        // express.json(), say) cannot be checked.
        None => Err(unreadable(Unreadable::Body, js::kind(Js::new(b)))),
    }
}

/// One secret, or an array of them during a rotation. A secret of the wrong type is the
/// server's own mistake, a ValidationError as for every other option.
fn secrets(secret: Option<&Unknown<'_>>) -> Result<Vec<String>, Failure> {
    let got = secret.map_or("undefined", |s| js::kind(Js::new(s)));
    if got != "an array" {
        return js::string_arg(secret, "secret")
            .map(|s| vec![s])
            .map_err(|f| {
                if got == "a string" {
                    f
                } else {
                    webhook::wrong_secret(got, Spelling::Node).into()
                }
            });
    }
    let wrong = || -> Failure { webhook::wrong_secret(got, Spelling::Node).into() };
    let read = secret.map(|s| js::to_value(Js::new(s), "secret"));
    match read.transpose().map_err(|_| wrong())?.flatten() {
        Some(Value::Array(items)) => items
            .into_iter()
            .map(|i| match i {
                Value::String(s) => Ok(s),
                _ => Err(wrong()),
            })
            .collect(),
        _ => Err(wrong()),
    }
}

/// The options object of a call, or None; anything else is a ValidationError.
fn options_object(options: Option<&Unknown<'_>>) -> Result<Option<Js>, Failure> {
    match options.map(Js::new) {
        Some(o) if js::kind(o) == "an object" => Ok(Some(o)),
        Some(o) if !matches!(js::kind(o), "undefined" | "null") => Err(Failure::validation(
            Some("options"),
            format!("must be an object, not {}", js::kind(o)),
        )),
        _ => Ok(None),
    }
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

/// Verifies a webhook delivery (protocol §7) and returns its event. Every failure of the
/// delivery is a WebhookVerificationError (one `catch` answers 400); none shows the secret
/// or the body.
#[napi(js_name = "verifyWebhook", catch_unwind)]
pub fn verify_webhook(
    body: Option<Unknown<'_>>,
    headers: Option<Unknown<'_>>,
    secret: Option<Unknown<'_>>,
    options: Option<Unknown<'_>>,
) -> napi::Result<Value> {
    let run = || -> Result<Value, Failure> {
        let secrets = secrets(secret.as_ref())?;
        let options = options_object(options.as_ref())?;
        let number = |what: &str| match options {
            Some(o) => js::number_option(o, what),
            None => Ok(None),
        };
        let tolerance = match number("toleranceSec")? {
            Some(t) => seconds(t, "toleranceSec")?,
            None => webhook::DEFAULT_TOLERANCE,
        };
        let now_sec = number("nowSec")?;
        let pairs = header_pairs(headers.as_ref())?;
        let bytes = body_bytes(body.as_ref())?;
        let event = match now_sec {
            None => webhook::verify_any(&bytes, &pairs, &secrets, tolerance)?,
            // A fixed "now", for replaying recorded deliveries (the shared test vectors).
            Some(now) if now.is_finite() => {
                webhook::verify_at(&bytes, &pairs, &secrets, tolerance, now as i64)?
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

/// Signs a delivery as the gateway does and returns its three headers, for testing a
/// handler: `{ 'webhook-id', 'webhook-timestamp', 'webhook-signature' }`.
#[napi(js_name = "signWebhook", catch_unwind)]
pub fn sign_webhook(
    body: Option<Unknown<'_>>,
    secret: Option<Unknown<'_>>,
    options: Option<Unknown<'_>>,
) -> napi::Result<Value> {
    let run = || -> Result<Value, Failure> {
        let secret = js::string_arg(secret.as_ref(), "secret")?;
        let options = options_object(options.as_ref())?;
        let (id, timestamp) = match options {
            Some(o) => (
                js::string_option(o, "id")?,
                js::number_option(o, "timestamp")?,
            ),
            None => (None, None),
        };
        let timestamp = match timestamp {
            Some(t) if t.is_finite() && t.fract() == 0.0 => Some(t as i64),
            Some(_) => {
                return Err(Failure::validation(
                    Some("timestamp"),
                    "must be a whole number of Unix seconds",
                ))
            }
            None => None,
        };
        let body = body_bytes(body.as_ref())?;
        let signed = webhook::sign(&body, &secret, id.as_deref(), timestamp)?;
        let mut out = Map::new();
        for (name, value) in signed.pairs() {
            out.insert(name.into(), value.into());
        }
        Ok(Value::Object(out))
    };
    sync_guard(run).map_err(napi_err)
}

/// The error of `webhooks.verifyRequest` for something that is not a Fetch API `Request`
/// with an unread body; `index.js` calls it and throws what it returns.
#[napi(js_name = "unreadableRequest", catch_unwind)]
pub fn unreadable_request(value: Option<Unknown<'_>>, body_used: bool) -> napi::Result<()> {
    let got = if body_used {
        "a Request whose body was already read"
    } else {
        value.as_ref().map_or("undefined", |v| js::kind(Js::new(v)))
    };
    Err(napi_err(unreadable(Unreadable::Request, got)))
}
