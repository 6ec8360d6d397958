//! Exactly one refund: concurrent duplicate REFUNDs, and REFUND/REVERSAL replayed after a
//! commit whose answer was lost (faults restricted to that trans_type).

mod common;

use std::sync::Arc;

use common::*;
use serde_json::Value;
use tradepay_sandbox::{FaultKind, FaultRule, Sandbox};

fn refunded(sb: &Sandbox, order_id: &str) -> String {
    sb.ledger()
        .into_iter()
        .find(|e| e.order_id == order_id)
        .map(|e| e.refunded)
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn thirty_two_concurrent_duplicate_refunds_make_one() {
    let sb = sandbox().await;
    let c = Arc::new(TestClient::new(&sb));
    c.ok("PAY", &card("o_dup_refund", "4242424242424242")).await;
    let mut tasks = Vec::new();
    for _ in 0..32 {
        let c = c.clone();
        tasks.push(tokio::spawn(async move {
            let own = c.clone_of();
            own.ok("REFUND", &refund("o_dup_refund", "r_dup", "4.00"))
                .await
        }));
    }
    let mut answers = Vec::new();
    for t in tasks {
        let (code, data) = t.await.unwrap();
        assert_eq!(code, "00000000");
        answers.push(data);
    }
    assert!(
        answers.iter().all(|a| a == &answers[0]),
        "every duplicate gets the same refund"
    );
    assert_eq!(s(&answers[0], "status"), "SUCCESS");
    assert_eq!(sb.refunds().len(), 1);
    assert_eq!(refunded(&sb, "o_dup_refund"), "4.00");
}

const LOST_ANSWERS: [FaultKind; 3] = [
    FaultKind::CloseAfterCommit,
    FaultKind::ChannelTimeout,
    FaultKind::Truncate,
];

fn only(kind: FaultKind, trans_type: &str) -> FaultRule {
    FaultRule {
        trans_type: Some(trans_type.into()),
        count: Some(1),
        ..FaultRule::new(kind)
    }
}

/// The first attempt's answer is lost (closed, 90000002 or truncated); true if it was.
async fn lost(c: &TestClient, trans_type: &str, data: &Value) -> bool {
    match c.send(trans_type, data).await {
        Err(_) => true,
        Ok(raw) => raw.status != 200 || envelope_code(&raw) == Some("90000002".into()),
    }
}

fn envelope_code(raw: &Raw) -> Option<String> {
    tradepay_types::Envelope::parse(&raw.body)
        .ok()
        .map(|e| e.code)
}

#[tokio::test]
async fn a_refund_replayed_after_a_lost_answer_refunds_once() {
    let sb = sandbox().await;
    let c = TestClient::new(&sb);
    for (i, kind) in LOST_ANSWERS.into_iter().enumerate() {
        let order = format!("o_replay_refund_{i}");
        let refund_id = format!("r_replay_{i}");
        // The rule is armed before the PAY: restricted to REFUND, it leaves the PAY alone.
        sb.set_faults(vec![only(kind, "REFUND")]).unwrap();
        assert_eq!(
            c.ok("PAY", &card(&order, "4242424242424242")).await.0,
            "00000000"
        );
        let data = refund(&order, &refund_id, "3.00");
        assert!(lost(&c, "REFUND", &data).await, "{kind:?} lost the answer");
        // Committed although the caller could not know.
        assert_eq!(refunded(&sb, &order), "3.00", "{kind:?}");
        let (code, retry) = c.ok("REFUND", &data).await;
        assert_eq!(code, "00000000", "{kind:?}");
        let (_, stored) = c
            .ok(
                "REFUND_QUERY",
                &serde_json::json!({"merchant_id": "m_1", "refund_id": refund_id}),
            )
            .await;
        assert_eq!(
            retry, stored,
            "{kind:?}: the retry gets the refund as it is"
        );
        assert_eq!(s(&retry, "status"), "SUCCESS");
        assert_eq!(
            refunded(&sb, &order),
            "3.00",
            "{kind:?}: exactly one refund"
        );
    }
    assert_eq!(sb.refunds().len(), LOST_ANSWERS.len());
}

#[tokio::test]
async fn a_reversal_replayed_after_a_lost_answer_reverses_once() {
    let sb = sandbox().await;
    let c = TestClient::new(&sb);
    for (i, kind) in LOST_ANSWERS.into_iter().enumerate() {
        let order = format!("o_replay_reversal_{i}");
        sb.set_faults(vec![only(kind, "REVERSAL")]).unwrap();
        assert_eq!(
            c.ok("PAY", &card(&order, "4242424242424242")).await.0,
            "00000000"
        );
        // A partial refund first, so that a second reversal would show as a second refund.
        assert_eq!(
            c.ok("REFUND", &refund(&order, &format!("r_rev_{i}"), "2.00"))
                .await
                .0,
            "00000000"
        );
        assert!(
            lost(&c, "REVERSAL", &by_order(&order)).await,
            "{kind:?} lost the answer"
        );
        assert_eq!(refunded(&sb, &order), "10.00", "{kind:?}");
        let (code, retry) = c.ok("REVERSAL", &by_order(&order)).await;
        assert_eq!(code, "00000000");
        let (_, stored) = c.ok("QUERY", &by_order(&order)).await;
        assert_eq!(retry, stored, "{kind:?}: the retry gets the order as it is");
        assert_eq!(s(&retry, "status"), "CLOSED");
        assert_eq!(s(&retry, "total_refunded_amount"), "10.00");
        assert_eq!(refunded(&sb, &order), "10.00", "{kind:?}: reversed once");
        let charges: u32 = sb
            .ledger()
            .iter()
            .filter(|e| e.order_id == order)
            .map(|e| e.charges)
            .sum();
        assert_eq!(charges, 1);
    }
}

#[tokio::test]
async fn fault_rules_are_restricted_per_trans_type() {
    let sb = sandbox().await;
    let c = TestClient::new(&sb);
    c.ok("PAY", &card("o_per_type", "4242424242424242")).await;
    for trans_type in [
        "PAY",
        "QUERY",
        "REFUND",
        "REFUND_QUERY",
        "REVERSAL",
        "CLOSE",
    ] {
        sb.set_faults(vec![FaultRule {
            trans_type: Some(trans_type.into()),
            ..FaultRule::new(FaultKind::Http503)
        }])
        .unwrap();
        for other in ["QUERY", "REFUND_QUERY"] {
            if other == trans_type {
                continue;
            }
            let data = if other == "QUERY" {
                by_order("o_per_type")
            } else {
                serde_json::json!({"merchant_id": "m_1", "refund_id": "r_none"})
            };
            assert_eq!(
                c.send(other, &data).await.unwrap().status,
                200,
                "{trans_type} spares {other}"
            );
        }
        let hit = c.send(trans_type, &by_order("o_per_type")).await.unwrap();
        assert_eq!(hit.status, 503, "{trans_type}");
    }
}

#[tokio::test]
async fn fault_delays_past_a_day_are_refused_not_held() {
    let sb = sandbox().await;
    for rule in [
        FaultRule {
            delay_ms: Some(u64::MAX),
            ..FaultRule::new(FaultKind::Delay)
        },
        FaultRule {
            retry_after: Some(u64::MAX),
            ..FaultRule::new(FaultKind::Http429)
        },
    ] {
        let e = sb.set_faults(vec![rule]).unwrap_err();
        assert!(e.to_string().contains("between 0 and 86400 seconds"), "{e}");
    }
    let c = TestClient::new(&sb);
    let raw = c
        .post_raw(
            "/sandbox/faults",
            br#"[{"kind":"delay","delay_ms":18446744073709551615}]"#.to_vec(),
            None,
        )
        .await
        .unwrap();
    assert_eq!(raw.status, 400);
    assert_eq!(
        c.ok("QUERY", &by_order("o_none")).await.0,
        "30000001",
        "no rule was set"
    );
    sb.set_faults(vec![FaultRule {
        delay_ms: Some(10),
        ..FaultRule::new(FaultKind::Delay)
    }])
    .unwrap();
}
