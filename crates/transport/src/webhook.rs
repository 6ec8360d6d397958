//! Verifying webhook deliveries (protocol §7) against the real clock.

use std::time::Duration;

pub use tradepay_types::webhook::{
    verify_signature, EventBody, HeaderSource, WebhookSecret, DEFAULT_TOLERANCE, ID_HEADER,
    SIGNATURE_HEADER, TIMESTAMP_HEADER,
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
    crate::builder::check_duration("tolerance", tolerance)?;
    let secret = WebhookSecret::parse(secret).map_err(Error::from)?;
    tradepay_types::webhook::verify(
        &secret,
        headers,
        body,
        tolerance,
        tradepay_types::time::now_unix(),
    )
    .map_err(Error::from)
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
