//! Every fault the sandbox can inject, and the outcome the client must give for it: the
//! right error (or a transparent retry), and never a second charge.

mod fixtures;

use std::time::Duration;

use tradepay_sandbox::{FaultKind, FaultRule, Sandbox, SandboxConfig};
use tradepay_transport::ErrorKind;
use tradepay_types::{Amount, OrderRef, PayRequest, RefundRequest, Status};

use fixtures::{charges, sandbox_client as client};

fn card(order_id: &str) -> PayRequest {
    fixtures::card_pay(order_id, "12.34", "EUR", "123")
}

async fn sandbox() -> Sandbox {
    Sandbox::start(SandboxConfig::default()).await.unwrap()
}

fn rule(kind: FaultKind, count: Option<u32>) -> FaultRule {
    FaultRule {
        trans_type: Some("PAY".into()),
        count,
        ..FaultRule::new(kind)
    }
}

#[tokio::test]
async fn one_off_faults_are_retried_transparently_and_charge_once() {
    let sb = sandbox().await;
    let c = client(&sb).build().unwrap();
    let kinds = [
        FaultKind::CloseBefore,
        FaultKind::CloseAfterCommit,
        FaultKind::Http503,
        FaultKind::Http429,
        FaultKind::Busy,
        FaultKind::Truncate,
    ];
    for (i, kind) in kinds.into_iter().enumerate() {
        let order_id = format!("once_{i}");
        let mut r = rule(kind, Some(1));
        r.retry_after = Some(1);
        sb.set_faults(vec![r]).unwrap();
        let trade = c
            .pay(card(&order_id))
            .await
            .unwrap_or_else(|e| panic!("{kind:?}: {e}"));
        assert_eq!(trade.status, Status::Success, "{kind:?}");
        assert_eq!(charges(&sb, &order_id), Some(1), "{kind:?}");
    }
}

#[tokio::test]
async fn a_delayed_answer_times_out_and_the_retry_finds_the_same_order() {
    let sb = sandbox().await;
    let c = client(&sb)
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let mut r = rule(FaultKind::Delay, Some(1));
    r.delay_ms = Some(1200);
    sb.set_faults(vec![r]).unwrap();
    let trade = c.pay(card("delayed")).await.unwrap();
    assert_eq!(trade.status, Status::Success);
    // Let the delayed first attempt finish on the gateway side.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(charges(&sb, "delayed"), Some(1));
    assert_eq!(sb.orders().len(), 1);
}

#[tokio::test]
async fn persistent_faults_give_the_right_error() {
    let sb = sandbox().await;
    let c = client(&sb).build().unwrap();

    sb.set_faults(vec![rule(FaultKind::Http503, None)]).unwrap();
    let e = c.pay(card("p_503")).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Gateway);
    assert_eq!(e.http_status(), Some(503));
    assert_eq!(e.attempts(), 3);
    // Protocol §9: a 503 may come from a proxy after the gateway acted, so the client
    // cannot know (here the sandbox did not act).
    assert!(e.is_outcome_unknown());
    assert_eq!(charges(&sb, "p_503"), None);

    sb.set_faults(vec![rule(FaultKind::Busy, None)]).unwrap();
    let e = c.pay(card("p_busy")).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Gateway);
    assert_eq!(e.code(), Some("90000001"));
    assert!(e.trace_id().is_some());
    assert_eq!(e.attempts(), 3);

    sb.set_faults(vec![rule(FaultKind::CloseBefore, None)])
        .unwrap();
    let e = c.pay(card("p_close_before")).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Network);
    assert_eq!(e.attempts(), 3);
    assert_eq!(charges(&sb, "p_close_before"), None);

    sb.set_faults(vec![rule(FaultKind::CloseAfterCommit, None)])
        .unwrap();
    let e = c.pay(card("p_close_after")).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Network);
    assert!(e.is_outcome_unknown(), "the gateway committed: {e}");
    sb.clear_faults();
    let t = c
        .query(OrderRef::OrderId("p_close_after".into()), "m_1")
        .await
        .unwrap();
    assert_eq!(t.status, Status::Success);
    assert_eq!(charges(&sb, "p_close_after"), Some(1));

    sb.set_faults(vec![rule(FaultKind::Truncate, None)])
        .unwrap();
    let e = c.pay(card("p_truncate")).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Network);
    assert!(e.is_outcome_unknown());
    sb.clear_faults();
    assert_eq!(charges(&sb, "p_truncate"), Some(1));

    let mut r = rule(FaultKind::Http429, None);
    r.retry_after = Some(30);
    sb.set_faults(vec![r]).unwrap();
    let c2 = client(&sb)
        .deadline(Duration::from_secs(3))
        .build()
        .unwrap();
    let e = c2.pay(card("p_429")).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Gateway);
    assert_eq!(e.http_status(), Some(429));
    assert_eq!(
        e.attempts(),
        1,
        "Retry-After beyond the deadline is not waited for"
    );
    sb.clear_faults();
}

#[tokio::test]
async fn untrusted_answers_are_not_acted_on() {
    let sb = sandbox().await;
    let c = client(&sb).build().unwrap();
    for (kind, order_id) in [
        (FaultKind::BadSignature, "sig_bad"),
        (FaultKind::NoSignature, "sig_none"),
    ] {
        sb.set_faults(vec![rule(kind, Some(1))]).unwrap();
        let e = c.pay(card(order_id)).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Signature, "{kind:?}");
        assert_eq!(e.attempts(), 1, "{kind:?}: never retried");
        assert!(e.is_outcome_unknown(), "{kind:?}");
        // The recommended follow-up: query, then pay again safely with the same order_id.
        let t = c
            .query(OrderRef::OrderId(order_id.into()), "m_1")
            .await
            .unwrap();
        assert_eq!(t.status, Status::Success);
        let again = c.pay(card(order_id)).await.unwrap();
        assert_eq!(again.trade_id, t.trade_id);
        assert_eq!(charges(&sb, order_id), Some(1));
    }
}

#[tokio::test]
async fn authentication_and_business_errors() {
    let sb = sandbox().await;
    let e = client(&sb)
        .secret("not-the-secret")
        .build()
        .unwrap()
        .pay(card("auth_1"))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Authentication);
    assert_eq!(e.code(), Some("10000002"));
    assert_eq!(e.attempts(), 1);

    let e = client(&sb)
        .access_no("nobody")
        .build()
        .unwrap()
        .pay(card("auth_2"))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Authentication);
    assert_eq!(e.code(), Some("10000005"));

    let c = client(&sb).build().unwrap();
    let t = c.pay(card("biz_1")).await.unwrap();
    let e = c
        .refund(RefundRequest {
            merchant_id: "m_1".into(),
            order: OrderRef::TradeId(t.trade_id.clone().unwrap()),
            refund_id: "r_big".into(),
            amount: Amount::parse("99").unwrap(),
            reason: None,
            notify_url: None,
        })
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Business);
    assert_eq!(e.code(), Some("30000004"));
    assert!(e.trace_id().is_some());

    let mut other = card("biz_1");
    other.amount = Amount::parse("1").unwrap();
    let e = c.pay(other).await.unwrap_err();
    assert_eq!(e.code(), Some("30000002"));

    let e = c
        .query(OrderRef::OrderId("missing".into()), "m_1")
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("30000001"));
    assert_eq!(charges(&sb, "biz_1"), Some(1));
}

#[tokio::test]
async fn with_options_bounds_the_calls_through_it_and_leaves_the_client_alone() {
    let sb = sandbox().await;
    let c = client(&sb).build().unwrap();
    let trade = c.pay(card("opts_1")).await.unwrap();
    assert_eq!(trade.status, Status::Success);
    sb.set_faults(vec![FaultRule {
        trans_type: Some("QUERY".into()),
        delay_ms: Some(800),
        ..FaultRule::new(FaultKind::Delay)
    }])
    .unwrap();
    let quick = c
        .with_options(&tradepay_transport::CallOptions {
            timeout: Some(Duration::from_millis(200)),
            max_retries: Some(0),
            ..Default::default()
        })
        .unwrap();
    assert!(quick.shares_pool_with(&c));
    let e = quick
        .query(OrderRef::OrderId("opts_1".into()), "m_1")
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout);
    assert_eq!(e.attempts(), 1);
    let trade = c
        .query(OrderRef::OrderId("opts_1".into()), "m_1")
        .await
        .unwrap();
    assert_eq!(trade.status, Status::Success);
}

#[tokio::test]
async fn every_result_says_which_answer_it_came_from_and_keeps_unknown_fields() {
    let sb = sandbox().await;
    let c = client(&sb).build().unwrap();
    sb.set_faults(vec![
        rule(FaultKind::Http503, Some(1)),
        FaultRule {
            trans_type: Some("REFUND".into()),
            ..FaultRule::new(FaultKind::FutureField)
        },
    ])
    .unwrap();
    let trade = c.pay(card("answered_1")).await.unwrap();
    let info = trade.last_response().expect("a trade read from an answer");
    assert_eq!((info.http_status, info.attempts), (200, 2));
    assert_eq!(info.trace_id.len(), 16, "{info:?}");
    assert!(info.elapsed > Duration::ZERO);
    assert!(trade.extra.is_empty(), "{:?}", trade.extra);

    let refund = c
        .refund(RefundRequest {
            merchant_id: "m_1".into(),
            order: OrderRef::OrderId("answered_1".into()),
            refund_id: "answered_r1".into(),
            amount: Amount::parse("1.00").unwrap(),
            reason: None,
            notify_url: None,
        })
        .await
        .unwrap();
    assert_eq!(refund.last_response().map(|i| i.attempts), Some(1));
    assert_ne!(refund.last_response().unwrap().trace_id, info.trace_id);
    assert_eq!(
        refund.extra["x_future_field"],
        serde_json::json!({ "since": "2027-01", "values": [1, "two", null] })
    );
    let written = serde_json::to_value(&refund).unwrap();
    assert_eq!(written["x_future_field"]["since"], "2027-01");
}

/// Every event a hook was given, as the Python binding would see it.
#[derive(Default)]
struct Recorded(std::sync::Mutex<Vec<serde_json::Value>>);

impl tradepay_transport::hooks::Hooks for Recorded {
    fn on_event(&self, event: &tradepay_transport::hooks::AttemptEvent<'_>) {
        let mut json = event.to_json(tradepay_transport::options::Spelling::Python);
        json.insert("phase".into(), event.phase.as_str().into());
        self.0.lock().unwrap().push(json.into());
    }
}

#[tokio::test]
async fn hooks_see_each_attempt_and_each_retry_with_its_delay() {
    let sb = sandbox().await;
    let recorded = std::sync::Arc::new(Recorded::default());
    let c = client(&sb).hooks(recorded.clone()).build().unwrap();
    sb.set_faults(vec![rule(FaultKind::Http503, Some(1))])
        .unwrap();
    let trade = c.pay(card("hooked_1")).await.unwrap();
    let events = recorded.0.lock().unwrap().clone();
    let phases: Vec<_> = events
        .iter()
        .map(|e| format!("{}#{}", e["phase"].as_str().unwrap(), e["attempt"]))
        .collect();
    assert_eq!(
        phases,
        ["request#1", "response#1", "request#2", "response#2"]
    );
    let (first, last) = (&events[1], &events[3]);
    assert_eq!(first["http_status"], 503);
    assert_eq!(first["error"], "GatewayError");
    assert!(first["retry_in"].as_f64().unwrap() > 0.0, "{first}");
    assert_eq!(last["http_status"], 200);
    assert_eq!(last["error"], serde_json::Value::Null);
    assert_eq!(last["retry_in"], serde_json::Value::Null);
    assert_eq!(
        last["trace_id"].as_str(),
        Some(trade.last_response().unwrap().trace_id.as_str())
    );
    assert_eq!(events[0]["order_id"], "hooked_1");
    assert_eq!(events[0]["trans_type"], "PAY");
    assert!(events[0]["elapsed"].as_f64().unwrap() <= last["elapsed"].as_f64().unwrap());
    let text = serde_json::to_string(&events).unwrap();
    for secret in [sb.secret(), "4242424242424242", "\"123\""] {
        assert!(!text.contains(secret), "{secret} reached a hook: {text}");
    }
}

struct Panics;

impl tradepay_transport::hooks::Hooks for Panics {
    fn on_event(&self, _: &tradepay_transport::hooks::AttemptEvent<'_>) {
        panic!("a hook that fails");
    }
}

#[tokio::test]
async fn a_panicking_hook_never_breaks_the_call() {
    let sb = sandbox().await;
    let c = client(&sb)
        .hooks(std::sync::Arc::new(Panics))
        .build()
        .unwrap();
    let trade = c.pay(card("hooked_2")).await.unwrap();
    assert_eq!(trade.status, Status::Success);
    assert_eq!(charges(&sb, "hooked_2"), Some(1));
}
