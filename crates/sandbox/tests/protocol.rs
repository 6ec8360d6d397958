//! The checks of protocol §2 in their order, every code, signing of answers, nonces.

mod common;

use common::*;
use serde_json::{json, Value};
use tradepay_sandbox::{Sandbox, SandboxConfig};
use tradepay_types::body::{encode_request, Stamp};
use tradepay_types::{Secret, TransType};

fn envelope_of(raw: &Raw) -> (String, Option<&str>) {
    (raw.envelope().code, raw.signature())
}

fn system(
    access_no: &str,
    timestamp: Value,
    nonce: Value,
    trans_type: Value,
    data: Value,
) -> Vec<u8> {
    let mut body = serde_json::Map::new();
    body.insert("transType".into(), trans_type);
    body.insert("accessNo".into(), json!(access_no));
    body.insert("timestamp".into(), timestamp);
    body.insert("nonce".into(), nonce);
    body.insert("data".into(), data);
    serde_json::to_vec(&body).unwrap()
}

#[tokio::test]
async fn fixed_credentials_are_used() {
    let config = SandboxConfig {
        access_no: Some("acc_fixed".into()),
        secret: Some("sk_fixed".into()),
        webhook_secret: Some("whsec_c2VjcmV0LWtleS1ieXRlcw==".into()),
        ..Default::default()
    };
    let sb = Sandbox::start(config).await.unwrap();
    assert_eq!(sb.access_no(), "acc_fixed");
    assert_eq!(sb.secret(), "sk_fixed");
    assert_eq!(sb.webhook_secret(), "whsec_c2VjcmV0LWtleS1ieXRlcw==");
    assert!(sb.url().starts_with("http://127.0.0.1:"));
    let generated = sandbox().await;
    assert!(generated.webhook_secret().starts_with("whsec_"));
    assert_ne!(generated.secret(), sb.secret());
    let c = TestClient::new(&sb);
    assert_eq!(
        c.ok("PAY", &card("o_fixed", "4242424242424242")).await.0,
        "00000000"
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn checks_come_in_protocol_order_with_their_codes() {
    let sb = sandbox().await;
    let c = TestClient::new(&sb);
    let now = tradepay_types::time::now_unix();
    let data = card("o_order", "4242424242424242");
    let good = |ts: i64, nonce: &str| {
        system(
            sb.access_no(),
            json!(ts),
            json!(nonce),
            json!("PAY"),
            data.clone(),
        )
    };
    let sign = |b: &[u8]| Some(c.secret.sign(b));

    // Query string first, even for an otherwise perfect request.
    let body = good(now, &fresh_nonce());
    let raw = c
        .post_raw("/v1/gateway?x=1", body.clone(), sign(&body))
        .await
        .unwrap();
    assert_eq!(envelope_of(&raw), ("10000006".into(), None));

    // Not an object / malformed system parameters: 10000001.
    for bad in [
        b"[1,2]".to_vec(),
        b"\"str\"".to_vec(),
        b"{".to_vec(),
        system(
            sb.access_no(),
            json!("123"),
            json!(fresh_nonce()),
            json!("PAY"),
            data.clone(),
        ),
        system(
            sb.access_no(),
            json!(now),
            json!("short"),
            json!("PAY"),
            data.clone(),
        ),
        system(
            "",
            json!(now),
            json!(fresh_nonce()),
            json!("PAY"),
            data.clone(),
        ),
        system(
            sb.access_no(),
            json!(1.5),
            json!(fresh_nonce()),
            json!("PAY"),
            data.clone(),
        ),
    ] {
        let raw = c
            .post_raw("/v1/gateway", bad.clone(), sign(&bad))
            .await
            .unwrap();
        assert_eq!(
            envelope_of(&raw),
            ("10000001".into(), None),
            "{}",
            String::from_utf8_lossy(&bad)
        );
    }
    // Unknown accessNo comes before the signature.
    let body = system(
        "acc_other",
        json!(now),
        json!(fresh_nonce()),
        json!("PAY"),
        data.clone(),
    );
    let raw = c.post_raw("/v1/gateway", body, None).await.unwrap();
    assert_eq!(envelope_of(&raw), ("10000005".into(), None));
    // Signature: missing, wrong secret, not base64 → 10000002, before the timestamp.
    let stale = good(now - 3600, &fresh_nonce());
    let raw = c
        .post_raw("/v1/gateway", stale.clone(), None)
        .await
        .unwrap();
    assert_eq!(envelope_of(&raw), ("10000002".into(), None));
    let wrong = Secret::new("wrong").sign(&stale);
    let raw = c
        .post_raw("/v1/gateway", stale.clone(), Some(wrong))
        .await
        .unwrap();
    assert_eq!(envelope_of(&raw), ("10000002".into(), None));
    let raw = c
        .post_raw("/v1/gateway", stale.clone(), Some("%%%".into()))
        .await
        .unwrap();
    assert_eq!(envelope_of(&raw), ("10000002".into(), None));
    // Timestamp window: ±300 s.
    let raw = c
        .post_raw("/v1/gateway", stale.clone(), sign(&stale))
        .await
        .unwrap();
    assert_eq!(envelope_of(&raw), ("10000003".into(), None));
    let future = good(now + 400, &fresh_nonce());
    let raw = c
        .post_raw("/v1/gateway", future.clone(), sign(&future))
        .await
        .unwrap();
    assert_eq!(envelope_of(&raw).0, "10000003");
    for extreme in [i64::MIN, i64::MAX, 0, -1] {
        let body = good(extreme, &fresh_nonce());
        let raw = c
            .post_raw("/v1/gateway", body.clone(), sign(&body))
            .await
            .unwrap();
        assert_eq!(
            envelope_of(&raw),
            ("10000003".into(), None),
            "timestamp {extreme}"
        );
    }
    let edge = good(now - 250, &fresh_nonce());
    let raw = c
        .post_raw("/v1/gateway", edge.clone(), sign(&edge))
        .await
        .unwrap();
    assert_eq!(raw.envelope().code, "00000000");

    // transType empty / absent / unknown: 22070030 / 22070031, signed.
    for (tt, code) in [
        (json!(""), "22070030"),
        (Value::Null, "22070030"),
        (json!("PAYOUT"), "22070031"),
        (json!(7), "22070031"),
    ] {
        let body = system(
            sb.access_no(),
            json!(now),
            json!(fresh_nonce()),
            tt,
            data.clone(),
        );
        let raw = c
            .post_raw("/v1/gateway", body.clone(), sign(&body))
            .await
            .unwrap();
        let env = raw.envelope();
        assert_eq!(env.code, code);
        c.secret
            .verify(&raw.body, raw.signature().unwrap())
            .unwrap();
        if code == "22070030" {
            assert_eq!(env.message, "Format error-transType cannot be empty");
        }
        assert_eq!(env.data.unwrap()["status"], "FAILED");
    }
}

#[tokio::test]
async fn nonces_are_spent_only_by_authenticated_requests() {
    let sb = sandbox().await;
    let c = TestClient::new(&sb);
    let now = tradepay_types::time::now_unix();
    let data = json!({"merchant_id": "m_1", "order_id": "o_nonce_missing"});
    let nonce = fresh_nonce();

    // Wrong signature: nonce not spent.
    let body = system(
        sb.access_no(),
        json!(now),
        json!(nonce),
        json!("QUERY"),
        data.clone(),
    );
    let raw = c
        .post_raw(
            "/v1/gateway",
            body.clone(),
            Some(Secret::new("x").sign(&body)),
        )
        .await
        .unwrap();
    assert_eq!(raw.envelope().code, "10000002");
    // Stale timestamp: nonce not spent.
    let stale = system(
        sb.access_no(),
        json!(now - 1000),
        json!(nonce),
        json!("QUERY"),
        data.clone(),
    );
    let raw = c
        .post_raw("/v1/gateway", stale.clone(), Some(c.secret.sign(&stale)))
        .await
        .unwrap();
    assert_eq!(raw.envelope().code, "10000003");
    // The first authenticated use spends it, even though the answer is an error (30000001).
    let raw = c
        .post_raw("/v1/gateway", body.clone(), Some(c.secret.sign(&body)))
        .await
        .unwrap();
    assert_eq!(raw.envelope().code, "30000001");
    // Any reuse — even with another body — is 10000004, unsigned.
    let raw = c
        .post_raw("/v1/gateway", body.clone(), Some(c.secret.sign(&body)))
        .await
        .unwrap();
    assert_eq!(envelope_of(&raw), ("10000004".into(), None));
    let other = system(
        sb.access_no(),
        json!(now + 1),
        json!(nonce),
        json!("PAY"),
        card("o_n", "4242424242424242"),
    );
    let raw = c
        .post_raw("/v1/gateway", other.clone(), Some(c.secret.sign(&other)))
        .await
        .unwrap();
    assert_eq!(raw.envelope().code, "10000004");
    assert!(sb.orders().is_empty(), "a replay does nothing");
    // A format error spends its nonce too.
    let n2 = fresh_nonce();
    let bad = system(
        sb.access_no(),
        json!(now),
        json!(n2),
        json!(""),
        data.clone(),
    );
    assert_eq!(
        c.post_raw("/v1/gateway", bad.clone(), Some(c.secret.sign(&bad)))
            .await
            .unwrap()
            .envelope()
            .code,
        "22070030"
    );
    assert_eq!(
        c.post_raw("/v1/gateway", bad.clone(), Some(c.secret.sign(&bad)))
            .await
            .unwrap()
            .envelope()
            .code,
        "10000004"
    );
}

#[tokio::test]
async fn business_field_codes() {
    let sb = sandbox().await;
    let c = TestClient::new(&sb);
    let base = card("o_fmt", "4242424242424242");
    let with = |k: &str, v: Value| {
        let mut d = base.clone();
        if v.is_null() {
            d.as_object_mut().unwrap().remove(k);
        } else {
            d[k] = v;
        }
        d
    };
    let cases = [
        (with("amount", json!(10.0)), "22070001"),
        (with("merchant_id", Value::Null), "22070001"),
        (with("order_id", json!("bad id!")), "22070001"),
        (with("payment_method", json!("cash")), "22070001"),
        (with("return_url", Value::Null), "22070001"),
        (
            with(
                "payment_method_data",
                json!({"micropay": {"auth_code": "1234567890"}}),
            ),
            "22070001",
        ),
        (with("metadata", json!({"k": 1})), "22070001"),
        (with("amount", json!("10.505")), "22070010"),
        (with("amount", json!("0")), "22070010"),
        (with("amount", json!("-1")), "22070010"),
        (with("amount", json!("10000000000.00")), "22070010"),
        (with("currency", json!("usd")), "22070011"),
        (with("currency", json!("XAU")), "22070011"),
        (with("metadata", json!({"k": "v".repeat(501)})), "22070012"),
        (with("payment_mode", json!("weekly")), "22070013"),
        (with("payment_token", json!("tok_x")), "22070013"),
    ];
    for (data, code) in cases {
        let env = c.call("PAY", &data).await;
        assert_eq!(env.code, code, "{data}");
        assert!(env.message.starts_with("Format error-"), "{}", env.message);
    }
    let mut jpy = base.clone();
    jpy["currency"] = json!("JPY");
    jpy["amount"] = json!("100.50");
    assert_eq!(c.call("PAY", &jpy).await.code, "22070010");
    assert_eq!(
        c.call("QUERY", &json!({"merchant_id": "m_1", "order_id": 5}))
            .await
            .code,
        "22070001"
    );
    let raw_data = system(
        sb.access_no(),
        json!(tradepay_types::time::now_unix()),
        json!(fresh_nonce()),
        json!("QUERY"),
        json!([1]),
    );
    let raw = c
        .post_raw(
            "/v1/gateway",
            raw_data.clone(),
            Some(c.secret.sign(&raw_data)),
        )
        .await
        .unwrap();
    assert_eq!(raw.envelope().code, "22070001");
    assert!(sb.orders().is_empty());
}

#[tokio::test]
async fn every_answer_but_auth_is_signed_with_the_secret() {
    let sb = sandbox().await;
    let c = TestClient::new(&sb);
    // `call` verifies signatures on every non-auth answer and their absence on auth ones.
    for (tt, data) in [
        ("PAY", card("o_sig", "4242424242424242")),
        ("QUERY", by_order("o_sig")),
        ("QUERY", by_order("o_missing")),
        ("REFUND", refund("o_sig", "r_sig", "1.00")),
        (
            "REFUND_QUERY",
            json!({"merchant_id": "m_1", "refund_id": "r_sig"}),
        ),
        ("REVERSAL", by_order("o_sig")),
        ("CLOSE", by_order("o_sig")),
    ] {
        let env = c.call(tt, &data).await;
        assert!(!env.trace_id.is_empty());
    }
    // The client-side opener in tradepay-types accepts what the sandbox sends.
    let raw = c.send("QUERY", &by_order("o_sig")).await.unwrap();
    let env =
        tradepay_types::response::open_response(&c.secret, &raw.body, raw.signature()).unwrap();
    assert_eq!(env.status().unwrap().as_str(), "CLOSED");
}

#[tokio::test]
async fn other_paths_and_methods() {
    let sb = sandbox().await;
    let c = TestClient::new(&sb);
    let req = http::Request::get(format!("{}/v1/gateway", sb.url()))
        .body(http_body_util::Full::new(bytes::Bytes::new()))
        .unwrap();
    assert_eq!(c.http.request(req).await.unwrap().status(), 405);
    let raw = c.post_raw("/v1/other", b"{}".to_vec(), None).await.unwrap();
    assert_eq!(raw.status, 404);
    let raw = c
        .post_raw("/sandbox/nope", b"{}".to_vec(), None)
        .await
        .unwrap();
    assert_eq!(raw.status, 404);
}

#[tokio::test]
async fn a_hand_encoded_request_matches_the_library_encoding() {
    // A client following protocol.md alone: the body is just JSON, signed as bytes.
    let sb = sandbox().await;
    let c = TestClient::new(&sb);
    let body = format!(
        r#"{{"transType":"PAY","accessNo":"{}","timestamp":{},"nonce":"{}","data":{{"merchant_id":"m_1","order_id":"o_hand","amount":"1","currency":"EUR","payment_method":"micropay","payment_method_data":{{"micropay":{{"auth_code":"98765432100"}}}}}}}}"#,
        sb.access_no(),
        tradepay_types::time::now_unix(),
        fresh_nonce()
    );
    let raw = c
        .post_raw(
            "/v1/gateway",
            body.clone().into_bytes(),
            Some(c.secret.sign(body.as_bytes())),
        )
        .await
        .unwrap();
    let env = raw.envelope();
    assert_eq!(env.code, "00000000");
    assert_eq!(env.data.unwrap()["amount"], "1.00");
    // And the library's encoder produces a body the sandbox accepts too.
    let stamp = Stamp {
        timestamp: tradepay_types::time::now_unix(),
        nonce: fresh_nonce(),
    };
    let data = by_order("o_hand").as_object().cloned().unwrap();
    let body = encode_request(&TransType::Query, sb.access_no(), &stamp, &data);
    let raw = c
        .post_raw("/v1/gateway", body.clone(), Some(c.secret.sign(&body)))
        .await
        .unwrap();
    assert_eq!(raw.envelope().code, "00000000");
}
