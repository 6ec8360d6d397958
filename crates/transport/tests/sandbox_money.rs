//! Money safety against the sandbox: a dropped micropay is reversed in the background, a
//! replayed answer about another order is never a result, and REFUND / REVERSAL retried
//! after the gateway committed (or sent 32 times at once) give exactly one refund.

mod fixtures;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tradepay_sandbox::{FaultKind, FaultRule, LedgerEntry, Sandbox, SandboxConfig};
use tradepay_transport::{Client, ErrorKind};
use tradepay_types::{Amount, OrderRef, RefundRequest, Status};

use fixtures::{card_pay, micropay_pay, sandbox_client};

async fn setup() -> (Sandbox, Client) {
    let sb = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let client = sandbox_client(&sb).build().unwrap();
    (sb, client)
}

fn entry(sb: &Sandbox, order_id: &str) -> Option<LedgerEntry> {
    sb.ledger().into_iter().find(|e| e.order_id == order_id)
}

/// Polls the ledger until `order_id` satisfies `done`, for at most `within`.
async fn eventually(
    sb: &Sandbox,
    order_id: &str,
    within: Duration,
    done: impl Fn(&LedgerEntry) -> bool,
) -> Option<LedgerEntry> {
    let until = std::time::Instant::now() + within;
    loop {
        let e = entry(sb, order_id);
        if e.as_ref().is_some_and(&done) || std::time::Instant::now() >= until {
            return e;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_dropped_micropay_with_a_pending_order_is_reversed_in_the_background() {
    let (sb, client) = setup().await;
    // Ending 3: PENDING until reversed or closed.
    let call = client.micropay(
        micropay_pay("drop_pending", "4.00", "1234567890003"),
        Duration::from_secs(30),
    );
    // The caller gives up (a timeout, a select!, a cancelled task): the future is dropped
    // while micropay is querying.
    assert!(tokio::time::timeout(Duration::from_millis(700), call)
        .await
        .is_err());
    assert_eq!(entry(&sb, "drop_pending").unwrap().status, "PENDING");
    let e = eventually(&sb, "drop_pending", Duration::from_secs(10), |e| {
        e.status == "CLOSED"
    })
    .await
    .unwrap();
    assert_eq!(e.status, "CLOSED", "never left pending and unseen: {e:?}");
    assert_eq!(e.charges, 0);
}

#[tokio::test]
async fn a_micropay_dropped_while_its_pay_is_in_flight_is_reversed() {
    let sb = Sandbox::start(SandboxConfig::default()).await.unwrap();
    // The gateway charges at once (code ending 4), but the answer is held 3 s on its way
    // back: the caller gives up while the PAY is in flight, already charged.
    let proxy = proxy(sb.url(), "PAY", Mode::Hold(Duration::from_secs(3))).await;
    let client = Client::builder()
        .base_url(&proxy)
        .access_no(sb.access_no())
        .secret(sb.secret())
        .build()
        .unwrap();
    let call = client.micropay(
        micropay_pay("drop_inflight", "6.00", "1234567890004"),
        Duration::from_secs(30),
    );
    assert!(tokio::time::timeout(Duration::from_millis(500), call)
        .await
        .is_err());
    assert_eq!(entry(&sb, "drop_inflight").unwrap().status, "SUCCESS");
    let e = eventually(&sb, "drop_inflight", Duration::from_secs(10), |e| {
        e.status == "CLOSED"
    })
    .await
    .unwrap();
    assert_eq!(e.status, "CLOSED", "charged and unseen: {e:?}");
    assert_eq!(e.refunded, e.amount, "{e:?}");
    assert_eq!(e.charges, 1);
}

#[tokio::test]
async fn a_micropay_that_finishes_is_not_reversed_afterwards() {
    let (sb, client) = setup().await;
    let t = client
        .micropay(
            micropay_pay("mp_done", "2.00", "1234567890004"),
            Duration::from_secs(10),
        )
        .await
        .unwrap();
    assert_eq!(t.status, Status::Success);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let e = entry(&sb, "mp_done").unwrap();
    assert_eq!((e.status.as_str(), e.refunded.as_str()), ("SUCCESS", "0.00"));
}

/// What the proxy does to the answers of one transType.
#[derive(Clone, Copy)]
enum Mode {
    /// Answer the nth request (0-based) with the gateway's answer to the first one: a
    /// validly signed answer about another order or refund.
    Replay(usize),
    /// Forward, then hold the gateway's answer this long before passing it on.
    Hold(Duration),
}

/// A proxy in front of the sandbox that forwards every request, and treats the answers
/// to `trans_type` as `mode` says.
async fn proxy(upstream: &str, trans_type: &'static str, mode: Mode) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let upstream = upstream.trim_start_matches("http://").to_owned();
    let captured: Arc<Mutex<Option<Vec<u8>>>> = Arc::default();
    let seen = Arc::new(AtomicUsize::new(0));
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let (upstream, captured, seen) = (upstream.clone(), captured.clone(), seen.clone());
            tokio::spawn(async move {
                let _ = proxy_one(stream, &upstream, trans_type, mode, &captured, &seen).await;
            });
        }
    });
    url
}

async fn proxy_one(
    mut client: TcpStream,
    upstream: &str,
    trans_type: &str,
    mode: Mode,
    captured: &Mutex<Option<Vec<u8>>>,
    seen: &AtomicUsize,
) -> std::io::Result<()> {
    // One request per connection: read its head and body.
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break p;
        }
        let n = client.read(&mut chunk).await?;
        if n == 0 {
            return Ok(());
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let len: usize = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim()
                .eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse().ok())?
        })
        .unwrap_or(0);
    while buf.len() < head_end + 4 + len {
        let n = client.read(&mut chunk).await?;
        if n == 0 {
            return Ok(());
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let body = &buf[head_end + 4..head_end + 4 + len];
    let is_target = serde_json::from_slice::<serde_json::Value>(body)
        .is_ok_and(|v| v["transType"] == trans_type);
    let mut forward = String::new();
    for line in head.lines() {
        if !line.to_ascii_lowercase().starts_with("connection:") {
            forward.push_str(line);
            forward.push_str("\r\n");
        }
    }
    forward.push_str("connection: close\r\n\r\n");
    let mut up = TcpStream::connect(upstream).await?;
    up.write_all(forward.as_bytes()).await?;
    up.write_all(body).await?;
    let mut answer = Vec::new();
    up.read_to_end(&mut answer).await?;
    match mode {
        Mode::Replay(nth) if is_target => {
            let n = seen.fetch_add(1, Ordering::SeqCst);
            let mut cap = captured.lock().unwrap();
            if n == 0 {
                *cap = Some(answer.clone());
            } else if n == nth {
                answer = cap.clone().unwrap_or(answer);
            }
        }
        Mode::Hold(d) if is_target => tokio::time::sleep(d).await,
        _ => {}
    }
    client.write_all(&answer).await?;
    client.shutdown().await
}

#[tokio::test]
async fn a_replayed_pay_answer_about_another_order_is_never_a_result() {
    let sb = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let proxy = proxy(sb.url(), "PAY", Mode::Replay(1)).await;
    let client = Client::builder()
        .base_url(&proxy)
        .access_no(sb.access_no())
        .secret(sb.secret())
        .max_retries(0)
        .build()
        .unwrap();
    let first = client
        .pay(card_pay("replay_a", "10.00", "USD", "123"))
        .await
        .unwrap();
    assert_eq!(first.order_id.as_deref(), Some("replay_a"));
    let e = client
        .pay(card_pay("replay_b", "10.00", "USD", "123"))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Protocol, "{e}");
    assert!(e.is_outcome_unknown(), "replay_b was charged behind the replay");
    assert!(e.message().contains("order_id"), "{e}");
    // What the caller must do next: query; the truth is there.
    let t = client
        .query(OrderRef::OrderId("replay_b".into()), "m_1")
        .await
        .unwrap();
    assert_eq!(t.order_id.as_deref(), Some("replay_b"));
}

#[tokio::test]
async fn a_replayed_refund_answer_about_another_refund_is_never_a_result() {
    let sb = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let direct = sandbox_client(&sb).build().unwrap();
    let paid = direct
        .pay(card_pay("replay_r", "10.00", "USD", "123"))
        .await
        .unwrap();
    let proxy = proxy(sb.url(), "REFUND", Mode::Replay(1)).await;
    let client = Client::builder()
        .base_url(&proxy)
        .access_no(sb.access_no())
        .secret(sb.secret())
        .max_retries(0)
        .build()
        .unwrap();
    let refund = |id: &str| RefundRequest {
        merchant_id: "m_1".into(),
        order: OrderRef::TradeId(paid.trade_id.clone().unwrap()),
        refund_id: id.into(),
        amount: Amount::parse("1.00").unwrap(),
        reason: None,
        notify_url: None,
    };
    client.refund(refund("rr_1")).await.unwrap();
    let e = client.refund(refund("rr_2")).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Protocol, "{e}");
    assert!(e.is_outcome_unknown());
    assert!(e.message().contains("refund_id"), "{e}");
}

fn refund_of(order_id: &str, refund_id: &str, amount: &str) -> RefundRequest {
    RefundRequest {
        merchant_id: "m_1".into(),
        order: OrderRef::OrderId(order_id.into()),
        refund_id: refund_id.into(),
        amount: Amount::parse(amount).unwrap(),
        reason: None,
        notify_url: None,
    }
}

fn refunds_with_id(sb: &Sandbox, refund_id: &str) -> usize {
    sb.refunds()
        .iter()
        .filter(|r| r.refund_id.as_deref() == Some(refund_id))
        .count()
}

const COMMITTED_THEN_LOST: [FaultKind; 3] = [
    FaultKind::CloseAfterCommit,
    FaultKind::ChannelTimeout,
    FaultKind::Truncate,
];

#[tokio::test]
async fn a_refund_retried_after_a_lost_answer_refunds_once() {
    let (sb, client) = setup().await;
    for (i, kind) in COMMITTED_THEN_LOST.into_iter().enumerate() {
        let order_id = format!("rf_once_{i}");
        let refund_id = format!("r_once_{i}");
        client
            .pay(card_pay(&order_id, "10.00", "USD", "123"))
            .await
            .unwrap();
        sb.set_faults(vec![FaultRule {
            trans_type: Some("REFUND".into()),
            count: Some(1),
            ..FaultRule::new(kind)
        }])
        .unwrap();
        let r = client
            .refund(refund_of(&order_id, &refund_id, "3.00"))
            .await
            .unwrap_or_else(|e| panic!("{kind:?}: {e}"));
        assert_eq!(r.status, Status::Success, "{kind:?}");
        assert_eq!(refunds_with_id(&sb, &refund_id), 1, "{kind:?}");
        let e = entry(&sb, &order_id).unwrap();
        assert_eq!(e.refunded, "3.00", "{kind:?}: refunded once");
        assert_eq!(e.charges, 1, "{kind:?}");
    }
}

#[tokio::test]
async fn a_reversal_retried_after_a_lost_answer_reverses_once() {
    let (sb, client) = setup().await;
    for (i, kind) in COMMITTED_THEN_LOST.into_iter().enumerate() {
        let order_id = format!("rv_once_{i}");
        client
            .pay(card_pay(&order_id, "10.00", "USD", "123"))
            .await
            .unwrap();
        sb.set_faults(vec![FaultRule {
            trans_type: Some("REVERSAL".into()),
            count: Some(1),
            ..FaultRule::new(kind)
        }])
        .unwrap();
        let t = client
            .reverse(OrderRef::OrderId(order_id.clone()), "m_1")
            .await
            .unwrap_or_else(|e| panic!("{kind:?}: {e}"));
        assert_eq!(t.status, Status::Closed, "{kind:?}");
        let e = entry(&sb, &order_id).unwrap();
        assert_eq!(e.status, "CLOSED", "{kind:?}");
        assert_eq!(e.refunded, "10.00", "{kind:?}: given back once, in full");
        assert_eq!(e.charges, 1, "{kind:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thirty_two_concurrent_duplicate_refunds_refund_once() {
    let (sb, client) = setup().await;
    client
        .pay(card_pay("rf_dup", "10.00", "USD", "123"))
        .await
        .unwrap();
    let calls: Vec<_> = (0..32)
        .map(|_| {
            let c = client.clone();
            tokio::spawn(async move { c.refund(refund_of("rf_dup", "r_dup", "4.00")).await })
        })
        .collect();
    let mut refunds = Vec::new();
    for call in calls {
        refunds.push(call.await.unwrap().unwrap());
    }
    assert!(refunds.iter().all(|r| r.status == Status::Success));
    assert!(refunds.iter().all(|r| r.created_at == refunds[0].created_at));
    assert_eq!(refunds_with_id(&sb, "r_dup"), 1);
    assert_eq!(entry(&sb, "rf_dup").unwrap().refunded, "4.00");
}
