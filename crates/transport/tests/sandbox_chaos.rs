//! Chaos: 2000 payments while a fifth of all requests meet a seeded fault. Every order must
//! end final, and the sandbox's ledger must show exactly one charge per successful order,
//! none for a failed one, and no order lost or invented.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tradepay_sandbox::{FaultKind, FaultRule, Sandbox, SandboxConfig};
use tradepay_transport::{Client, ErrorKind};
use tradepay_types::{Amount, OrderRef, PayRequest, PaymentMethodData, Status, Trade};

const ORDERS: usize = 2000;
const CONCURRENCY: usize = 64;

fn request(i: usize) -> (PayRequest, bool) {
    let micropay = i % 7 == 0;
    let amount = Amount::from_hundredths(100 + (i as u64 % 997)).unwrap();
    let mut req = PayRequest {
        merchant_id: "m_chaos".into(),
        order_id: format!("chaos_{i:05}"),
        amount,
        currency: "USD".into(),
        // Fixed once per order: every re-send is the same request to the gateway.
        txn_time: Some("2026-11-22T00:00:00Z".into()),
        ..Default::default()
    };
    if micropay {
        req.payment_method = Some("micropay".into());
        // Ending in 4: the sandbox answers SUCCESS at once.
        req.payment_method_data = Some(PaymentMethodData::micropay("13572468004"));
    } else {
        let number = if i % 10 == 3 {
            "4000000000000002" // declined
        } else {
            "4242424242424242"
        };
        req.payment_method = Some("card".into());
        req.return_url = Some("https://shop.example/back".into());
        req.payment_method_data = Some(PaymentMethodData::card(number, "12", "2030", "123"));
    }
    (req, micropay)
}

/// What an application should do: an answer is final; an error that may have been
/// processed, or may succeed later, is followed by the same PAY again (same order_id, so
/// it can never charge twice) until the gateway gives a definitive answer.
async fn pay_until_known(
    client: &Client,
    req: PayRequest,
    micropay: bool,
    errors: &AtomicUsize,
) -> Trade {
    for _ in 0..30 {
        let result = if micropay {
            client.micropay(req.clone(), Duration::from_secs(10)).await
        } else {
            client.pay(req.clone()).await
        };
        match result {
            Ok(trade) => return trade,
            Err(e) => match e.kind() {
                ErrorKind::Validation
                | ErrorKind::Authentication
                | ErrorKind::InvalidRequest
                | ErrorKind::Business => {
                    panic!("{}: unexpected definitive error {e}", req.order_id)
                }
                _ => {
                    errors.fetch_add(1, Ordering::Relaxed);
                    tokio::time::sleep(Duration::from_millis(10)).await
                }
            },
        }
    }
    panic!("{}: no definitive answer after 30 calls", req.order_id)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_thousand_payments_under_twenty_percent_faults() {
    let sb = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let client = Client::builder()
        .base_url(sb.url())
        .access_no(sb.access_no())
        .secret(sb.secret())
        .timeout(Duration::from_secs(2))
        .max_retries(2)
        .retry_backoff(Duration::from_millis(5), Duration::from_millis(40))
        .build()
        .unwrap();

    // Nine kinds, each firing on ~2.45% of requests: 1 - 0.9755^9 ≈ 20% of all requests.
    let kinds = [
        FaultKind::CloseBefore,
        FaultKind::CloseAfterCommit,
        FaultKind::Http503,
        FaultKind::Http429,
        FaultKind::Busy,
        FaultKind::Delay,
        FaultKind::Truncate,
        FaultKind::BadSignature,
        FaultKind::NoSignature,
    ];
    let rules = kinds
        .iter()
        .enumerate()
        .map(|(n, kind)| FaultRule {
            probability: Some(0.0245),
            seed: Some(1000 + n as u64),
            delay_ms: Some(30),
            retry_after: Some(1),
            ..FaultRule::new(*kind)
        })
        .collect();
    sb.set_faults(rules).unwrap();

    let errors = Arc::new(AtomicUsize::new(0));
    let permits = Arc::new(Semaphore::new(CONCURRENCY));
    let mut tasks = JoinSet::new();
    for i in 0..ORDERS {
        let client = client.clone();
        let permits = permits.clone();
        let errors = errors.clone();
        tasks.spawn(async move {
            let _permit = permits.acquire_owned().await.unwrap();
            let (req, micropay) = request(i);
            let order_id = req.order_id.clone();
            (
                order_id,
                pay_until_known(&client, req, micropay, &errors).await,
            )
        });
    }
    let mut seen: HashMap<String, Trade> = HashMap::new();
    while let Some(done) = tasks.join_next().await {
        let (order_id, trade) = done.unwrap();
        seen.insert(order_id, trade);
    }
    sb.clear_faults();
    assert_eq!(seen.len(), ORDERS);

    let ledger: HashMap<String, _> = sb
        .ledger()
        .into_iter()
        .filter(|e| e.merchant_id == "m_chaos")
        .map(|e| (e.order_id.clone(), e))
        .collect();
    assert_eq!(ledger.len(), ORDERS, "no order lost, none invented");

    let mut successes = 0;
    for (order_id, trade) in &seen {
        assert!(trade.status.is_final(), "{order_id} is {}", trade.status);
        let now = client
            .query(OrderRef::OrderId(order_id.clone()), "m_chaos")
            .await
            .unwrap();
        assert_eq!(
            now.status, trade.status,
            "{order_id}: the client saw what the gateway holds"
        );
        let entry = &ledger[order_id];
        assert_eq!(entry.status, trade.status.as_str(), "{order_id}");
        match trade.status {
            Status::Success => {
                successes += 1;
                assert_eq!(entry.charges, 1, "{order_id}: exactly one charge");
            }
            Status::Failed => assert_eq!(entry.charges, 0, "{order_id}: a failure charges nothing"),
            _ => assert!(entry.charges <= 1, "{order_id}"),
        }
    }
    // Signature faults are never retried inside the client, so the faults did reach it.
    let surfaced = errors.load(Ordering::Relaxed);
    eprintln!(
        "chaos: {ORDERS} orders, {successes} succeeded, {surfaced} errors surfaced to the caller"
    );
    assert!(surfaced > 0, "the faults must have fired");
    let declined = (0..ORDERS).filter(|i| i % 7 != 0 && i % 10 == 3).count();
    assert_eq!(
        successes,
        ORDERS - declined,
        "every good card and micropay succeeded"
    );
}
