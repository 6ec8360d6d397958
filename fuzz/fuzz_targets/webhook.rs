//! Webhook verification: arbitrary headers and bodies never panic and never verify without
//! the key; a delivery signed with the key always verifies, and a changed body never does.
#![no_main]

use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use tradepay_types::webhook::{self, WebhookSecret};

const NOW: i64 = 1_763_763_526;

fuzz_target!(|data: &[u8]| {
    let secret = WebhookSecret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
    // Input: header lines "name: value" up to a NUL byte, then the body.
    let (head, body) = match data.iter().position(|&b| b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[][..]),
    };
    let head = String::from_utf8_lossy(head);
    let headers: Vec<(String, String)> = head
        .lines()
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let tolerance = Duration::from_secs(300);
    let _ = webhook::verify(&secret, &headers, body, tolerance, NOW);
    let _ = webhook::verify_signature(&secret, &headers, body, tolerance, NOW);
    // Also any whsec text.
    let _ = WebhookSecret::parse(&head);

    // Signing with the key: the signature check passes, whatever the id and body.
    let id = headers
        .first()
        .map(|(_, v)| v.clone())
        .unwrap_or_else(|| "msg_1".into());
    let offset = i64::from(data.first().copied().unwrap_or(0)) - 128;
    let ts = NOW + offset;
    let signed = vec![
        ("webhook-id".to_owned(), id.clone()),
        ("webhook-timestamp".to_owned(), ts.to_string()),
        ("webhook-signature".to_owned(), secret.sign(&id, ts, body)),
    ];
    webhook::verify_signature(&secret, &signed, body, tolerance, NOW)
        .expect("a delivery signed with the key verifies");
    if let Ok(event) = webhook::verify(&secret, &signed, body, tolerance, NOW) {
        assert_eq!(event.id, id);
    }
    let mut tampered = body.to_vec();
    tampered.push(b' ');
    assert!(webhook::verify_signature(&secret, &signed, &tampered, tolerance, NOW).is_err());
    // Outside the tolerance it fails, either way.
    assert!(webhook::verify_signature(&secret, &signed, body, tolerance, ts + 301).is_err());
    assert!(webhook::verify_signature(&secret, &signed, body, tolerance, ts - 301).is_err());
});
