//! Protocol §9 against a scripted gateway: what each failure says about the order, that
//! only `1000xxxx` answers may come unsigned, that an answer must be about its request,
//! that micropay never forgets a PAY that may have been processed, and that no input (a
//! `Retry-After`, a caller's duration) can panic the client.

mod common;
mod fixtures;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::*;
use serde_json::json;
use tradepay_transport::{ErrorKind, MICROPAY_REVERSAL_BUDGET};
use tradepay_types::{OrderRef, PayRequest, Secret, Status};

fn card(order_id: &str) -> PayRequest {
    fixtures::card_pay(order_id, "10.5", "usd", "123")
}

fn micropay(order_id: &str) -> PayRequest {
    fixtures::micropay_pay(order_id, "3", "1234567890123")
}

fn trans_types(server: &Scripted) -> Vec<String> {
    server
        .requests()
        .iter()
        .map(|r| r.json["transType"].as_str().unwrap_or("").to_owned())
        .collect()
}

#[tokio::test]
async fn every_5xx_is_outcome_unknown_and_429_is_not() {
    // (status, retried by the client, outcome unknown)
    for (status, retried, unknown) in [
        (429, true, false),
        (502, true, true),
        (503, true, true),
        (504, true, true),
        (500, false, true),
        (501, false, true),
        (507, false, true),
        (599, false, true),
    ] {
        let server = serve(move |_, _| {
            unsigned(status, envelope("90000001", json!(null)), &[("retry-after", "0")])
        })
        .await;
        let client = builder(&server.url).max_retries(1).build().unwrap();
        let e = client.pay(card("o_5xx")).await.unwrap_err();
        assert_eq!(e.http_status(), Some(status), "{status}");
        assert_eq!(e.is_outcome_unknown(), unknown, "{status}: {e}");
        assert_eq!(e.is_retryable(), retried, "{status}");
        assert_eq!(server.count(), if retried { 2 } else { 1 }, "{status}");
    }
}

#[tokio::test]
async fn a_2xx_other_than_200_is_outcome_unknown() {
    for status in [201, 202, 204, 206, 299] {
        let server = serve(move |_, _| Reply::Full {
            status,
            headers: vec![],
            body: if status == 204 { vec![] } else { b"{}".to_vec() },
        })
        .await;
        let client = builder(&server.url).build().unwrap();
        let e = client.pay(card("o_2xx")).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Protocol, "{status}");
        assert!(e.is_outcome_unknown(), "{status}: the PAY may have been processed");
        assert_eq!(server.count(), 1, "{status}: not retried");
    }
}

#[tokio::test]
async fn an_unknown_signed_9_code_is_outcome_unknown_and_busy_is_not() {
    for (code, unknown) in [
        ("99999999", true),
        ("91234567", true),
        ("90000002", true),
        ("90000001", false),
    ] {
        let server = serve(move |_, _| signed(envelope(code, json!({"status": "FAILED"})))).await;
        let client = builder(&server.url).max_retries(0).build().unwrap();
        let e = client.pay(card("o_9")).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Gateway, "{code}");
        assert_eq!(e.is_outcome_unknown(), unknown, "{code}");
    }
}

#[tokio::test]
async fn only_1000xxxx_may_come_unsigned() {
    // (code, signature: 0 none, 1 wrong key)
    for (code, how) in [
        ("10010001", 0),
        ("19999999", 0),
        ("12345678", 1),
        ("30000001", 0),
        ("22070001", 1),
    ] {
        let server = serve(move |_, _| {
            let body = serde_json::to_vec(&envelope(code, json!({"status": "FAILED"}))).unwrap();
            let headers = if how == 1 {
                vec![("x-signature".to_owned(), Secret::new("other").sign(&body))]
            } else {
                vec![]
            };
            Reply::Full {
                status: 200,
                headers,
                body,
            }
        })
        .await;
        let client = builder(&server.url).build().unwrap();
        let e = client.pay(card("o_unsigned")).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Signature, "{code}: {e}");
        assert_eq!(e.code(), None, "{code}: an untrusted code is not reported as the gateway's");
        assert!(e.is_outcome_unknown(), "{code}");
        assert_eq!(e.attempts(), 1, "{code}");
    }
    // The real authentication failures still read as such.
    let server = serve(|_, _| unsigned(200, envelope("10000002", json!(null)), &[])).await;
    let client = builder(&server.url).build().unwrap();
    let e = client.pay(card("o_auth")).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Authentication);
    assert_eq!(e.code(), Some("10000002"));
    assert!(!e.is_outcome_unknown());
}

/// A PAY whose answer is lost, then QUERYs answered by `answer`; counts the PAYs.
async fn micropay_after_a_lost_pay(
    answer: impl Fn(&Received) -> Reply + Send + Sync + 'static,
) -> (usize, Result<tradepay_types::Trade, tradepay_transport::Error>) {
    let pays = Arc::new(AtomicUsize::new(0));
    let p = pays.clone();
    let server = serve(move |_, r| match r.json["transType"].as_str().unwrap() {
        "PAY" => {
            p.fetch_add(1, Ordering::SeqCst);
            Reply::Close
        }
        "QUERY" => answer(r),
        _ => echo(r, "CLOSED"),
    })
    .await;
    let client = builder(&server.url).max_retries(0).build().unwrap();
    let result = client
        .micropay(micropay("o_np"), Duration::from_millis(1500))
        .await;
    (pays.load(Ordering::SeqCst), result)
}

#[tokio::test]
async fn micropay_never_pays_again_on_an_unsigned_not_found() {
    // A proxy's 503 page, and a 200 without signature, both saying 30000001.
    let (pays, result) =
        micropay_after_a_lost_pay(|_| unsigned(503, envelope("30000001", json!(null)), &[]))
            .await;
    assert_eq!(pays, 1, "an unsigned 503 saying 30000001 proves nothing");
    assert_eq!(result.unwrap().status, Status::Closed, "reversed at the deadline");

    let (pays, result) =
        micropay_after_a_lost_pay(|_| unsigned(200, envelope("30000001", json!(null)), &[]))
            .await;
    assert_eq!(pays, 1, "an unsigned 200 saying 30000001 proves nothing");
    assert_eq!(result.unwrap().status, Status::Closed);

    // Signed, it is believed: the PAY is sent again.
    let (pays, _) =
        micropay_after_a_lost_pay(|_| signed(envelope("30000001", json!({"status": "FAILED"}))))
            .await;
    assert!(pays >= 2, "a signed 30000001 means the gateway never saw the PAY");
}

#[tokio::test]
async fn micropay_reverses_when_a_second_pay_is_refused_after_a_lost_one() {
    let pays = Arc::new(AtomicUsize::new(0));
    let server = serve(move |_, r| match r.json["transType"].as_str().unwrap() {
        // The first PAY's answer is lost; the second is refused outright.
        "PAY" if pays.fetch_add(1, Ordering::SeqCst) == 0 => Reply::Close,
        "PAY" => signed(envelope("30000003", json!({"status": "FAILED"}))),
        "QUERY" => signed(envelope("30000001", json!({"status": "FAILED"}))),
        _ => echo(r, "CLOSED"),
    })
    .await;
    let client = builder(&server.url).max_retries(0).build().unwrap();
    let result = client
        .micropay(micropay("o_refused"), Duration::from_secs(3))
        .await;
    let kinds = trans_types(&server);
    // The first PAY may still be processed: the flow must reverse, never report "refused,
    // nothing charged".
    match result {
        Ok(t) => assert_eq!(t.status, Status::Closed),
        Err(e) => assert!(e.is_outcome_unknown(), "{e}"),
    }
    assert_eq!(kinds.last().map(String::as_str), Some("REVERSAL"), "{kinds:?}");
}

#[tokio::test]
async fn micropay_errors_after_a_maybe_processed_pay_are_outcome_unknown() {
    // The PAY is lost, then every QUERY fails definitively (a clock problem, say), then
    // the REVERSAL is refused too: the error must still say the outcome is unknown.
    let server = serve(|_, r| match r.json["transType"].as_str().unwrap() {
        "PAY" => Reply::Close,
        _ => signed(envelope("30000003", json!({"status": "FAILED"}))),
    })
    .await;
    let client = builder(&server.url).max_retries(0).build().unwrap();
    let e = client
        .micropay(micropay("o_forget"), Duration::from_secs(2))
        .await
        .unwrap_err();
    assert!(e.is_outcome_unknown(), "{e}");
    assert!(trans_types(&server).contains(&"REVERSAL".to_owned()));
}

#[tokio::test]
async fn micropay_does_not_take_a_non_final_reversal_answer_as_confirmed() {
    let server = serve(|_, r| echo(r, "PENDING")).await;
    let client = builder(&server.url).build().unwrap();
    let e = client
        .micropay(micropay("o_nonfinal"), Duration::from_millis(500))
        .await
        .unwrap_err();
    assert!(e.is_outcome_unknown(), "{e}");
    assert_eq!(e.trade().unwrap().status, Status::Pending);
    let reversals = trans_types(&server)
        .iter()
        .filter(|t| *t == "REVERSAL")
        .count();
    assert_eq!(reversals, 3, "each non-final answer is retried, three calls in all");
}

#[tokio::test]
async fn micropay_reversal_phase_is_bounded() {
    // Every REVERSAL stalls; the client keeps its default 30 s timeout and 2 retries.
    let server = serve(|_, r| match r.json["transType"].as_str().unwrap() {
        "REVERSAL" => Reply::Delay(Duration::from_secs(600), Box::new(Reply::Close)),
        _ => echo(r, "PENDING"),
    })
    .await;
    let client = builder(&server.url)
        .timeout(tradepay_transport::DEFAULT_TIMEOUT)
        .build()
        .unwrap();
    let started = Instant::now();
    let deadline = Duration::from_millis(300);
    let result = tokio::time::timeout(
        Duration::from_secs(30),
        client.micropay(micropay("o_bound"), deadline),
    )
    .await
    .expect("micropay must return within its documented bound, not minutes later");
    let elapsed = started.elapsed();
    let e = result.unwrap_err();
    assert!(e.is_outcome_unknown(), "{e}");
    assert!(
        elapsed < deadline + MICROPAY_REVERSAL_BUDGET + Duration::from_secs(2),
        "{elapsed:?}"
    );
}

#[tokio::test]
async fn huge_retry_after_never_panics() {
    for value in ["18446744073709551615", "18446744073709551614", "9223372036854775807"] {
        let server =
            serve(move |_, _| unsigned(429, json!({}), &[("retry-after", value)])).await;
        // With a deadline: the delay is compared with it.
        let client = builder(&server.url)
            .deadline(Duration::from_secs(5))
            .build()
            .unwrap();
        let e = client
            .query(OrderRef::OrderId("o_ra".into()), "m_1")
            .await
            .unwrap_err();
        assert_eq!(e.http_status(), Some(429), "{value}");
        assert_eq!(e.attempts(), 1, "{value}: not waited for");
        assert!(!e.is_outcome_unknown(), "{value}");
        // Without one, and inside the flows (which always have one).
        let client = builder(&server.url).build().unwrap();
        let e = client
            .query(OrderRef::OrderId("o_ra".into()), "m_1")
            .await
            .unwrap_err();
        assert_eq!(e.attempts(), 1, "{value}");
        let e = client
            .wait_final(OrderRef::OrderId("o_ra".into()), "m_1", Duration::from_millis(300))
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Timeout, "{value}");
        let e = client
            .micropay(micropay("o_ra"), Duration::from_millis(300))
            .await
            .unwrap_err();
        assert!(!e.is_outcome_unknown(), "{value}: a 429 was never processed");
    }
}

#[tokio::test]
async fn huge_durations_from_callers_are_validation_errors() {
    let server = serve(|_, r| echo(r, "SUCCESS")).await;
    for (name, b) in [
        ("timeout", builder(&server.url).timeout(Duration::MAX)),
        (
            "connect_timeout",
            builder(&server.url).connect_timeout(Duration::MAX),
        ),
        ("deadline", builder(&server.url).deadline(Duration::MAX)),
        (
            "deadline",
            builder(&server.url).deadline(Duration::from_secs(86_401)),
        ),
        (
            "retry_backoff",
            builder(&server.url).retry_backoff(Duration::MAX, Duration::MAX),
        ),
    ] {
        let e = b.build().unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Validation, "{name}");
        assert_eq!(e.field(), Some(name), "{name}: {e}");
    }
    let client = builder(&server.url).build().unwrap();
    let e = client
        .wait_final(OrderRef::OrderId("o_d".into()), "m_1", Duration::MAX)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Validation);
    assert_eq!(e.field(), Some("timeout"));
    let e = client
        .micropay(micropay("o_d"), Duration::MAX)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Validation);
    assert_eq!(e.field(), Some("deadline"));
    assert_eq!(server.count(), 0, "nothing was sent");
}

#[tokio::test]
async fn a_signed_answer_about_another_request_is_never_a_result() {
    // (what the answer changes, the call)
    let cases: Vec<(&str, serde_json::Value)> = vec![
        ("order_id", json!("o_other")),
        ("merchant_id", json!("m_other")),
        ("amount", json!("10.00")),
        ("currency", json!("EUR")),
    ];
    for (field, value) in cases {
        let v = value.clone();
        let server = serve(move |_, r| {
            let mut data = r.json["data"].clone();
            let mut t = trade(data["order_id"].as_str().unwrap(), "SUCCESS");
            for k in ["merchant_id", "amount", "currency"] {
                t[k] = data[k].take();
            }
            t[field] = v.clone();
            signed(envelope("00000000", t))
        })
        .await;
        let client = builder(&server.url).build().unwrap();
        let e = client.pay(card("o_mine")).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Protocol, "{field}");
        assert!(e.is_outcome_unknown(), "{field}");
        assert!(e.message().contains(field), "{field}: {e}");
        assert_eq!(server.count(), 1, "{field}: not retried");
    }
    // The same amount written differently is the same amount.
    let server = serve(|_, r| {
        let mut t = trade(r.json["data"]["order_id"].as_str().unwrap(), "SUCCESS");
        t["amount"] = json!("10.50");
        t["currency"] = json!("USD");
        signed(envelope("00000000", t))
    })
    .await;
    let client = builder(&server.url).build().unwrap();
    let mut req = card("o_same");
    req.amount = tradepay_types::Amount::parse("10.5").unwrap();
    assert_eq!(client.pay(req).await.unwrap().status, Status::Success);

    // QUERY by trade_id, REFUND_QUERY by refund_id.
    let server = serve(|_, r| {
        let mut t = json!({"status": "SUCCESS", "trade_id": "t_other", "refund_id": "r_other"});
        if r.json["transType"] == "QUERY" {
            t["order_id"] = json!("o_x");
        }
        signed(envelope("00000000", t))
    })
    .await;
    let client = builder(&server.url).build().unwrap();
    let e = client
        .query(OrderRef::TradeId("t_mine".into()), "m_1")
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Protocol);
    let e = client.refund_query("r_mine", "m_1").await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Protocol);
    assert!(e.is_outcome_unknown());
}

#[tokio::test]
async fn unsigned_text_is_cut_and_cleaned_before_it_reaches_errors() {
    let long = format!("{}\nERROR forged log line\r\u{1b}[31m", "x".repeat(100_000));
    for (status, code) in [(503, "90000001"), (200, "10000002")] {
        let body = json!({"code": code, "message": long.clone(), "traceId": long.clone()});
        let server = serve(move |_, _| unsigned(status, body.clone(), &[])).await;
        let client = builder(&server.url).max_retries(0).build().unwrap();
        let e = client
            .query(OrderRef::OrderId("o_text".into()), "m_1")
            .await
            .unwrap_err();
        assert_eq!(e.code(), Some(code));
        for text in [e.to_string(), e.message().to_owned()] {
            assert!(text.len() < 1000, "{status}: {} bytes", text.len());
            assert!(!text.chars().any(char::is_control), "{status}: {text:?}");
        }
        let trace = e.trace_id().unwrap();
        assert!(trace.chars().count() <= 65 && !trace.chars().any(char::is_control));
    }
}
