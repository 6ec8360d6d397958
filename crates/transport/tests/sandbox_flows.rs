//! The flows against the sandbox: wait_final and micropay, with and without faults.

mod fixtures;

use std::time::Duration;

use tradepay_sandbox::{FaultKind, FaultRule, Outcome, Sandbox, SandboxConfig};
use tradepay_transport::{Client, ErrorKind};
use tradepay_types::{Amount, OrderRef, PayRequest, Status};

use fixtures::charges;

fn micropay(order_id: &str, auth_code: &str) -> PayRequest {
    fixtures::micropay_pay(order_id, "7.77", auth_code)
}

async fn setup() -> (Sandbox, Client) {
    let sb = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let client = fixtures::sandbox_client(&sb).build().unwrap();
    (sb, client)
}

fn qr(order_id: &str) -> PayRequest {
    PayRequest {
        merchant_id: "m_1".into(),
        order_id: order_id.into(),
        amount: Amount::parse("5").unwrap(),
        currency: "USD".into(),
        payment_method: Some("qr".into()),
        ..Default::default()
    }
}

#[tokio::test]
async fn micropay_pending_then_success() {
    let (sb, client) = setup().await;
    let t = client
        .micropay(micropay("mp_ok", "1234567890001"), Duration::from_secs(15))
        .await
        .unwrap();
    assert_eq!(t.status, Status::Success);
    assert_eq!(charges(&sb, "mp_ok"), Some(1));
}

#[tokio::test]
async fn micropay_declined_is_a_result() {
    let (sb, client) = setup().await;
    let t = client
        .micropay(micropay("mp_no", "1234567890002"), Duration::from_secs(5))
        .await
        .unwrap();
    assert_eq!(t.status, Status::Failed);
    assert_eq!(charges(&sb, "mp_no"), Some(0));
}

#[tokio::test]
async fn micropay_never_confirmed_is_reversed() {
    let (sb, client) = setup().await;
    let t = client
        .micropay(micropay("mp_rev", "1234567890003"), Duration::from_secs(1))
        .await
        .unwrap();
    assert_eq!(t.status, Status::Closed);
    let now = client
        .query(OrderRef::OrderId("mp_rev".into()), "m_1")
        .await
        .unwrap();
    assert_eq!(now.status, Status::Closed);
    assert_eq!(charges(&sb, "mp_rev"), Some(0));
}

#[tokio::test]
async fn micropay_learns_a_lost_answer_without_charging_twice() {
    let (sb, client) = setup().await;
    sb.set_faults(vec![FaultRule {
        trans_type: Some("PAY".into()),
        ..FaultRule::new(FaultKind::CloseAfterCommit)
    }])
    .unwrap();
    let t = client
        .micropay(
            micropay("mp_lost", "1234567890004"),
            Duration::from_secs(10),
        )
        .await
        .unwrap();
    assert_eq!(t.status, Status::Success);
    assert_eq!(charges(&sb, "mp_lost"), Some(1));
}

#[tokio::test]
async fn micropay_whose_reversal_fails_says_outcome_unknown() {
    let (sb, client) = setup().await;
    sb.set_faults(vec![FaultRule {
        trans_type: Some("REVERSAL".into()),
        ..FaultRule::new(FaultKind::Http503)
    }])
    .unwrap();
    let e = client
        .micropay(
            micropay("mp_stuck", "1234567890003"),
            Duration::from_millis(800),
        )
        .await
        .unwrap_err();
    assert!(e.is_outcome_unknown(), "{e}");
    assert_eq!(e.trade().map(|t| t.status.clone()), Some(Status::Pending));
    sb.clear_faults();
    // Reconciling later is one call.
    let t = client
        .reverse(OrderRef::OrderId("mp_stuck".into()), "m_1")
        .await
        .unwrap();
    assert_eq!(t.status, Status::Closed);
}

#[tokio::test]
async fn wait_final_sees_a_completed_qr_payment() {
    let (sb, client) = setup().await;
    let t = client.pay(qr("qr_ok")).await.unwrap();
    assert_eq!(t.status, Status::Pending);
    let trade_id = t.trade_id.unwrap();
    let waiter = {
        let client = client.clone();
        let trade_id = trade_id.clone();
        tokio::spawn(async move {
            client
                .wait_final(OrderRef::TradeId(trade_id), "m_1", Duration::from_secs(10))
                .await
        })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    sb.complete(&trade_id, Outcome::Succeeded).unwrap();
    let t = waiter.await.unwrap().unwrap();
    assert_eq!(t.status, Status::Success);
    assert_eq!(charges(&sb, "qr_ok"), Some(1));
}

#[tokio::test]
async fn wait_final_times_out_with_the_pending_trade() {
    let (_sb, client) = setup().await;
    client.pay(qr("qr_slow")).await.unwrap();
    let e = client
        .wait_final(
            OrderRef::OrderId("qr_slow".into()),
            "m_1",
            Duration::from_millis(600),
        )
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout);
    assert_eq!(e.trade().unwrap().status, Status::Pending);
}

#[tokio::test]
async fn wait_final_sees_an_expired_qr_closed() {
    let (sb, client) = setup().await;
    client.pay(qr("qr_expired")).await.unwrap();
    sb.advance_clock(Duration::from_secs(121));
    let t = client
        .wait_final(
            OrderRef::OrderId("qr_expired".into()),
            "m_1",
            Duration::from_secs(5),
        )
        .await
        .unwrap();
    assert_eq!(t.status, Status::Closed);
}

#[tokio::test]
async fn wait_final_ends_at_once_on_an_unknown_order() {
    let (_sb, client) = setup().await;
    let e = client
        .wait_final(
            OrderRef::OrderId("nope".into()),
            "m_1",
            Duration::from_secs(30),
        )
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Business);
    assert_eq!(e.code(), Some("30000001"));
}
