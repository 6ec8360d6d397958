//! Chaos: many operations (card, QR + wait_final, micropay, refund, reversal) while about a
//! fifth of all requests of every transType meet a seeded fault of every kind. At the end
//! the sandbox's ledger must agree with what the caller was told: every order final, none
//! charged twice, none refunded twice, every success the caller saw charged, and nothing
//! charged or refunded that the caller was told was not processed.
//!
//! `TRADEPAY_CHAOS_OPS` sets the number of operations (default 2000), for `cargo xtask soak`.

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tradepay_sandbox::{FaultKind, FaultRule, Outcome, Sandbox, SandboxConfig};
use tradepay_transport::{Client, Error, ErrorKind};
use tradepay_types::{
    Amount, OrderRef, PayRequest, PaymentMethodData, RefundRequest, Status, Trade,
};

const DEFAULT_OPS: usize = 2000;
const CONCURRENCY: usize = 64;
const MERCHANT: &str = "m_chaos";

fn ops() -> usize {
    std::env::var("TRADEPAY_CHAOS_OPS")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|&n| n > 0)
        .unwrap_or(DEFAULT_OPS)
}

/// What one operation does; chosen by its index.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Op {
    /// PAY a card until a definitive answer (declined when `declined`).
    Card { declined: bool },
    /// One PAY call, whatever it answers: "not processed" must mean not charged.
    CardOnce,
    /// PAY by QR, the customer completes it at the sandbox, wait_final sees it.
    Qr { pays: bool },
    /// micropay charged at once.
    Micropay,
    /// micropay that stays pending: reversed at its short deadline.
    MicropayReversed,
    /// Card PAY, then a partial REFUND until known.
    Refund,
    /// Card PAY, then REVERSAL until known.
    Reversal,
    /// Card PAY, then one REFUND call: "not processed" must mean not refunded.
    RefundOnce,
}

fn op(i: usize) -> Op {
    match i % 10 {
        0 | 1 => Op::Card {
            declined: i % 20 == 1,
        },
        2 => Op::CardOnce,
        3 => Op::Qr { pays: i % 20 == 3 },
        4 => Op::Micropay,
        5 => Op::MicropayReversed,
        6 => Op::Refund,
        7 => Op::Reversal,
        8 => Op::RefundOnce,
        _ => Op::Card { declined: false },
    }
}

/// What the caller ended up knowing about one order.
#[derive(Debug)]
struct Seen {
    op: Op,
    amount: Amount,
    /// The last trade the caller was given (None: only errors).
    trade: Option<Trade>,
    /// For CardOnce / RefundOnce: the call failed and said it was not processed.
    told_not_processed: bool,
    /// For refunds: the refund the caller was given succeeded, with this amount.
    refunded: Option<Amount>,
}

fn pay_request(i: usize, op: Op) -> PayRequest {
    let amount = Amount::from_hundredths(500 + (i as u64 % 997)).unwrap();
    let mut req = PayRequest {
        merchant_id: MERCHANT.into(),
        order_id: format!("chaos_{i:06}"),
        amount,
        currency: "USD".into(),
        // Fixed once per order: every re-send is the same request to the gateway.
        txn_time: Some("2026-11-22T00:00:00Z".into()),
        ..Default::default()
    };
    match op {
        Op::Qr { .. } => req.payment_method = Some("qr".into()),
        Op::Micropay | Op::MicropayReversed => {
            req.payment_method = Some("micropay".into());
            // Ending 4: SUCCESS at once; ending 3: PENDING until reversed.
            let code = if op == Op::Micropay {
                "13572468004"
            } else {
                "13572468003"
            };
            req.payment_method_data = Some(PaymentMethodData::micropay(code));
        }
        _ => {
            let number = if op == (Op::Card { declined: true }) {
                "4000000000000002"
            } else {
                "4242424242424242"
            };
            req.payment_method = Some("card".into());
            req.return_url = Some("https://shop.example/back".into());
            req.payment_method_data = Some(PaymentMethodData::card(number, "12", "2030", "123"));
        }
    }
    req
}

/// What an application should do: an answer is final; an error that may have been
/// processed, or may succeed later, is followed by the same call again (same order_id or
/// refund_id, so it can never act twice) until the gateway gives a definitive answer.
async fn until_known<T, F, Fut>(what: &str, errors: &AtomicUsize, mut call: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, Error>>,
{
    for _ in 0..40 {
        match call().await {
            Ok(v) => return v,
            // Outcome unknown first: whatever its kind (a micropay whose reversal found
            // no order is a Business error), the call is made again.
            Err(e) if e.is_outcome_unknown() || e.is_retryable() => {
                errors.fetch_add(1, Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(10)).await
            }
            Err(e) => match e.kind() {
                ErrorKind::Validation
                | ErrorKind::Authentication
                | ErrorKind::InvalidRequest
                | ErrorKind::Business => panic!("{what}: unexpected definitive error {e}"),
                _ => {
                    errors.fetch_add(1, Ordering::Relaxed);
                    tokio::time::sleep(Duration::from_millis(10)).await
                }
            },
        }
    }
    panic!("{what}: no definitive answer after 40 calls")
}

fn refund_request(order_id: &str, amount: Amount) -> RefundRequest {
    RefundRequest {
        merchant_id: MERCHANT.into(),
        order: OrderRef::OrderId(order_id.into()),
        refund_id: format!("r_{order_id}"),
        amount,
        reason: None,
        notify_url: None,
    }
}

/// `once` makes the one-shot calls: no retries, so that a refusal before processing (a
/// 429, a busy code) reaches the caller as "not processed".
async fn run_one(
    i: usize,
    client: &Client,
    once: &Client,
    sb: &Sandbox,
    errors: &AtomicUsize,
) -> Seen {
    let op = op(i);
    let req = pay_request(i, op);
    let order_id = req.order_id.clone();
    let amount = req.amount;
    let mut seen = Seen {
        op,
        amount,
        trade: None,
        told_not_processed: false,
        refunded: None,
    };
    let pay = || until_known(&order_id, errors, || client.pay(req.clone()));
    match op {
        Op::Card { .. } => seen.trade = Some(pay().await),
        Op::CardOnce => match once.pay(req.clone()).await {
            Ok(t) => seen.trade = Some(t),
            Err(e) => {
                errors.fetch_add(1, Ordering::Relaxed);
                seen.told_not_processed = !e.is_outcome_unknown();
            }
        },
        Op::Qr { pays } => {
            let t = pay().await;
            assert_eq!(t.status, Status::Pending, "{order_id}");
            let outcome = if pays {
                Outcome::Succeeded
            } else {
                Outcome::Failed
            };
            sb.complete(t.trade_id.as_deref().unwrap(), outcome)
                .unwrap();
            let order = OrderRef::OrderId(order_id.clone());
            seen.trade = Some(
                until_known(&order_id, errors, || {
                    client.wait_final(order.clone(), MERCHANT, Duration::from_secs(5))
                })
                .await,
            );
        }
        Op::Micropay | Op::MicropayReversed => {
            let deadline = if op == Op::Micropay {
                Duration::from_secs(10)
            } else {
                Duration::from_millis(300)
            };
            seen.trade = Some(
                until_known(&order_id, errors, || client.micropay(req.clone(), deadline)).await,
            );
        }
        Op::Refund | Op::RefundOnce => {
            let t = pay().await;
            assert_eq!(t.status, Status::Success, "{order_id}");
            seen.trade = Some(t);
            let part = Amount::from_hundredths(123).unwrap();
            let refund = refund_request(&order_id, part);
            let result = if op == Op::Refund {
                Ok(until_known(&order_id, errors, || client.refund(refund.clone())).await)
            } else {
                once.refund(refund.clone()).await
            };
            match result {
                Ok(r) => {
                    assert_eq!(r.status, Status::Success, "{order_id}");
                    seen.refunded = r.amount;
                }
                Err(e) => {
                    errors.fetch_add(1, Ordering::Relaxed);
                    seen.told_not_processed = !e.is_outcome_unknown();
                }
            }
        }
        Op::Reversal => {
            let t = pay().await;
            assert_eq!(t.status, Status::Success, "{order_id}");
            let order = OrderRef::OrderId(order_id.clone());
            seen.trade = Some(
                until_known(&order_id, errors, || client.reverse(order.clone(), MERCHANT))
                    .await,
            );
        }
    }
    seen
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operations_under_twenty_percent_faults_of_every_kind() {
    let total = ops();
    let sb = Arc::new(Sandbox::start(SandboxConfig::default()).await.unwrap());
    let client = Client::builder()
        .base_url(sb.url())
        .access_no(sb.access_no())
        .secret(sb.secret())
        .timeout(Duration::from_secs(2))
        .max_retries(2)
        .retry_backoff(Duration::from_millis(5), Duration::from_millis(40))
        .build()
        .unwrap();
    let once = Client::builder()
        .base_url(sb.url())
        .access_no(sb.access_no())
        .secret(sb.secret())
        .timeout(Duration::from_secs(2))
        .max_retries(0)
        .build()
        .unwrap();

    // Ten kinds on every transType, each firing on ~2.2% of requests:
    // 1 - 0.978^10 ≈ 20% of all requests.
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
        FaultKind::ChannelTimeout,
    ];
    let rules = kinds
        .iter()
        .enumerate()
        .map(|(n, kind)| FaultRule {
            probability: Some(0.022),
            seed: Some(1000 + n as u64),
            delay_ms: Some(30),
            retry_after: Some(0),
            ..FaultRule::new(*kind)
        })
        .collect();
    sb.set_faults(rules).unwrap();

    // A fixed pool of workers taking the next index: memory stays flat at 100 000 ops.
    let next = Arc::new(AtomicUsize::new(0));
    let errors = Arc::new(AtomicUsize::new(0));
    let seen: Arc<Mutex<HashMap<String, Seen>>> = Arc::default();
    let started = std::time::Instant::now();
    let workers: Vec<_> = (0..CONCURRENCY)
        .map(|_| {
            let (client, once, sb, next, errors, seen) = (
                client.clone(),
                once.clone(),
                sb.clone(),
                next.clone(),
                errors.clone(),
                seen.clone(),
            );
            tokio::spawn(async move {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= total {
                        return;
                    }
                    let s = run_one(i, &client, &once, &sb, &errors).await;
                    seen.lock().unwrap().insert(format!("chaos_{i:06}"), s);
                }
            })
        })
        .collect();
    for w in workers {
        w.await.unwrap();
    }
    let elapsed = started.elapsed();
    sb.clear_faults();
    let seen = std::mem::take(&mut *seen.lock().unwrap());
    assert_eq!(seen.len(), total);

    let ledger: HashMap<String, _> = sb
        .ledger()
        .into_iter()
        .filter(|e| e.merchant_id == MERCHANT)
        .map(|e| (e.order_id.clone(), e))
        .collect();
    let mut refunds_per_id: HashMap<String, usize> = HashMap::new();
    for r in sb.refunds() {
        *refunds_per_id
            .entry(r.refund_id.unwrap_or_default())
            .or_default() += 1;
    }
    let zero = "0.00".to_owned();
    let mut told_not_processed = 0;
    for (order_id, s) in &seen {
        let refund_id = format!("r_{order_id}");
        // None charged twice, none refunded twice, none refunded beyond its amount.
        if let Some(e) = ledger.get(order_id) {
            assert!(e.charges <= 1, "{order_id}: charged {} times", e.charges);
            assert!(
                Amount::parse_total(&e.refunded).unwrap() <= s.amount,
                "{order_id}: refunded {} of {}",
                e.refunded,
                s.amount
            );
            // Every order final.
            assert_ne!(e.status, "PENDING", "{order_id} ({:?})", s.op);
        }
        assert!(
            refunds_per_id.get(&refund_id).copied().unwrap_or(0) <= 1,
            "{order_id}: refund_id used twice"
        );
        let entry = ledger.get(order_id);
        if s.told_not_processed {
            told_not_processed += 1;
        }
        match s.op {
            Op::CardOnce if s.told_not_processed => {
                assert!(
                    entry.is_none_or(|e| e.charges == 0),
                    "{order_id}: told not processed, but charged: {entry:?}"
                );
            }
            Op::RefundOnce if s.told_not_processed => {
                let e = entry.unwrap();
                assert_eq!(e.refunded, zero, "{order_id}: told not processed, but refunded");
                assert!(!refunds_per_id.contains_key(&refund_id), "{order_id}");
            }
            _ => {}
        }
        let Some(trade) = &s.trade else {
            // Only CardOnce can end with no trade; its outcome was unknown or refused.
            assert_eq!(s.op, Op::CardOnce, "{order_id}");
            continue;
        };
        let e = entry.unwrap_or_else(|| panic!("{order_id}: the caller saw a trade the ledger lacks"));
        assert!(trade.status.is_final(), "{order_id} is {}", trade.status);
        let expected = match s.op {
            Op::Card { declined: true } | Op::Qr { pays: false } => "FAILED",
            Op::MicropayReversed | Op::Reversal => "CLOSED",
            _ => "SUCCESS",
        };
        assert_eq!(trade.status.as_str(), expected, "{order_id} ({:?})", s.op);
        assert_eq!(e.status, expected, "{order_id}: the caller saw what the gateway holds");
        // Every success the caller saw is charged exactly once; failures charge nothing.
        match expected {
            "SUCCESS" => assert_eq!(e.charges, 1, "{order_id}"),
            "FAILED" => assert_eq!(e.charges, 0, "{order_id}"),
            _ => {}
        }
        match s.op {
            Op::Reversal => {
                assert_eq!(e.charges, 1, "{order_id}");
                assert_eq!(e.refunded, s.amount.to_string(), "{order_id}: reversed in full, once");
            }
            Op::MicropayReversed => assert_eq!(e.charges, 0, "{order_id}"),
            Op::Refund | Op::RefundOnce if s.refunded.is_some() => {
                assert_eq!(e.refunded, "1.23", "{order_id}: refunded exactly once");
                assert_eq!(refunds_per_id.get(&refund_id), Some(&1), "{order_id}");
            }
            Op::Refund | Op::RefundOnce => {}
            _ => assert_eq!(e.refunded, zero, "{order_id}"),
        }
    }
    let surfaced = errors.load(Ordering::Relaxed);
    eprintln!(
        "chaos: {total} operations in {elapsed:?}, {surfaced} errors surfaced to the caller, \
         {told_not_processed} told not processed"
    );
    assert!(surfaced > 0, "the faults must have fired");
    if total >= 1000 {
        assert!(told_not_processed > 0, "the not-processed checks must have run");
    }
}
