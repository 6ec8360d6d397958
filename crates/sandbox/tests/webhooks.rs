//! Webhook deliveries (protocol §7): events, Standard Webhooks signatures, retries.

mod common;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use common::*;
use http_body_util::{BodyExt, Full};
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use serde_json::json;
use tradepay_sandbox::{Outcome, Sandbox, SandboxConfig};
use tradepay_types::{EventData, WebhookSecret};

#[derive(Clone, Debug)]
struct Received {
    headers: HashMap<String, String>,
    body: Vec<u8>,
}

/// A receiver on loopback that answers 500 to the first `fail_first` attempts (or hangs for
/// `hang` first), then 200, and records everything it got.
struct Receiver {
    url: String,
    got: Arc<Mutex<Vec<Received>>>,
}

async fn receiver(fail_first: u32, hang: Option<Duration>) -> Receiver {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let got: Arc<Mutex<Vec<Received>>> = Arc::default();
    let seen = Arc::new(AtomicU32::new(0));
    let store = got.clone();
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            let (store, seen) = (store.clone(), seen.clone());
            tokio::spawn(async move {
                let svc = service_fn(move |req: http::Request<hyper::body::Incoming>| {
                    let (store, seen) = (store.clone(), seen.clone());
                    async move {
                        let headers = req
                            .headers()
                            .iter()
                            .map(|(k, v)| {
                                (k.as_str().to_owned(), v.to_str().unwrap_or("").to_owned())
                            })
                            .collect();
                        let body = req.into_body().collect().await.unwrap().to_bytes().to_vec();
                        store.lock().unwrap().push(Received { headers, body });
                        let n = seen.fetch_add(1, Ordering::SeqCst);
                        if n < fail_first {
                            if let Some(h) = hang {
                                tokio::time::sleep(h).await;
                            }
                            let mut res =
                                http::Response::new(Full::new(Bytes::from_static(b"nope")));
                            *res.status_mut() = http::StatusCode::INTERNAL_SERVER_ERROR;
                            return Ok::<_, std::convert::Infallible>(res);
                        }
                        Ok(http::Response::new(Full::new(Bytes::from_static(b"ok"))))
                    }
                });
                let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                    .serve_connection(TokioIo::new(tcp), svc)
                    .await;
            });
        }
    });
    Receiver { url, got }
}

async fn wait_for(
    sb: &Sandbox,
    done: impl Fn(&[tradepay_sandbox::WebhookDelivery]) -> bool,
) -> Vec<tradepay_sandbox::WebhookDelivery> {
    for _ in 0..400 {
        let d = sb.webhook_deliveries();
        if done(&d) {
            return d;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("deliveries never settled: {:?}", sb.webhook_deliveries());
}

fn quick() -> SandboxConfig {
    SandboxConfig {
        webhook_retry_base: Duration::from_millis(20),
        // Generous, so that a loaded machine does not turn a slow 200 into a retry.
        webhook_timeout: Duration::from_secs(3),
        ..Default::default()
    }
}

fn verify(sb: &Sandbox, r: &Received) -> tradepay_types::Event {
    let secret = WebhookSecret::parse(sb.webhook_secret()).unwrap();
    tradepay_types::webhook::verify(
        &secret,
        &r.headers,
        &r.body,
        Duration::from_secs(300),
        tradepay_types::time::now_unix(),
    )
    .expect("delivery verifies")
}

#[tokio::test]
async fn every_final_transition_is_delivered_and_verifies() {
    let rx = receiver(0, None).await;
    let sb = Sandbox::start(quick()).await.unwrap();
    let c = TestClient::new(&sb);
    let with_hook = |mut d: serde_json::Value| {
        d["notify_url"] = json!(rx.url);
        d
    };
    c.ok("PAY", &with_hook(card("o_w1", "4242424242424242")))
        .await;
    c.ok("PAY", &with_hook(card("o_w2", "4000000000000002")))
        .await;
    c.ok("PAY", &with_hook(qr("o_w3"))).await;
    c.ok("REFUND", &refund("o_w1", "r_w1", "1.00")).await;
    let mut failing = refund("o_w1", "r_w2", "1.00");
    failing["reason"] = json!("sandbox_fail");
    c.ok("REFUND", &failing).await;
    sb.advance_clock(Duration::from_secs(121));
    c.ok("PAY", &card("o_nohook", "4242424242424242")).await;

    let deliveries = wait_for(&sb, |d| d.len() == 5 && d.iter().all(|x| x.delivered)).await;
    let types: Vec<&str> = deliveries.iter().map(|d| d.event_type.as_str()).collect();
    assert_eq!(
        types,
        [
            "trade.succeeded",
            "trade.failed",
            "refund.succeeded",
            "refund.failed",
            "trade.closed"
        ]
    );
    assert!(deliveries
        .iter()
        .all(|d| d.attempts == 1 && d.last_status == Some(200) && d.url == rx.url));

    let got = rx.got.lock().unwrap().clone();
    assert_eq!(got.len(), 5);
    for r in &got {
        let event = verify(&sb, r);
        assert!(event.id.starts_with("msg_"));
        assert!(tradepay_types::time::parse_rfc3339(&event.timestamp).is_some());
        match (&event.event_type.as_str()[..6], &event.data) {
            ("trade.", EventData::Trade(t)) => assert!(t.is_final()),
            ("refund", EventData::Refund(r)) => assert!(r.status.is_final()),
            other => panic!("wrong data for the type: {other:?}"),
        }
        assert_eq!(r.headers["content-type"], "application/json");
    }
    let closed = got
        .iter()
        .map(|r| verify(&sb, r))
        .find(|e| e.event_type.as_str() == "trade.closed")
        .unwrap();
    let EventData::Trade(t) = closed.data else {
        panic!()
    };
    assert_eq!(t.order_id.as_deref(), Some("o_w3"));
    // The refund inherited the order's notify_url.
    let refund_event = got
        .iter()
        .map(|r| verify(&sb, r))
        .find(|e| e.event_type.as_str() == "refund.succeeded")
        .unwrap();
    let EventData::Refund(r) = refund_event.data else {
        panic!()
    };
    assert_eq!(r.refund_id.as_deref(), Some("r_w1"));
}

#[tokio::test]
async fn failed_attempts_are_retried_with_the_same_id_and_body_and_a_fresh_signature() {
    let rx = receiver(3, None).await;
    let sb = Sandbox::start(quick()).await.unwrap();
    let c = TestClient::new(&sb);
    let mut pay = card("o_retry", "4000000000003220");
    pay["notify_url"] = json!(rx.url);
    let (_, d) = c.ok("PAY", &pay).await;
    sb.complete(s(&d, "trade_id"), Outcome::Succeeded).unwrap();
    let deliveries = wait_for(&sb, |d| d.len() == 1 && d[0].delivered).await;
    assert_eq!(deliveries[0].attempts, 4);
    assert_eq!(deliveries[0].last_status, Some(200));
    let got = rx.got.lock().unwrap().clone();
    assert_eq!(got.len(), 4);
    for r in &got {
        verify(&sb, r);
        assert_eq!(r.headers["webhook-id"], got[0].headers["webhook-id"]);
        assert_eq!(r.body, got[0].body);
    }
    assert_eq!(deliveries[0].body.as_bytes(), &got[0].body[..]);
}

#[tokio::test]
async fn a_receiver_that_always_fails_gets_at_least_five_attempts() {
    let rx = receiver(u32::MAX, None).await;
    let sb = Sandbox::start(SandboxConfig {
        webhook_attempts: 2,
        ..quick()
    })
    .await
    .unwrap();
    let c = TestClient::new(&sb);
    let mut pay = card("o_dead", "4242424242424242");
    pay["notify_url"] = json!(rx.url);
    c.ok("PAY", &pay).await;
    let d = wait_for(&sb, |d| d.len() == 1 && d[0].attempts == 5).await;
    tokio::time::sleep(Duration::from_millis(700)).await;
    let d2 = sb.webhook_deliveries();
    assert_eq!(
        d2[0].attempts, 5,
        "no more than the configured attempts (raised to 5)"
    );
    assert!(!d[0].delivered);
    assert_eq!(d[0].last_status, Some(500));
    assert_eq!(rx.got.lock().unwrap().len(), 5);
}

#[tokio::test]
async fn a_timeout_counts_as_a_failed_attempt() {
    let rx = receiver(1, Some(Duration::from_secs(5))).await;
    let sb = Sandbox::start(SandboxConfig {
        webhook_timeout: Duration::from_millis(500),
        ..quick()
    })
    .await
    .unwrap();
    let c = TestClient::new(&sb);
    let mut pay = micropay("o_to", "1234567890");
    pay["notify_url"] = json!(rx.url);
    c.ok("PAY", &pay).await;
    let d = wait_for(&sb, |d| d.len() == 1 && d[0].delivered).await;
    assert_eq!(d[0].attempts, 2);
}

#[tokio::test]
async fn unreachable_receivers_are_logged() {
    let sb = Sandbox::start(quick()).await.unwrap();
    let c = TestClient::new(&sb);
    let mut pay = card("o_unreach", "4242424242424242");
    pay["notify_url"] = json!("http://127.0.0.1:1/hook");
    c.ok("PAY", &pay).await;
    let d = wait_for(&sb, |d| d.len() == 1 && d[0].attempts == 5).await;
    assert!(!d[0].delivered);
    assert_eq!(d[0].last_status, None);
    assert!(d[0].last_error.is_some());
    let json = serde_json::to_value(&d[0]).unwrap();
    for key in ["id", "url", "type", "attempts", "delivered", "last_status"] {
        assert!(json.get(key).is_some(), "{key}");
    }
}

#[tokio::test]
async fn timers_fire_without_any_request() {
    // Micropay ending in 1 succeeds 2 s later on the sandbox clock; nobody queries, yet the
    // webhook goes out (the background ticker fires the timer).
    let rx = receiver(0, None).await;
    let sb = Sandbox::start(quick()).await.unwrap();
    let c = TestClient::new(&sb);
    let mut pay = micropay("o_tick", "1234567891");
    pay["notify_url"] = json!(rx.url);
    assert_eq!(c.ok("PAY", &pay).await.0, "00000003");
    let d = wait_for(&sb, |d| d.len() == 1 && d[0].delivered).await;
    assert_eq!(d[0].event_type, "trade.succeeded");
    let event = verify(&sb, &rx.got.lock().unwrap()[0]);
    let EventData::Trade(t) = event.data else {
        panic!("a trade event")
    };
    assert_eq!(t.status.as_str(), "SUCCESS");
    assert!(t.paid_at.is_some());
}
