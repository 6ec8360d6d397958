//! Verifying webhook deliveries (protocol §7) against the real clock.

use std::time::Duration;

use crate::options::Spelling;

pub use tradepay_types::webhook::{
    verify_signature, EventBody, HeaderSource, SignedHeaders, WebhookSecret, DEFAULT_TOLERANCE,
    ID_HEADER, MAX_SECRETS, SIGNATURE_HEADER, TIMESTAMP_HEADER,
};
pub use tradepay_types::{Event, EventData};

use crate::error::Error;

/// Verifies a delivery with the `whsec_…` secret and reads its event.
///
/// The signature must match (compared in constant time) and `webhook-timestamp` must be
/// within `tolerance` of the system clock either way. Every failure is an
/// [`crate::ErrorKind::Webhook`] error. Drop duplicates by [`Event::id`]. A `tolerance` over
/// a day ([`tradepay_types::duration::MAX_DURATION`]) is a validation error: it would accept
/// a replay of any delivery ever signed.
pub fn verify(
    body: &[u8],
    headers: &dyn HeaderSource,
    secret: &str,
    tolerance: Duration,
) -> Result<Event, Error> {
    verify_any(body, headers, &[secret], tolerance)
}

/// [`verify`] during a key rotation: the delivery verifies when any one of `secrets` signed
/// it (at most [`MAX_SECRETS`]).
pub fn verify_any<S: AsRef<str>>(
    body: &[u8],
    headers: &dyn HeaderSource,
    secrets: &[S],
    tolerance: Duration,
) -> Result<Event, Error> {
    verify_at(
        body,
        headers,
        secrets,
        tolerance,
        tradepay_types::time::now_unix(),
    )
}

/// [`verify_any`] at a fixed time `now` (Unix seconds) instead of the system clock: for
/// replaying recorded deliveries and for tests.
pub fn verify_at<S: AsRef<str>>(
    body: &[u8],
    headers: &dyn HeaderSource,
    secrets: &[S],
    tolerance: Duration,
    now: i64,
) -> Result<Event, Error> {
    crate::builder::check_duration("tolerance", tolerance)?;
    let secrets = parse_secrets(secrets)?;
    tradepay_types::webhook::verify_any(&secrets, headers, body, tolerance, now)
        .map_err(Error::from)
}

fn parse_secrets<S: AsRef<str>>(secrets: &[S]) -> Result<Vec<WebhookSecret>, Error> {
    if secrets.len() > MAX_SECRETS {
        return Err(tradepay_types::Error::option(
            "secret",
            format!("at most {MAX_SECRETS} webhook secrets may be given at once"),
        )
        .into());
    }
    secrets
        .iter()
        .map(|s| WebhookSecret::parse(s.as_ref()).map_err(Error::from))
        .collect()
}

/// The part of a delivery that a binding was handed in a form it cannot read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unreadable {
    /// The body: it must be the raw bytes received, since the signature covers exactly them.
    Body,
    /// The headers.
    Headers,
    /// The Fetch API `Request` of Node's `verifyRequest`.
    Request,
}

/// The WebhookVerificationError for a body or headers of a type a binding cannot read, `got`
/// being that type in the caller's language. A delivery is the sender's input, so a handler
/// that answers 400 on this error answers it for these too.
pub fn unreadable(part: Unreadable, got: &str, spelling: Spelling) -> Error {
    let (field, accepted) = match (part, spelling) {
        (Unreadable::Body, Spelling::Python) => (
            "body",
            "the raw request body as bytes or str (Flask: request.get_data(), \
             Django: request.body, Starlette and FastAPI: await request.body())",
        ),
        (Unreadable::Body, Spelling::Node) => (
            "body",
            "the raw request body as a Buffer, Uint8Array, ArrayBuffer or string \
             (with Express use express.raw({ type: 'application/json' }))",
        ),
        (Unreadable::Headers, Spelling::Python) => (
            "headers",
            "a mapping of header names to values or a list of (name, value) pairs, \
             like request.headers",
        ),
        (Unreadable::Headers, Spelling::Node) => (
            "headers",
            "the request's headers: Node's req.headers, a Headers, a Map or a list of \
             [name, value] pairs",
        ),
        (Unreadable::Request, _) => (
            "request",
            "a Fetch API Request whose body has not been read (Next.js, Hono, Bun, Deno)",
        ),
    };
    tradepay_types::Error::webhook_about(field, format!("must be {accepted}, not {got}")).into()
}

/// The ValidationError for a webhook secret that is neither a string nor a list of strings.
pub fn wrong_secret(got: &str, spelling: Spelling) -> Error {
    let accepted = match spelling {
        Spelling::Python => "a str or a list of str",
        Spelling::Node => "a string or an array of strings",
    };
    tradepay_types::Error::option("secret", format!("must be {accepted}, not {got}")).into()
}

/// Signs `body` as the gateway signs a delivery and returns the three headers, so that a
/// webhook handler can be tested without a gateway. `id` defaults to a fresh `msg_…` and
/// `timestamp` to now (Unix seconds).
pub fn sign(
    body: &[u8],
    secret: &str,
    id: Option<&str>,
    timestamp: Option<i64>,
) -> Result<SignedHeaders, Error> {
    let secret = WebhookSecret::parse(secret).map_err(Error::from)?;
    let fresh;
    let id = match id {
        Some(id) => id,
        None => {
            fresh = format!("msg_{:032x}", rand::random::<u128>());
            &fresh
        }
    };
    let timestamp = timestamp.unwrap_or_else(tradepay_types::time::now_unix);
    tradepay_types::webhook::sign(&secret, body, id, timestamp).map_err(Error::from)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    #[test]
    fn an_enormous_tolerance_is_refused_not_a_replay_window() {
        let secret = WebhookSecret::from_key(b"0123456789abcdef".to_vec());
        let body = br#"{"type":"trade.succeeded","timestamp":"2026-11-21T22:18:46Z","data":{"status":"SUCCESS","order_id":"o_1"}}"#;
        // Signed ten years ago: only an unbounded tolerance would accept it.
        let then = tradepay_types::time::now_unix() - 10 * 365 * 86_400;
        let headers = vec![
            ("webhook-id", "msg_old".to_owned()),
            ("webhook-timestamp", then.to_string()),
            ("webhook-signature", secret.sign("msg_old", then, body)),
        ];
        let whsec = secret.to_whsec();
        for tolerance in [Duration::MAX, Duration::from_secs(86_401)] {
            let e = verify(body, &headers, &whsec, tolerance).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Validation, "{tolerance:?}");
            assert_eq!(e.field(), Some("tolerance"));
        }
        let e = verify(body, &headers, &whsec, Duration::from_secs(86_400)).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Webhook);
    }

    #[test]
    fn a_signed_delivery_verifies_with_any_secret_of_a_rotation() {
        let old = WebhookSecret::from_key(b"old key old key!".to_vec()).to_whsec();
        let new = WebhookSecret::from_key(b"new key new key!".to_vec()).to_whsec();
        let body = br#"{"type":"refund.succeeded","timestamp":"2026-11-21T22:18:46Z","data":{"status":"SUCCESS","refund_id":"r_1"}}"#;
        let signed = sign(body, &old, None, None).unwrap();
        assert!(
            signed.id.starts_with("msg_") && signed.id.len() == 36,
            "{}",
            signed.id
        );
        let headers = signed.pairs().to_vec();
        let event = verify_any(body, &headers, &[&new, &old], DEFAULT_TOLERANCE).unwrap();
        assert_eq!(event.id, signed.id);
        assert_eq!(
            event.refund().and_then(|r| r.refund_id.as_deref()),
            Some("r_1")
        );
        assert!(event.trade().is_none());
        let e = verify_any(body, &headers, &[&new], DEFAULT_TOLERANCE).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Webhook);
        let none: [&str; 0] = [];
        let e = verify_any(body, &headers, &none, DEFAULT_TOLERANCE).unwrap_err();
        assert_eq!(
            (e.kind(), e.field()),
            (ErrorKind::Validation, Some("secret"))
        );
        let e = sign(body, &old, Some("has space"), None).unwrap_err();
        assert_eq!((e.kind(), e.field()), (ErrorKind::Validation, Some("id")));
        // Two calls never share an id.
        assert_ne!(sign(body, &old, None, None).unwrap().id, signed.id);
    }

    #[test]
    fn verifies_with_the_real_clock() {
        let secret = WebhookSecret::from_key(b"0123456789abcdef".to_vec());
        let body = br#"{"type":"trade.succeeded","timestamp":"2026-11-21T22:18:46Z","data":{"status":"SUCCESS","order_id":"o_1"}}"#;
        let now = tradepay_types::time::now_unix();
        let sig = secret.sign("msg_1", now, body);
        let headers = vec![
            ("webhook-id", "msg_1".to_owned()),
            ("webhook-timestamp", now.to_string()),
            ("webhook-signature", sig),
        ];
        let event = verify(body, &headers, &secret.to_whsec(), DEFAULT_TOLERANCE).unwrap();
        assert_eq!(event.id, "msg_1");
        let e = verify(
            body,
            &headers,
            "whsec_AAAAAAAAAAAAAAAAAAAAAA==",
            DEFAULT_TOLERANCE,
        )
        .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Webhook);
        let e = verify(body, &headers, "not base64 !!", DEFAULT_TOLERANCE).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Webhook);
        let old = vec![
            ("webhook-id", "msg_1".to_owned()),
            ("webhook-timestamp", (now - 1000).to_string()),
            ("webhook-signature", secret.sign("msg_1", now - 1000, body)),
        ];
        assert_eq!(
            verify(body, &old, &secret.to_whsec(), DEFAULT_TOLERANCE)
                .unwrap_err()
                .kind(),
            ErrorKind::Webhook
        );
    }
}
