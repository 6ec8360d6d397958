//! Property tests: amounts, envelopes, open enums, orders, metadata and webhooks.

use std::collections::BTreeMap;
use std::time::Duration;

use proptest::prelude::*;
use serde_json::{Map, Value};
use tradepay_types::webhook::{self, WebhookSecret};
use tradepay_types::*;

/// The accepted amount form, written independently of the parser: `^[0-9]+(\.[0-9]{1,2})?$`
/// and 0.01 ≤ value ≤ 9999999999.99. Returns the value in hundredths.
fn oracle(text: &str) -> Option<u64> {
    let (whole, frac) = match text.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (text, None),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || frac.is_some_and(|f| !digits(f) || f.len() > 2) {
        return None;
    }
    let whole = whole.trim_start_matches('0');
    if whole.len() > 10 {
        return None;
    }
    let units: u64 = if whole.is_empty() {
        0
    } else {
        whole.parse().ok()?
    };
    let frac = frac.unwrap_or("");
    let cents: u64 = format!("{frac:0<2}").parse().ok()?;
    let value = units * 100 + cents;
    (1..=999_999_999_999).contains(&value).then_some(value)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn amount_display_parses_back(h in 1u64..=999_999_999_999) {
        let a = Amount::from_hundredths(h).unwrap();
        let text = a.to_string();
        prop_assert_eq!(Amount::parse(&text).unwrap(), a);
        prop_assert_eq!(a.hundredths(), h);
        let (_, frac) = text.split_once('.').unwrap();
        prop_assert_eq!(frac.len(), 2);
        let json = serde_json::to_string(&a).unwrap();
        prop_assert_eq!(serde_json::from_str::<Amount>(&json).unwrap(), a);
    }

    #[test]
    fn amount_accepts_exactly_the_protocol_form(text in "[0-9]{0,13}(\\.[0-9]{0,3})?") {
        match (Amount::parse(&text), oracle(&text)) {
            (Ok(a), Some(h)) => prop_assert_eq!(a.hundredths(), h),
            (Err(e), None) => prop_assert_eq!(e.code(), Some("22070010")),
            (got, want) => prop_assert!(false, "{:?}: parser {:?}, oracle {:?}", text, got, want),
        }
    }

    #[test]
    fn amount_never_panics_on_any_string(text in "\\PC{0,24}") {
        match (Amount::parse(&text), oracle(&text)) {
            (Ok(a), Some(h)) => prop_assert_eq!(a.hundredths(), h),
            (Err(e), None) => {
                prop_assert_eq!(e.code(), Some("22070010"));
                prop_assert_eq!(e.field(), Some("amount"));
                prop_assert!(!e.message().is_empty());
            }
            (got, want) => prop_assert!(false, "{:?}: parser {:?}, oracle {:?}", text, got, want),
        }
    }

    #[test]
    fn amount_of_mixed_symbols(text in "[0-9.,eE+\\- _']{0,16}") {
        prop_assert_eq!(Amount::parse(&text).ok().map(Amount::hundredths), oracle(&text));
    }

    #[test]
    fn amount_arithmetic_is_exact(a in 0u64..=999_999_999_999, b in 0u64..=999_999_999_999) {
        let (x, y) = (Amount::from_hundredths(a).unwrap(), Amount::from_hundredths(b).unwrap());
        prop_assert_eq!(x.checked_add(y).map(Amount::hundredths), (a + b <= 999_999_999_999).then_some(a + b));
        prop_assert_eq!(x.checked_sub(y).map(Amount::hundredths), a.checked_sub(b));
        prop_assert_eq!(x.cmp(&y), a.cmp(&b));
    }
}

fn json_leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        "\\PC{0,12}".prop_map(Value::String),
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    json_leaf().prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-z_]{1,8}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn envelope() -> impl Strategy<Value = Envelope> {
    (
        "[0-9]{8}",
        "\\PC{0,20}",
        "[0-9a-f]{0,16}",
        prop::option::of(prop::collection::btree_map(
            "[a-z_]{1,10}",
            json_value(),
            0..5,
        )),
    )
        .prop_map(|(code, message, trace_id, data)| Envelope {
            code,
            message,
            trace_id,
            data: data.map(|m| m.into_iter().collect::<Map<String, Value>>()),
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn envelope_round_trips(env in envelope()) {
        let bytes = env.to_vec();
        let back = Envelope::parse(&bytes).unwrap();
        prop_assert_eq!(&back, &env);
        let secret = Secret::new("sk");
        let opened = response::open_response(&secret, &bytes, Some(&secret.sign(&bytes))).unwrap();
        prop_assert_eq!(opened, env);
    }

    #[test]
    fn envelope_parse_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        let _ = Envelope::parse(&bytes);
        let _ = IncomingRequest::parse(&bytes);
    }

    #[test]
    fn open_enums_keep_every_value(raw in "\\PC{0,20}") {
        macro_rules! check {
            ($($t:ty),*) => {$(
                let v = <$t>::from_wire(&raw);
                prop_assert_eq!(v.as_str(), raw.as_str());
                prop_assert_eq!(v.is_known(), <$t>::KNOWN.iter().any(|k| k.as_str() == raw));
                let json = serde_json::to_value(&v).unwrap();
                prop_assert_eq!(&json, &Value::String(raw.clone()));
                let back: $t = serde_json::from_value(json).unwrap();
                prop_assert_eq!(back, v);
            )*};
        }
        check!(Status, TradeStatus, RefundStatus, PaymentMode, PaymentMethod, NextActionType, TransType, EventType);
    }
}

fn opt_text() -> impl Strategy<Value = Option<String>> {
    prop::option::of("\\PC{0,16}")
}

fn opt_amount() -> impl Strategy<Value = Option<Amount>> {
    prop::option::of((0u64..=999_999_999_999).prop_map(|h| Amount::from_hundredths(h).unwrap()))
}

fn status() -> impl Strategy<Value = Status> {
    prop_oneof![
        Just(Status::Pending),
        Just(Status::Success),
        Just(Status::Failed),
        Just(Status::Closed),
        "[A-Z_]{1,10}".prop_map(|s| Status::from_wire(&s)),
    ]
}

fn trade() -> impl Strategy<Value = Trade> {
    (
        (
            status(),
            opt_text(),
            opt_text(),
            opt_text(),
            opt_text(),
            opt_amount(),
        ),
        (
            opt_text(),
            prop::option::of(prop::collection::btree_map("\\PC{1,8}", "\\PC{0,8}", 0..3)),
            prop::option::of(
                (opt_text(), opt_text()).prop_map(|(code, message)| PaymentError { code, message }),
            ),
            prop::option::of(("[a-z_]{1,10}", prop::option::of(opt_text())).prop_map(
                |(t, url)| NextAction {
                    action_type: NextActionType::from_wire(&t),
                    redirect: url.map(|url| NextActionRedirect { url }),
                },
            )),
        ),
        (
            opt_text().prop_map(|o| o.map(|s| PaymentMode::from_wire(&s))),
            opt_text().prop_map(|o| o.map(|s| PaymentMethod::from_wire(&s))),
            opt_text().prop_map(|o| o.map(|s| TradeStatus::from_wire(&s))),
            opt_text().prop_map(|o| o.map(|s| RefundStatus::from_wire(&s))),
            opt_amount(),
            opt_text(),
        ),
    )
        .prop_map(
            |(
                (status, trade_id, order_id, merchant_id, currency, amount),
                (paid_at, metadata, err, next),
                (mode, method, ts, rs, refunded, token),
            )| {
                let mut t = Trade::with_status(status);
                t.trade_id = trade_id;
                t.order_id = order_id;
                t.merchant_id = merchant_id;
                t.currency = currency;
                t.amount = amount;
                t.paid_at = paid_at;
                t.metadata = metadata;
                t.last_payment_error = err;
                t.next_action = next;
                t.payment_mode = mode;
                t.payment_method = method;
                t.trade_status = ts;
                t.refund_status = rs;
                t.total_refunded_amount = refunded;
                t.payment_token = token;
                t
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn trade_serde_round_trips(t in trade()) {
        let json = serde_json::to_string(&t).unwrap();
        let back: Trade = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(back, t);
    }

    #[test]
    fn refund_serde_round_trips(s in status(), ids in (opt_text(), opt_text(), opt_text()), amount in opt_amount(), reason in opt_text()) {
        let mut r = Refund::with_status(s);
        r.refund_id = ids.0;
        r.trade_id = ids.1;
        r.order_id = ids.2;
        r.amount = amount;
        r.reason = reason;
        let json = serde_json::to_string(&r).unwrap();
        let back: Refund = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(back, r);
    }

    #[test]
    fn metadata_limits_in_utf8_bytes(map in prop::collection::btree_map("[a-zé€😀\"\\\\]{0,24}", "[a-zé€😀\"\\\\\n]{0,200}", 0..8)) {
        let md = Metadata(map.clone());
        // Independent size: compact JSON, non-ASCII raw, '"', '\' and newline escaped.
        let escaped = |s: &str| 2 + s.len() + s.bytes().filter(|b| matches!(b, b'"' | b'\\' | b'\n')).count();
        let size = 2 + map.iter().map(|(k, v)| escaped(k) + 1 + escaped(v)).sum::<usize>() + map.len().saturating_sub(1);
        prop_assert_eq!(md.to_compact_json().len(), size);
        let ok = map.iter().all(|(k, v)| !k.is_empty() && k.len() <= 40 && v.len() <= 500) && size <= 1024;
        let got = md.validate();
        prop_assert_eq!(got.is_ok(), ok, "{:?}", got);
        if let Err(e) = got {
            prop_assert_eq!(e.code(), Some("22070012"));
        }
    }

    #[test]
    fn webhooks_signed_with_the_key_verify_and_nothing_else_does(
        key in prop::collection::vec(any::<u8>(), 1..64),
        id in "[A-Za-z0-9_]{1,32}",
        body in "\\PC{0,64}",
        ts in 0i64..4_000_000_000,
        skew in -300i64..=300,
    ) {
        let secret = WebhookSecret::from_key(key.clone());
        prop_assert_eq!(WebhookSecret::parse(&secret.to_whsec()).unwrap(), secret.clone());
        let headers = vec![
            ("webhook-id", id.clone()),
            ("webhook-timestamp", ts.to_string()),
            ("webhook-signature", secret.sign(&id, ts, body.as_bytes())),
        ];
        let tol = Duration::from_secs(300);
        prop_assert!(webhook::verify_signature(&secret, &headers, body.as_bytes(), tol, ts + skew).is_ok());
        prop_assert!(webhook::verify_signature(&secret, &headers, body.as_bytes(), tol, ts + 301 + skew.abs()).is_err());
        prop_assert!(webhook::verify_signature(&secret, &headers, body.as_bytes(), tol, ts - 301 - skew.abs()).is_err());
        let mut other_key = key;
        other_key[0] ^= 1;
        let other = WebhookSecret::from_key(other_key);
        prop_assert!(webhook::verify_signature(&other, &headers, body.as_bytes(), tol, ts).is_err());
        let tampered = format!("{body} ");
        prop_assert!(webhook::verify_signature(&secret, &headers, tampered.as_bytes(), tol, ts).is_err());
    }

    #[test]
    fn request_signatures_bind_the_exact_body(secret in "\\PC{0,24}", body in prop::collection::vec(any::<u8>(), 0..128), flip in any::<prop::sample::Index>()) {
        let secret = Secret::new(secret);
        let sig = secret.sign(&body);
        prop_assert!(secret.verify(&body, &sig).is_ok());
        if !body.is_empty() {
            let mut changed = body.clone();
            changed[flip.index(body.len())] ^= 0x01;
            prop_assert!(secret.verify(&changed, &sig).is_err());
        }
    }
}

#[test]
fn metadata_map_type_is_a_btree() {
    // Sorted keys: the bytes measured are the bytes sent, in a stable order.
    let md: Metadata = [("b", "1"), ("a", "2")].into_iter().collect();
    assert_eq!(md.to_compact_json(), r#"{"a":"2","b":"1"}"#);
    let _: &BTreeMap<String, String> = &md.0;
}

proptest! {
    #[test]
    fn envelope_floats_round_trip(x in any::<f64>().prop_filter("finite", |x| x.is_finite())) {
        let body = format!(r#"{{"code":"00000000","message":"","traceId":"","data":{{"n":{x:e}}}}}"#);
        let env = Envelope::parse(body.as_bytes()).unwrap();
        prop_assert_eq!(env.data.as_ref().unwrap()["n"].as_f64(), Some(x));
        prop_assert_eq!(Envelope::parse(&env.to_vec()).unwrap(), env);
    }
}
