//! Every operation and state transition of protocol §6 and the test values of §8.

mod common;

use std::time::Duration;

use common::*;
use serde_json::json;
use tradepay_sandbox::Outcome;

#[tokio::test]
async fn card_outcomes_follow_the_test_cards() {
    let sb = sandbox().await;
    let c = TestClient::new(&sb);
    let cases = [
        ("4242424242424242", "00000000", "SUCCESS", "succeeded", None),
        ("5555555555554444", "00000000", "SUCCESS", "succeeded", None),
        (
            "4000000000000002",
            "00000000",
            "FAILED",
            "requires_payment_method",
            Some("card_declined"),
        ),
        (
            "4000000000009995",
            "00000000",
            "FAILED",
            "requires_payment_method",
            Some("insufficient_funds"),
        ),
        (
            "4242424242424241",
            "00000000",
            "FAILED",
            "requires_payment_method",
            Some("incorrect_number"),
        ),
        (
            "4000000000003220",
            "00000003",
            "PENDING",
            "requires_action",
            None,
        ),
    ];
    for (i, (number, code, status, trade_status, error)) in cases.iter().enumerate() {
        let (got_code, data) = c.ok("PAY", &card(&format!("o_card_{i}"), number)).await;
        assert_eq!(&got_code, code, "card {number}");
        assert_eq!(s(&data, "status"), *status, "card {number}");
        assert_eq!(s(&data, "trade_status"), *trade_status, "card {number}");
        let err = data
            .get("last_payment_error")
            .and_then(|e| e.get("code"))
            .and_then(|c| c.as_str());
        assert_eq!(err, *error, "card {number}");
        assert!(s(&data, "trade_id").starts_with("tr_"));
        assert_eq!(s(&data, "amount"), "10.00");
        assert_eq!(s(&data, "access_no"), sb.access_no());
        if *status == "PENDING" {
            assert!(data["next_action"]["redirect"]["url"]
                .as_str()
                .unwrap()
                .contains("/sandbox/pay/"));
        } else {
            assert!(data.get("next_action").is_none());
        }
        if *status == "SUCCESS" {
            assert!(!s(&data, "paid_at").is_empty());
            assert_eq!(s(&data, "refund_status"), "no_refund");
            assert_eq!(s(&data, "total_refunded_amount"), "0.00");
        }
    }
    let ledger = sb.ledger();
    assert_eq!(ledger.iter().map(|e| e.charges).sum::<u32>(), 2);
}

#[tokio::test]
async fn three_ds_completes_and_expires_after_15_minutes() {
    let sb = sandbox().await;
    let c = TestClient::new(&sb);
    let (_, a) = c.ok("PAY", &card("o_3ds_a", "4000000000003220")).await;
    c.ok("PAY", &card("o_3ds_b", "4000000000003220")).await;
    let (_, f) = c.ok("PAY", &card("o_3ds_f", "4000000000003220")).await;
    let trade = sb.complete(s(&a, "trade_id"), Outcome::Succeeded).unwrap();
    assert_eq!(trade.status.as_str(), "SUCCESS");
    let trade = sb.complete(s(&f, "trade_id"), Outcome::Failed).unwrap();
    assert_eq!(trade.status.as_str(), "FAILED");
    assert!(
        sb.complete(s(&f, "trade_id"), Outcome::Succeeded).is_err(),
        "final orders stay final"
    );

    sb.advance_clock(Duration::from_secs(14 * 60));
    let (_, q) = c.ok("QUERY", &by_order("o_3ds_b")).await;
    assert_eq!(s(&q, "status"), "PENDING");
    sb.advance_clock(Duration::from_secs(61));
    let (code, q) = c.ok("QUERY", &by_order("o_3ds_b")).await;
    assert_eq!(code, "00000000");
    assert_eq!(s(&q, "status"), "CLOSED");
    assert_eq!(s(&q, "trade_status"), "requires_action");
    assert!(q.get("next_action").is_none());
    let (_, q) = c.ok("QUERY", &by_order("o_3ds_a")).await;
    assert_eq!(
        s(&q, "status"),
        "SUCCESS",
        "a completed order does not expire"
    );
}

#[tokio::test]
async fn qr_is_pending_until_completed_and_closes_after_two_minutes() {
    let sb = sandbox().await;
    let c = TestClient::new(&sb);
    let (code, d) = c.ok("PAY", &qr("o_qr_1")).await;
    assert_eq!(code, "00000003");
    assert_eq!(s(&d, "status"), "PENDING");
    assert_eq!(s(&d, "trade_status"), "requires_action");
    let (code, _) = c.ok("PAY", &qr("o_qr_2")).await;
    assert_eq!(code, "00000003");

    sb.complete(s(&d, "trade_id"), Outcome::Succeeded).unwrap();
    let (code, q) = c
        .ok(
            "QUERY",
            &json!({"merchant_id": "m_1", "trade_id": s(&d, "trade_id")}),
        )
        .await;
    assert_eq!(code, "00000000");
    assert_eq!(s(&q, "status"), "SUCCESS");

    sb.advance_clock(Duration::from_secs(119));
    assert_eq!(
        s(&c.ok("QUERY", &by_order("o_qr_2")).await.1, "status"),
        "PENDING"
    );
    sb.advance_clock(Duration::from_secs(2));
    assert_eq!(
        s(&c.ok("QUERY", &by_order("o_qr_2")).await.1, "status"),
        "CLOSED"
    );
    // PAY again with the same parameters returns the order as it is now: CLOSED, code 0.
    let (code, again) = c.ok("PAY", &qr("o_qr_2")).await;
    assert_eq!(code, "00000000");
    assert_eq!(s(&again, "status"), "CLOSED");
}

#[tokio::test]
async fn micropay_test_values() {
    let sb = sandbox().await;
    let c = TestClient::new(&sb);
    let (code, d) = c.ok("PAY", &micropay("o_mp_0", "1234567890")).await;
    assert_eq!((code.as_str(), s(&d, "status")), ("00000000", "SUCCESS"));
    let (code, d) = c.ok("PAY", &micropay("o_mp_2", "1234567892")).await;
    assert_eq!((code.as_str(), s(&d, "status")), ("00000000", "FAILED"));
    assert_eq!(d["last_payment_error"]["code"], "insufficient_funds");

    let (code, d) = c.ok("PAY", &micropay("o_mp_1", "1234567891")).await;
    assert_eq!(
        (code.as_str(), s(&d, "status"), s(&d, "trade_status")),
        ("00000003", "PENDING", "processing")
    );
    let (code, d) = c.ok("PAY", &micropay("o_mp_3", "1234567893")).await;
    assert_eq!((code.as_str(), s(&d, "status")), ("00000003", "PENDING"));

    sb.advance_clock(Duration::from_secs(2));
    assert_eq!(
        s(&c.ok("QUERY", &by_order("o_mp_1")).await.1, "status"),
        "SUCCESS"
    );
    assert_eq!(
        s(&c.ok("QUERY", &by_order("o_mp_3")).await.1, "status"),
        "PENDING"
    );
    sb.advance_clock(Duration::from_secs(58));
    let (_, q) = c.ok("QUERY", &by_order("o_mp_3")).await;
    assert_eq!(s(&q, "status"), "CLOSED");
    assert_eq!(s(&q, "trade_status"), "processing");
    let charges: Vec<(String, u32)> = sb
        .ledger()
        .into_iter()
        .map(|e| (e.order_id, e.charges))
        .collect();
    assert!(charges.contains(&("o_mp_1".into(), 1)));
    assert!(charges.contains(&("o_mp_3".into(), 0)));
}

#[tokio::test]
async fn refunds_hold_pending_amounts_and_count_only_successes() {
    let sb = sandbox().await;
    let c = TestClient::new(&sb);
    c.ok("PAY", &card("o_rf", "4242424242424242")).await;

    let (code, r1) = c.ok("REFUND", &refund("o_rf", "r_1", "2.50")).await;
    assert_eq!((code.as_str(), s(&r1, "status")), ("00000000", "SUCCESS"));
    assert!(!s(&r1, "refunded_at").is_empty());
    let (_, q) = c.ok("QUERY", &by_order("o_rf")).await;
    assert_eq!(
        (s(&q, "refund_status"), s(&q, "total_refunded_amount")),
        ("partially_refunded", "2.50")
    );

    let mut pending = refund("o_rf", "r_2", "5");
    pending["reason"] = json!("sandbox_pending");
    let (_, r2) = c.ok("REFUND", &pending).await;
    assert_eq!(s(&r2, "status"), "PENDING");
    let (_, q) = c.ok("QUERY", &by_order("o_rf")).await;
    assert_eq!(
        s(&q, "total_refunded_amount"),
        "2.50",
        "a pending refund is not counted"
    );

    // 10.00 - 2.50 - 5.00 (held) = 2.50 refundable.
    let (code, _) = c.ok("REFUND", &refund("o_rf", "r_3", "2.51")).await;
    assert_eq!(code, "30000004");
    let mut failing = refund("o_rf", "r_4", "2.50");
    failing["reason"] = json!("sandbox_fail");
    let (code, r4) = c.ok("REFUND", &failing).await;
    assert_eq!((code.as_str(), s(&r4, "status")), ("00000000", "FAILED"));
    let (code, r5) = c.ok("REFUND", &refund("o_rf", "r_5", "2.50")).await;
    assert_eq!((code.as_str(), s(&r5, "status")), ("00000000", "SUCCESS"));

    sb.advance_clock(Duration::from_secs(5));
    let (_, r2) = c
        .ok(
            "REFUND_QUERY",
            &json!({"merchant_id": "m_1", "refund_id": "r_2"}),
        )
        .await;
    assert_eq!(s(&r2, "status"), "SUCCESS");
    let (_, q) = c.ok("QUERY", &by_order("o_rf")).await;
    assert_eq!(
        (s(&q, "refund_status"), s(&q, "total_refunded_amount")),
        ("refunded", "10.00")
    );
    let (code, _) = c.ok("REFUND", &refund("o_rf", "r_6", "0.01")).await;
    assert_eq!(code, "30000004");

    // Idempotency: same refund_id, same params → same refund; different → 30000002.
    let (code, again) = c.ok("REFUND", &refund("o_rf", "r_1", "2.5")).await;
    assert_eq!(
        (code.as_str(), s(&again, "status")),
        ("00000000", "SUCCESS")
    );
    let tid = sb.ledger()[0].trade_id.clone();
    let by_trade =
        json!({"merchant_id": "m_1", "trade_id": tid, "refund_id": "r_1", "amount": "2.50"});
    assert_eq!(
        c.ok("REFUND", &by_trade).await.0,
        "00000000",
        "whichever ID names the order"
    );
    assert_eq!(
        c.ok("REFUND", &refund("o_rf", "r_1", "2.40")).await.0,
        "30000002"
    );
    assert_eq!(
        c.ok(
            "REFUND_QUERY",
            &json!({"merchant_id": "m_1", "refund_id": "nope"})
        )
        .await
        .0,
        "30000001"
    );
    assert_eq!(sb.ledger()[0].refunded, "10.00");
    assert_eq!(
        sb.refunds().len(),
        4,
        "r_1, r_2, r_4, r_5; refused ones are not stored"
    );
}

#[tokio::test]
async fn refund_needs_a_successful_order() {
    let sb = sandbox().await;
    let c = TestClient::new(&sb);
    c.ok("PAY", &qr("o_pend")).await;
    assert_eq!(
        c.ok("REFUND", &refund("o_pend", "r_p", "1.00")).await.0,
        "30000003"
    );
    c.ok("PAY", &card("o_fail", "4000000000000002")).await;
    assert_eq!(
        c.ok("REFUND", &refund("o_fail", "r_f", "1.00")).await.0,
        "30000003"
    );
    assert_eq!(
        c.ok("REFUND", &refund("o_none", "r_n", "1.00")).await.0,
        "30000001"
    );
    let mut jpy = card("o_jpy", "4242424242424242");
    jpy["currency"] = json!("JPY");
    jpy["amount"] = json!("100");
    assert_eq!(c.ok("PAY", &jpy).await.0, "00000000");
    assert_eq!(
        c.ok("REFUND", &refund("o_jpy", "r_j", "1.50")).await.0,
        "22070010"
    );
    assert_eq!(
        c.ok("REFUND", &refund("o_jpy", "r_j", "100.00")).await.0,
        "00000000"
    );
}

#[tokio::test]
async fn reversal_semantics() {
    let sb = sandbox().await;
    let c = TestClient::new(&sb);
    // Paid → refunded in full, closed; pending refunds complete first.
    c.ok("PAY", &card("o_rv_paid", "4242424242424242")).await;
    let mut pending = refund("o_rv_paid", "r_rv", "3.00");
    pending["reason"] = json!("sandbox_pending");
    c.ok("REFUND", &pending).await;
    let (code, d) = c.ok("REVERSAL", &by_order("o_rv_paid")).await;
    assert_eq!(code, "00000000");
    assert_eq!(s(&d, "status"), "CLOSED");
    assert_eq!(s(&d, "trade_status"), "succeeded");
    assert_eq!(s(&d, "refund_status"), "refunded");
    assert_eq!(s(&d, "total_refunded_amount"), "10.00");
    let (_, r) = c
        .ok(
            "REFUND_QUERY",
            &json!({"merchant_id": "m_1", "refund_id": "r_rv"}),
        )
        .await;
    assert_eq!(s(&r, "status"), "SUCCESS");
    // Already closed → answered unchanged.
    let (code, again) = c.ok("REVERSAL", &by_order("o_rv_paid")).await;
    assert_eq!(code, "00000000");
    assert_eq!(again, d);
    // Pending, failed → closed, no charge.
    c.ok("PAY", &micropay("o_rv_mp", "1234567893")).await;
    let (_, d) = c.ok("REVERSAL", &by_order("o_rv_mp")).await;
    assert_eq!(s(&d, "status"), "CLOSED");
    c.ok("PAY", &card("o_rv_failed", "4000000000000002")).await;
    let (_, d) = c.ok("REVERSAL", &by_order("o_rv_failed")).await;
    assert_eq!(s(&d, "status"), "CLOSED");
    assert_eq!(c.ok("REVERSAL", &by_order("o_rv_none")).await.0, "30000001");
    // A reversed micropay does not succeed later.
    c.ok("PAY", &micropay("o_rv_mp1", "1234567891")).await;
    c.ok("REVERSAL", &by_order("o_rv_mp1")).await;
    sb.advance_clock(Duration::from_secs(5));
    assert_eq!(
        s(&c.ok("QUERY", &by_order("o_rv_mp1")).await.1, "status"),
        "CLOSED"
    );
    let ledger = sb.ledger();
    let paid = ledger.iter().find(|e| e.order_id == "o_rv_paid").unwrap();
    assert_eq!(
        (paid.charges, paid.refunded.as_str(), paid.status.as_str()),
        (1, "10.00", "CLOSED")
    );
    assert!(ledger
        .iter()
        .filter(|e| e.order_id != "o_rv_paid")
        .all(|e| e.charges == 0));
}

#[tokio::test]
async fn close_semantics() {
    let sb = sandbox().await;
    let c = TestClient::new(&sb);
    c.ok("PAY", &qr("o_cl")).await;
    let (code, d) = c.ok("CLOSE", &by_order("o_cl")).await;
    assert_eq!((code.as_str(), s(&d, "status")), ("00000000", "CLOSED"));
    let (code, again) = c.ok("CLOSE", &by_order("o_cl")).await;
    assert_eq!(code, "00000000");
    assert_eq!(again, d);
    assert!(sb.complete(s(&d, "trade_id"), Outcome::Succeeded).is_err());
    c.ok("PAY", &card("o_cl_paid", "4242424242424242")).await;
    assert_eq!(c.ok("CLOSE", &by_order("o_cl_paid")).await.0, "30000003");
    c.ok("PAY", &card("o_cl_failed", "4000000000000002")).await;
    assert_eq!(c.ok("CLOSE", &by_order("o_cl_failed")).await.0, "30000003");
    assert_eq!(c.ok("CLOSE", &by_order("o_cl_none")).await.0, "30000001");
}

#[tokio::test]
async fn pay_is_idempotent_by_order_id() {
    let sb = sandbox().await;
    let c = TestClient::new(&sb);
    let (_, first) = c.ok("PAY", &card("o_idem", "4242424242424242")).await;
    let mut same = card("o_idem", "4242424242424242");
    same["amount"] = json!("10");
    same["txn_time"] = json!("2026-11-21T22:18:46Z");
    same["notify_url"] = json!("http://127.0.0.1:9/hook");
    let (code, again) = c.ok("PAY", &same).await;
    assert_eq!(code, "00000000");
    assert_eq!(s(&again, "trade_id"), s(&first, "trade_id"));
    let mut different = card("o_idem", "4242424242424242");
    different["amount"] = json!("10.01");
    assert_eq!(c.ok("PAY", &different).await.0, "30000002");
    let mut other_merchant = card("o_idem", "4242424242424242");
    other_merchant["merchant_id"] = json!("m_2");
    let (code, d) = c.ok("PAY", &other_merchant).await;
    assert_eq!(code, "00000000");
    assert_ne!(
        s(&d, "trade_id"),
        s(&first, "trade_id"),
        "order_id is per merchant"
    );
    assert_eq!(sb.ledger().iter().map(|e| e.charges).sum::<u32>(), 2);
}

#[tokio::test]
async fn query_by_trade_id_and_order_id_must_agree() {
    let sb = sandbox().await;
    let c = TestClient::new(&sb);
    let (_, a) = c.ok("PAY", &card("o_qa", "4242424242424242")).await;
    let (_, b) = c.ok("PAY", &card("o_qb", "4242424242424242")).await;
    let both = json!({"merchant_id": "m_1", "trade_id": s(&a, "trade_id"), "order_id": "o_qa"});
    assert_eq!(c.ok("QUERY", &both).await.0, "00000000");
    let mixed = json!({"merchant_id": "m_1", "trade_id": s(&a, "trade_id"), "order_id": "o_qb"});
    assert_eq!(c.ok("QUERY", &mixed).await.0, "30000001");
    let wrong_merchant = json!({"merchant_id": "m_2", "trade_id": s(&b, "trade_id")});
    assert_eq!(c.ok("QUERY", &wrong_merchant).await.0, "30000001");
    assert_eq!(
        c.ok("QUERY", &json!({"merchant_id": "m_1"})).await.0,
        "22070001"
    );
}

#[tokio::test]
async fn a_card_that_declines_later_subscribes_but_its_renewals_fail() {
    let sb = sandbox().await;
    let c = TestClient::new(&sb);
    let mut sub = card("o_sub_later", "4000000000000341");
    sub["payment_mode"] = json!("subscription");
    let (code, d) = c.ok("PAY", &sub).await;
    assert_eq!((code.as_str(), s(&d, "status")), ("00000000", "SUCCESS"));
    let token = s(&d, "payment_token").to_owned();
    let renew = json!({"merchant_id": "m_1", "order_id": "o_renew_later", "amount": "10.00", "currency": "USD",
        "payment_method": "card", "payment_mode": "recurring_payment", "payment_token": token});
    let (_, d) = c.ok("PAY", &renew).await;
    assert_eq!(s(&d, "status"), "FAILED");
    assert_eq!(d["last_payment_error"]["code"], "card_declined");
}

#[tokio::test]
async fn subscription_token_pays_renewals() {
    let sb = sandbox().await;
    let c = TestClient::new(&sb);
    let mut sub = card("o_sub", "4242424242424242");
    sub["payment_mode"] = json!("subscription");
    let (_, d) = c.ok("PAY", &sub).await;
    let token = s(&d, "payment_token").to_owned();
    assert!(token.starts_with("tok_"));
    let renew = json!({"merchant_id": "m_1", "order_id": "o_renew", "amount": "10.00", "currency": "USD",
        "payment_method": "card", "payment_mode": "recurring_payment", "payment_token": token});
    let (code, d) = c.ok("PAY", &renew).await;
    assert_eq!((code.as_str(), s(&d, "status")), ("00000000", "SUCCESS"));
    let mut bad = renew.clone();
    bad["order_id"] = json!("o_renew_bad");
    bad["payment_token"] = json!("tok_unknown");
    assert_eq!(c.ok("PAY", &bad).await.0, "30000005");
    let mut other = renew.clone();
    other["order_id"] = json!("o_renew_other");
    other["merchant_id"] = json!("m_2");
    assert_eq!(
        c.ok("PAY", &other).await.0,
        "30000005",
        "a token belongs to its merchant"
    );
}

#[tokio::test]
async fn orders_keep_metadata_and_times() {
    let sb = sandbox().await;
    let c = TestClient::new(&sb);
    let mut p = card("o_meta", "4242424242424242");
    p["metadata"] = json!({"cart": "42", "note": "héllo"});
    p["customer_id"] = json!("cus_1");
    p["txn_time"] = json!("2026-11-21T22:18:46Z");
    let (_, d) = c.ok("PAY", &p).await;
    assert_eq!(d["metadata"], json!({"cart": "42", "note": "héllo"}));
    assert_eq!(s(&d, "customer_id"), "cus_1");
    assert_eq!(s(&d, "txn_time"), "2026-11-21T22:18:46Z");
    let created = tradepay_types::time::parse_rfc3339(s(&d, "created_at")).unwrap();
    sb.advance_clock(Duration::from_secs(3600));
    let (_, d2) = c.ok("PAY", &card("o_meta2", "4242424242424242")).await;
    let created2 = tradepay_types::time::parse_rfc3339(s(&d2, "created_at")).unwrap();
    assert!(
        created2 - created >= 3600,
        "created_at follows the sandbox clock"
    );
    assert_eq!(sb.orders().len(), 2);
    sb.reset();
    assert!(sb.orders().is_empty());
    assert_eq!(c.ok("QUERY", &by_order("o_meta")).await.0, "30000001");
}
