//! Each fault kind, by count, by trans_type and by seeded probability.

mod common;

use common::*;
use serde_json::json;
use tradepay_sandbox::{FaultKind, FaultRule, Sandbox};

fn rule(kind: FaultKind, trans_type: &str, count: u32) -> FaultRule {
    FaultRule {
        trans_type: Some(trans_type.into()),
        count: Some(count),
        ..FaultRule::new(kind)
    }
}

fn charges(sb: &Sandbox, order_id: &str) -> Option<u32> {
    sb.ledger()
        .into_iter()
        .find(|e| e.order_id == order_id)
        .map(|e| e.charges)
}

#[tokio::test]
async fn close_before_handles_nothing() {
    let sb = sandbox().await;
    let c = TestClient::new(&sb);
    sb.set_faults(vec![rule(FaultKind::CloseBefore, "PAY", 1)])
        .unwrap();
    assert!(c
        .send("PAY", &card("o_cb", "4242424242424242"))
        .await
        .is_err());
    assert_eq!(charges(&sb, "o_cb"), None, "nothing happened");
    assert_eq!(
        c.ok("PAY", &card("o_cb", "4242424242424242")).await.0,
        "00000000"
    );
    assert_eq!(charges(&sb, "o_cb"), Some(1));
}

#[tokio::test]
async fn close_after_commit_commits_then_a_retry_finds_the_order() {
    let sb = sandbox().await;
    let c = TestClient::new(&sb);
    sb.set_faults(vec![rule(FaultKind::CloseAfterCommit, "PAY", 1)])
        .unwrap();
    assert!(c
        .send("PAY", &card("o_cac", "4242424242424242"))
        .await
        .is_err());
    assert_eq!(
        charges(&sb, "o_cac"),
        Some(1),
        "committed before the connection closed"
    );
    let (code, d) = c.ok("PAY", &card("o_cac", "4242424242424242")).await;
    assert_eq!((code.as_str(), s(&d, "status")), ("00000000", "SUCCESS"));
    assert_eq!(
        charges(&sb, "o_cac"),
        Some(1),
        "the retry did not charge again"
    );
}

#[tokio::test]
async fn http_503_and_429_handle_nothing() {
    let sb = sandbox().await;
    let c = TestClient::new(&sb);
    sb.set_faults(vec![
        rule(FaultKind::Http503, "PAY", 1),
        FaultRule {
            retry_after: Some(7),
            ..rule(FaultKind::Http429, "PAY", 1)
        },
    ])
    .unwrap();
    let raw = c
        .send("PAY", &card("o_http", "4242424242424242"))
        .await
        .unwrap();
    assert_eq!(raw.status, 503);
    assert!(raw.signature().is_none());
    let raw = c
        .send("PAY", &card("o_http", "4242424242424242"))
        .await
        .unwrap();
    assert_eq!(raw.status, 429);
    assert_eq!(raw.headers.get("retry-after").unwrap(), "7");
    assert_eq!(charges(&sb, "o_http"), None);
    assert_eq!(
        c.ok("PAY", &card("o_http", "4242424242424242")).await.0,
        "00000000"
    );
}

#[tokio::test]
async fn busy_is_a_signed_90000001_and_handles_nothing() {
    let sb = sandbox().await;
    let c = TestClient::new(&sb);
    sb.set_faults(vec![rule(FaultKind::Busy, "PAY", 2)])
        .unwrap();
    for _ in 0..2 {
        let env = c.call("PAY", &card("o_busy", "4242424242424242")).await;
        assert_eq!(env.code, "90000001");
    }
    assert_eq!(charges(&sb, "o_busy"), None);
    assert_eq!(
        c.ok("PAY", &card("o_busy", "4242424242424242")).await.0,
        "00000000"
    );
}

#[tokio::test]
async fn channel_timeout_commits_and_answers_90000002() {
    let sb = sandbox().await;
    let c = TestClient::new(&sb);
    sb.set_faults(vec![rule(FaultKind::ChannelTimeout, "PAY", 1)])
        .unwrap();
    let env = c.call("PAY", &card("o_ct", "4242424242424242")).await;
    assert_eq!(env.code, "90000002");
    assert_eq!(
        charges(&sb, "o_ct"),
        Some(1),
        "it happened, though the caller cannot know"
    );
    let (_, q) = c.ok("QUERY", &by_order("o_ct")).await;
    assert_eq!(s(&q, "status"), "SUCCESS");
    assert_eq!(
        c.ok("PAY", &card("o_ct", "4242424242424242")).await.0,
        "00000000"
    );
    assert_eq!(charges(&sb, "o_ct"), Some(1));
}

#[tokio::test]
async fn delay_then_normal_answer() {
    let sb = sandbox().await;
    let c = TestClient::new(&sb);
    sb.set_faults(vec![FaultRule {
        delay_ms: Some(150),
        ..rule(FaultKind::Delay, "PAY", 1)
    }])
    .unwrap();
    assert_eq!(
        c.ok("PAY", &card("o_delay", "4242424242424242")).await.0,
        "00000000"
    );
}

#[tokio::test]
async fn truncate_commits_and_cuts_the_body() {
    let sb = sandbox().await;
    let c = TestClient::new(&sb);
    sb.set_faults(vec![rule(FaultKind::Truncate, "PAY", 1)])
        .unwrap();
    let result = c.send("PAY", &card("o_trunc", "4242424242424242")).await;
    assert!(
        result.is_err(),
        "a cut body is a network failure: {result:?}"
    );
    assert_eq!(charges(&sb, "o_trunc"), Some(1));
    assert_eq!(
        c.ok("PAY", &card("o_trunc", "4242424242424242")).await.0,
        "00000000"
    );
    assert_eq!(charges(&sb, "o_trunc"), Some(1));
}

#[tokio::test]
async fn bad_and_missing_signatures() {
    let sb = sandbox().await;
    let c = TestClient::new(&sb);
    sb.set_faults(vec![
        rule(FaultKind::BadSignature, "QUERY", 1),
        rule(FaultKind::NoSignature, "QUERY", 1),
    ])
    .unwrap();
    c.ok("PAY", &card("o_sigf", "4242424242424242")).await;
    let raw = c.send("QUERY", &by_order("o_sigf")).await.unwrap();
    assert_eq!(raw.status, 200);
    assert!(c
        .secret
        .verify(&raw.body, raw.signature().unwrap())
        .is_err());
    assert!(
        tradepay_types::response::open_response(&c.secret, &raw.body, raw.signature()).is_err()
    );
    let raw = c.send("QUERY", &by_order("o_sigf")).await.unwrap();
    assert!(raw.signature().is_none());
    assert!(tradepay_types::response::open_response(&c.secret, &raw.body, None).is_err());
    // Spent: the next answer is signed again.
    assert_eq!(c.call("QUERY", &by_order("o_sigf")).await.code, "00000000");
}

#[tokio::test]
async fn rules_match_their_trans_type_and_clear() {
    let sb = sandbox().await;
    let c = TestClient::new(&sb);
    sb.set_faults(vec![FaultRule {
        trans_type: Some("REFUND".into()),
        ..FaultRule::new(FaultKind::Busy)
    }])
    .unwrap();
    assert_eq!(
        c.ok("PAY", &card("o_tt", "4242424242424242")).await.0,
        "00000000"
    );
    for _ in 0..3 {
        assert_eq!(
            c.call("REFUND", &refund("o_tt", "r_tt", "1")).await.code,
            "90000001",
            "no count: every match"
        );
    }
    sb.clear_faults();
    assert_eq!(
        c.call("REFUND", &refund("o_tt", "r_tt", "1")).await.code,
        "00000000"
    );
    assert!(sb
        .set_faults(vec![FaultRule {
            probability: Some(1.5),
            ..FaultRule::new(FaultKind::Busy)
        }])
        .is_err());
    assert!(sb
        .set_faults(vec![FaultRule {
            trans_type: Some("PAYOUT".into()),
            ..FaultRule::new(FaultKind::Busy)
        }])
        .is_err());
}

async fn busy_pattern(seed: Option<u64>, sandbox_seed: u64) -> Vec<bool> {
    let sb = Sandbox::start(tradepay_sandbox::SandboxConfig {
        seed: sandbox_seed,
        ..Default::default()
    })
    .await
    .unwrap();
    let c = TestClient::new(&sb);
    sb.set_faults(vec![FaultRule {
        probability: Some(0.5),
        seed,
        ..FaultRule::new(FaultKind::Busy)
    }])
    .unwrap();
    let mut pattern = Vec::new();
    for _ in 0..40 {
        pattern.push(c.call("QUERY", &by_order("o_x")).await.code == "90000001");
    }
    pattern
}

#[tokio::test]
async fn probability_is_reproducible_from_the_seed() {
    let a = busy_pattern(Some(7), 0).await;
    let b = busy_pattern(Some(7), 99).await;
    assert_eq!(a, b, "the rule's seed decides");
    let fired = a.iter().filter(|f| **f).count();
    assert!(fired > 5 && fired < 35, "about half fire: {fired}");
    let c = busy_pattern(None, 7).await;
    assert_eq!(a, c, "the sandbox seed is the default");
    let d = busy_pattern(Some(8), 0).await;
    assert_ne!(a, d);
}

#[tokio::test]
async fn probability_with_count_fires_at_most_count_times() {
    let sb = sandbox().await;
    let c = TestClient::new(&sb);
    sb.set_faults(vec![FaultRule {
        probability: Some(0.9),
        count: Some(2),
        ..FaultRule::new(FaultKind::Busy)
    }])
    .unwrap();
    let mut busy = 0;
    for _ in 0..20 {
        if c.call("QUERY", &by_order("o_x")).await.code == "90000001" {
            busy += 1;
        }
    }
    assert_eq!(busy, 2);
}

#[tokio::test]
async fn faults_are_set_over_http_too() {
    let sb = sandbox().await;
    let c = TestClient::new(&sb);
    let rules = json!([{"kind": "http_503", "trans_type": "PAY", "count": 1}]);
    let raw = c
        .post_raw("/sandbox/faults", serde_json::to_vec(&rules).unwrap(), None)
        .await
        .unwrap();
    assert_eq!(raw.status, 200, "{}", String::from_utf8_lossy(&raw.body));
    assert_eq!(
        c.send("PAY", &card("o_hf", "4242424242424242"))
            .await
            .unwrap()
            .status,
        503
    );
    let wrapped = json!({"rules": [{"kind": "busy"}]});
    assert_eq!(
        c.post_raw(
            "/sandbox/faults",
            serde_json::to_vec(&wrapped).unwrap(),
            None
        )
        .await
        .unwrap()
        .status,
        200
    );
    assert_eq!(c.call("QUERY", &by_order("o_hf")).await.code, "90000001");
    let bad = json!([{"kind": "explode"}]);
    assert_eq!(
        c.post_raw("/sandbox/faults", serde_json::to_vec(&bad).unwrap(), None)
            .await
            .unwrap()
            .status,
        400
    );
    assert_eq!(
        c.post_raw("/sandbox/faults/clear", vec![], None)
            .await
            .unwrap()
            .status,
        200
    );
    assert_eq!(c.call("QUERY", &by_order("o_hf")).await.code, "30000001");
    // Kinds serialize with the names of api.md.
    let names: Vec<String> = [
        FaultKind::CloseBefore,
        FaultKind::CloseAfterCommit,
        FaultKind::Http503,
        FaultKind::Http429,
        FaultKind::Busy,
        FaultKind::Delay,
        FaultKind::Truncate,
        FaultKind::BadSignature,
        FaultKind::NoSignature,
        FaultKind::ChannelTimeout,
    ]
    .iter()
    .map(|k| {
        serde_json::to_value(k)
            .unwrap()
            .as_str()
            .unwrap()
            .to_owned()
    })
    .collect();
    assert_eq!(
        names,
        [
            "close_before",
            "close_after_commit",
            "http_503",
            "http_429",
            "busy",
            "delay",
            "truncate",
            "bad_signature",
            "no_signature",
            "channel_timeout"
        ]
    );
}
