//! The retry engine against a scripted gateway: which answers are retried, how errors are
//! classed, and what every attempt carries.

mod common;
mod fixtures;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::*;
use serde_json::json;
use tradepay_transport::{ErrorKind, MAX_RESPONSE_BYTES};
use tradepay_types::{OrderRef, PayRequest, Secret, Status};

fn card(order_id: &str) -> PayRequest {
    fixtures::card_pay(order_id, "10.5", "usd", "123")
}

fn micropay(order_id: &str) -> PayRequest {
    fixtures::micropay_pay(order_id, "3", "1234567890123")
}

#[tokio::test]
async fn success_is_signed_and_shaped_per_protocol() {
    let server = serve(|_, _| ok_trade("o_1", "SUCCESS")).await;
    let client = builder(&server.url).build().unwrap();
    let trade = client.pay(card("o_1")).await.unwrap();
    assert_eq!(trade.status, Status::Success);
    let reqs = server.requests();
    assert_eq!(reqs.len(), 1);
    let r = &reqs[0];
    assert_eq!(r.header("content-type"), Some("application/json"));
    let sig = r.header("x-signature").unwrap();
    Secret::new(SECRET).verify(&r.body, sig).unwrap();
    assert_eq!(r.json["transType"], "PAY");
    assert_eq!(r.json["accessNo"], ACCESS_NO);
    assert!(r.json["timestamp"].is_i64());
    assert_eq!(r.json["data"]["amount"], "10.50");
    assert_eq!(r.json["data"]["currency"], "USD");
    assert!(r.json["data"]["txn_time"].is_string());
}

#[tokio::test]
async fn retries_503_with_fresh_stamps_and_the_same_data() {
    let server = serve(|i, _| {
        if i < 2 {
            unsigned(503, json!({}), &[])
        } else {
            ok_trade("o_2", "SUCCESS")
        }
    })
    .await;
    let client = builder(&server.url).build().unwrap();
    let trade = client.pay(card("o_2")).await.unwrap();
    assert_eq!(trade.status, Status::Success);
    let reqs = server.requests();
    assert_eq!(reqs.len(), 3);
    let nonces: std::collections::HashSet<_> = reqs
        .iter()
        .map(|r| r.json["nonce"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(nonces.len(), 3, "every attempt has its own nonce");
    assert!(
        reqs.iter().all(|r| r.json["data"] == reqs[0].json["data"]),
        "same data, same txn_time"
    );
    let sigs: std::collections::HashSet<_> = reqs
        .iter()
        .map(|r| r.header("x-signature").unwrap().to_owned())
        .collect();
    assert_eq!(sigs.len(), 3);
}

#[tokio::test]
async fn gives_up_after_max_retries_with_a_gateway_error() {
    let server = serve(|_, _| unsigned(502, envelope("90000001", json!(null)), &[])).await;
    let client = builder(&server.url).max_retries(3).build().unwrap();
    let e = client.pay(card("o_3")).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Gateway);
    assert_eq!(e.http_status(), Some(502));
    assert_eq!(e.code(), Some("90000001"));
    assert_eq!(e.attempts(), 4);
    assert_eq!(server.count(), 4);
    assert!(e.is_retryable());
    assert!(
        e.is_outcome_unknown(),
        "a 502 may follow a processed request"
    );
}

#[tokio::test]
async fn retry_after_is_honoured() {
    let server = serve(|i, _| {
        if i == 0 {
            unsigned(429, json!({}), &[("retry-after", "1")])
        } else {
            ok_trade("o_4", "SUCCESS")
        }
    })
    .await;
    let client = builder(&server.url).build().unwrap();
    let started = std::time::Instant::now();
    client
        .query(OrderRef::OrderId("o_4".into()), "m_1")
        .await
        .unwrap();
    // A lower bound only: the client must have waited the second it was asked to.
    assert!(started.elapsed() >= Duration::from_millis(950));
    assert_eq!(server.count(), 2);
}

#[tokio::test]
async fn retry_after_beyond_the_deadline_is_not_waited_for() {
    let server = serve(|_, _| unsigned(429, json!({}), &[("retry-after", "30")])).await;
    let client = builder(&server.url)
        .deadline(Duration::from_secs(2))
        .build()
        .unwrap();
    let e = client
        .query(OrderRef::OrderId("o_5".into()), "m_1")
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Gateway);
    assert_eq!(e.http_status(), Some(429));
    assert_eq!(e.attempts(), 1);
    assert!(!e.is_outcome_unknown());
}

#[tokio::test]
async fn busy_and_channel_timeout_codes_are_retried() {
    let server = serve(|i, _| match i {
        0 => signed(envelope("90000001", json!({"status": "FAILED"}))),
        1 => signed(envelope("90000002", json!({"status": "FAILED"}))),
        _ => ok_trade("o_6", "SUCCESS"),
    })
    .await;
    let client = builder(&server.url).build().unwrap();
    assert_eq!(
        client.pay(card("o_6")).await.unwrap().status,
        Status::Success
    );
    assert_eq!(server.count(), 3);

    let server = serve(|_, _| signed(envelope("90000002", json!({"status": "FAILED"})))).await;
    let client = builder(&server.url).build().unwrap();
    let e = client.pay(card("o_7")).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Gateway);
    assert_eq!(e.code(), Some("90000002"));
    assert_eq!(e.trace_id(), Some("tr_test"));
    assert!(e.is_outcome_unknown());
    assert_eq!(e.attempts(), 3);
}

#[tokio::test]
async fn final_codes_are_never_retried() {
    for (code, kind) in [
        ("10000002", ErrorKind::Authentication),
        ("10000003", ErrorKind::Authentication),
        ("22070010", ErrorKind::InvalidRequest),
        ("30000004", ErrorKind::Business),
        ("30000002", ErrorKind::Business),
        ("99999999", ErrorKind::Gateway),
        ("50000000", ErrorKind::Api),
    ] {
        let auth = code.starts_with('1');
        let server = serve(move |_, _| {
            let env = envelope(code, json!({"status": "FAILED"}));
            // Authentication failures come unsigned; the client must still read them.
            if auth {
                unsigned(200, env, &[])
            } else {
                signed(env)
            }
        })
        .await;
        let client = builder(&server.url).build().unwrap();
        let e = client.pay(card("o_8")).await.unwrap_err();
        assert_eq!(e.kind(), kind, "{code}");
        assert_eq!(e.code(), Some(code));
        assert_eq!(e.trace_id(), Some("tr_test"));
        assert_eq!(e.attempts(), 1, "{code}");
        assert!(!e.is_retryable(), "{code}");
        // Protocol §9: a signed 9xxxxxxx nobody knows may follow a processed request.
        assert_eq!(e.is_outcome_unknown(), code.starts_with('9'), "{code}");
        assert_eq!(server.count(), 1, "{code}");
    }
}

#[tokio::test]
async fn untrusted_answers_are_signature_errors() {
    // A success with a wrong signature, and one with none.
    for reply in [0, 1] {
        let server = serve(move |_, _| {
            let body = serde_json::to_vec(&envelope("00000000", trade("o_9", "SUCCESS"))).unwrap();
            let mut headers = vec![];
            if reply == 0 {
                headers.push(("x-signature".to_owned(), Secret::new("other").sign(&body)));
            }
            Reply::Full {
                status: 200,
                headers,
                body,
            }
        })
        .await;
        let client = builder(&server.url).build().unwrap();
        let e = client.pay(card("o_9")).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Signature);
        assert_eq!(e.attempts(), 1);
        assert!(e.is_outcome_unknown(), "the PAY may have been processed");
    }
}

#[tokio::test]
async fn oversized_bodies_are_protocol_errors() {
    let server = serve(|_, _| Reply::Full {
        status: 200,
        headers: vec![],
        body: vec![b' '; MAX_RESPONSE_BYTES + 1],
    })
    .await;
    let client = builder(&server.url).build().unwrap();
    let e = client
        .query(OrderRef::OrderId("o".into()), "m_1")
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Protocol);
    assert_eq!(server.count(), 1);
}

#[tokio::test]
async fn a_body_that_is_not_an_envelope_is_a_protocol_error() {
    let server = serve(|_, _| {
        let body = b"<html>hi</html>".to_vec();
        let sig = Secret::new(SECRET).sign(&body);
        Reply::Full {
            status: 200,
            headers: vec![("x-signature".into(), sig)],
            body,
        }
    })
    .await;
    let client = builder(&server.url).build().unwrap();
    let e = client
        .query(OrderRef::OrderId("o".into()), "m_1")
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Protocol);
    assert_eq!(e.attempts(), 1);
}

#[tokio::test]
async fn truncated_bodies_are_retried_as_network_failures() {
    let server = serve(|i, _| {
        if i == 0 {
            Reply::Truncated {
                declared: 500,
                body: b"{\"code\":\"000".to_vec(),
            }
        } else {
            ok_trade("o_10", "SUCCESS")
        }
    })
    .await;
    let client = builder(&server.url).build().unwrap();
    assert_eq!(
        client.pay(card("o_10")).await.unwrap().status,
        Status::Success
    );
    assert_eq!(server.count(), 2);

    let server = serve(|_, _| Reply::Truncated {
        declared: 500,
        body: b"{".to_vec(),
    })
    .await;
    let client = builder(&server.url).build().unwrap();
    let e = client.pay(card("o_11")).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Network);
    assert!(e.is_outcome_unknown());
    assert_eq!(e.attempts(), 3);
}

#[tokio::test]
async fn connection_closed_after_sending_is_outcome_unknown() {
    let server = serve(|_, _| Reply::Close).await;
    let client = builder(&server.url).max_retries(1).build().unwrap();
    let e = client.pay(card("o_12")).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Network);
    assert!(e.is_outcome_unknown());
    assert_eq!(e.attempts(), 2);
    assert_eq!(server.count(), 2);
}

#[tokio::test]
async fn connection_refused_is_not_outcome_unknown() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let client = builder(&url).max_retries(1).build().unwrap();
    let e = client.pay(card("o_13")).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Network);
    assert!(!e.is_outcome_unknown());
    assert!(e.is_retryable());
    assert_eq!(e.attempts(), 2);
}

#[tokio::test]
async fn redirects_are_not_followed() {
    let server =
        serve(|_, _| unsigned(302, json!({}), &[("location", "http://127.0.0.1:1/evil")])).await;
    let client = builder(&server.url).build().unwrap();
    let e = client
        .query(OrderRef::OrderId("o".into()), "m_1")
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Protocol);
    assert_eq!(e.http_status(), Some(302));
    assert_eq!(server.count(), 1);
}

#[tokio::test]
async fn other_statuses_are_protocol_errors() {
    let server = serve(|_, _| unsigned(404, json!({}), &[])).await;
    let client = builder(&server.url).build().unwrap();
    let e = client
        .query(OrderRef::OrderId("o".into()), "m_1")
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Protocol);
    assert_eq!(e.http_status(), Some(404));
    assert_eq!(e.attempts(), 1);
}

#[tokio::test]
async fn stalled_attempts_time_out_and_are_retried() {
    let server = serve(|i, _| {
        if i == 0 {
            Reply::Delay(
                Duration::from_secs(5),
                Box::new(ok_trade("o_14", "SUCCESS")),
            )
        } else {
            ok_trade("o_14", "SUCCESS")
        }
    })
    .await;
    let client = builder(&server.url)
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    assert_eq!(
        client.pay(card("o_14")).await.unwrap().status,
        Status::Success
    );
    assert_eq!(server.count(), 2);

    let server = serve(|_, _| Reply::Delay(Duration::from_secs(5), Box::new(Reply::Close))).await;
    let client = builder(&server.url)
        .timeout(Duration::from_millis(200))
        .max_retries(1)
        .build()
        .unwrap();
    let e = client.pay(card("o_15")).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout);
    assert!(e.is_timeout());
    assert!(e.is_outcome_unknown());
    assert_eq!(e.attempts(), 2);
}

#[tokio::test]
async fn the_deadline_bounds_retries_and_backoff() {
    let server = serve(|_, _| unsigned(503, json!({}), &[])).await;
    let client = builder(&server.url)
        .max_retries(10)
        .retry_backoff(Duration::from_millis(200), Duration::from_millis(400))
        .deadline(Duration::from_millis(600))
        .build()
        .unwrap();
    let e = client
        .query(OrderRef::OrderId("o".into()), "m_1")
        .await
        .unwrap_err();
    // The last 503, or the last attempt cut short by the deadline on a loaded machine.
    assert!(
        matches!(e.kind(), ErrorKind::Gateway | ErrorKind::Timeout),
        "{e}"
    );
    assert!(e.is_retryable());
    // Backoff of at least 100 ms per retry cannot fit all 10 retries into 600 ms.
    assert!(e.attempts() > 1 && e.attempts() < 11, "{}", e.attempts());
}

#[tokio::test]
async fn invalid_requests_are_refused_before_sending() {
    let server = serve(|_, _| ok_trade("o", "SUCCESS")).await;
    let client = builder(&server.url).build().unwrap();
    let mut req = card("o_16");
    req.currency = "XX".into();
    let e = client.pay(req).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Validation);
    assert_eq!(e.field(), Some("currency"));
    assert_eq!(e.attempts(), 0);
    let e = client
        .query(OrderRef::OrderId("bad id!".into()), "m_1")
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Validation);
    assert_eq!(server.count(), 0);
}

#[tokio::test]
async fn errors_never_show_the_secret_or_the_card() {
    let server = serve(|_, _| signed(envelope("30000003", json!({"status": "FAILED"})))).await;
    let client = builder(&server.url).build().unwrap();
    let e = client.pay(card("o_17")).await.unwrap_err();
    for text in [format!("{e}"), format!("{e:?}"), format!("{client:?}")] {
        assert!(!text.contains(SECRET));
        assert!(!text.contains("4242424242424242"));
    }
}

#[tokio::test]
async fn wait_final_polls_until_final() {
    let server = serve(|i, _| {
        if i < 3 {
            ok_trade("o_18", "PENDING")
        } else {
            ok_trade("o_18", "SUCCESS")
        }
    })
    .await;
    let client = builder(&server.url).build().unwrap();
    let t = client
        .wait_final(
            OrderRef::OrderId("o_18".into()),
            "m_1",
            Duration::from_secs(10),
        )
        .await
        .unwrap();
    assert_eq!(t.status, Status::Success);
    assert_eq!(server.count(), 4);
    assert!(server
        .requests()
        .iter()
        .all(|r| r.json["transType"] == "QUERY"));
}

#[tokio::test]
async fn wait_final_times_out_with_the_last_trade() {
    let server = serve(|_, _| ok_trade("o_19", "PENDING")).await;
    let client = builder(&server.url).build().unwrap();
    let e = client
        .wait_final(
            OrderRef::OrderId("o_19".into()),
            "m_1",
            Duration::from_millis(700),
        )
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout);
    assert_eq!(e.trade().unwrap().status, Status::Pending);
}

#[tokio::test]
async fn micropay_reverses_at_the_deadline() {
    let server = serve(|_, r| match r.json["transType"].as_str().unwrap() {
        "PAY" | "QUERY" => ok_trade("o_20", "PENDING"),
        "REVERSAL" => ok_trade("o_20", "CLOSED"),
        _ => unsigned(500, json!({}), &[]),
    })
    .await;
    let client = builder(&server.url).build().unwrap();
    let t = client
        .micropay(micropay("o_20"), Duration::from_millis(800))
        .await
        .unwrap();
    assert_eq!(t.status, Status::Closed);
    let kinds: Vec<_> = server
        .requests()
        .iter()
        .map(|r| r.json["transType"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(kinds.first().map(String::as_str), Some("PAY"));
    assert_eq!(kinds.last().map(String::as_str), Some("REVERSAL"));
    assert!(kinds.contains(&"QUERY".to_owned()));
    let pay = &server.requests()[0];
    assert_eq!(pay.json["data"]["payment_method"], "micropay");
}

#[tokio::test]
async fn micropay_learns_an_unknown_outcome_by_query() {
    let pays = Arc::new(AtomicUsize::new(0));
    let p = pays.clone();
    let server = serve(move |_, r| match r.json["transType"].as_str().unwrap() {
        "PAY" => {
            p.fetch_add(1, Ordering::SeqCst);
            Reply::Close
        }
        _ => ok_trade("o_21", "SUCCESS"),
    })
    .await;
    let client = builder(&server.url).max_retries(0).build().unwrap();
    let t = client
        .micropay(micropay("o_21"), Duration::from_secs(5))
        .await
        .unwrap();
    assert_eq!(t.status, Status::Success);
    assert_eq!(pays.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn micropay_resends_the_pay_the_gateway_never_saw() {
    let server = serve(|i, r| match (i, r.json["transType"].as_str().unwrap()) {
        (0, "PAY") => Reply::Close,
        (_, "QUERY") if i < 2 => signed(envelope("30000001", json!({"status": "FAILED"}))),
        (_, "PAY") => ok_trade("o_22", "SUCCESS"),
        _ => ok_trade("o_22", "PENDING"),
    })
    .await;
    let client = builder(&server.url).max_retries(0).build().unwrap();
    let t = client
        .micropay(micropay("o_22"), Duration::from_secs(5))
        .await
        .unwrap();
    assert_eq!(t.status, Status::Success);
    let reqs = server.requests();
    let pays: Vec<_> = reqs
        .iter()
        .filter(|r| r.json["transType"] == "PAY")
        .collect();
    assert_eq!(pays.len(), 2);
    assert_eq!(
        pays[0].json["data"], pays[1].json["data"],
        "same order_id and txn_time"
    );
}

#[tokio::test]
async fn micropay_fails_with_outcome_unknown_when_the_reversal_cannot_be_confirmed() {
    let server = serve(|_, r| match r.json["transType"].as_str().unwrap() {
        "REVERSAL" => unsigned(503, json!({}), &[]),
        _ => ok_trade("o_23", "PENDING"),
    })
    .await;
    let client = builder(&server.url).max_retries(1).build().unwrap();
    let e = client
        .micropay(micropay("o_23"), Duration::from_millis(500))
        .await
        .unwrap_err();
    assert!(e.is_outcome_unknown());
    assert_eq!(e.trade().unwrap().status, Status::Pending);
    let reversals = server
        .requests()
        .iter()
        .filter(|r| r.json["transType"] == "REVERSAL")
        .count();
    assert_eq!(reversals, 6, "three reversal calls of two attempts each");
}

#[tokio::test]
async fn micropay_returns_a_refusal_without_reversing() {
    let server = serve(|_, _| signed(envelope("30000002", json!({"status": "FAILED"})))).await;
    let client = builder(&server.url).build().unwrap();
    let e = client
        .micropay(micropay("o_24"), Duration::from_secs(2))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Business);
    assert!(!e.is_outcome_unknown());
    assert_eq!(server.count(), 1);
}

#[tokio::test]
async fn clones_share_the_client() {
    let server = serve(|_, r| echo(r, "SUCCESS")).await;
    let client = builder(&server.url).build().unwrap();
    let handles: Vec<_> = (0..20)
        .map(|i| {
            let c = client.clone();
            tokio::spawn(async move { c.query(OrderRef::OrderId(format!("o_{i}")), "m_1").await })
        })
        .collect();
    for h in handles {
        h.await.unwrap().unwrap();
    }
    assert_eq!(server.count(), 20);
}
