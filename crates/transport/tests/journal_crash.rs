//! Crash test: a worker process pays (card, QR, micropay), refunds and reverses in a loop
//! against a faulty sandbox with the journal on, and is SIGKILLed at random moments, 20
//! times; then two processes recover the journal at once, through a proxy that counts
//! their requests. Against the sandbox's ledger: nothing charged twice, no charge or
//! refund the journal does not know, nothing left in doubt, every micropay final, and
//! every operation settled by exactly one recoverer (one QUERY each).
//!
//! The worker and the recoverers are this test binary run again with
//! `TRADEPAY_JOURNAL_ROLE` set (the `child` test below does their work).

mod fixtures;

use std::collections::{HashMap, HashSet};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use fixtures::{card_pay, micropay_pay};
use rand::Rng;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tradepay_sandbox::{FaultKind, FaultRule, Sandbox, SandboxConfig};
use tradepay_transport::journal::OperationKind;
use tradepay_transport::{Client, RecoveryStatus};
use tradepay_types::{Amount, OrderRef, RefundRequest};

const WINDOW: Duration = Duration::from_secs(2);
const KILLS: usize = 20;

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("{name} is not set"))
}

fn child_client(url: &str) -> Client {
    Client::builder()
        .base_url(url)
        .access_no(env("TP_ACCESS"))
        .secret(env("TP_SECRET"))
        .timeout(Duration::from_secs(2))
        .max_retries(2)
        .retry_backoff(Duration::from_millis(5), Duration::from_millis(50))
        .journal(env("TP_JOURNAL"))
        .replay_window(WINDOW)
        .build()
        .unwrap()
}

/// The worker and recoverer processes (does nothing in a normal test run).
#[test]
fn child() {
    let Ok(role) = std::env::var("TRADEPAY_JOURNAL_ROLE") else {
        return;
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        match role.as_str() {
            "worker" => worker().await,
            "recoverer" => recoverer().await,
            other => panic!("unknown role {other}"),
        }
    });
}

async fn worker() {
    let c = child_client(&env("TP_URL"));
    let run = std::process::id();
    // A few calls at once, as a shop's server makes them.
    let mut tasks = Vec::new();
    for lane in 0..4u32 {
        let c = c.clone();
        tasks.push(tokio::spawn(async move {
            for n in 0u32.. {
                let id = format!("o_{run}_{lane}_{n}");
                match n % 6 {
                    0 => {
                        if c.pay(card_pay(&id, "10.00", "USD", "123")).await.is_ok() {
                            let _ = c
                                .refund(RefundRequest {
                                    merchant_id: "m_1".into(),
                                    order: OrderRef::OrderId(id.clone()),
                                    refund_id: format!("r_{id}"),
                                    amount: Amount::parse("3.00").unwrap(),
                                    reason: None,
                                    notify_url: None,
                                })
                                .await;
                        }
                    }
                    1 => {
                        let mut qr = card_pay(&id, "4.00", "USD", "123");
                        qr.payment_method = Some("qr".into());
                        qr.payment_method_data = None;
                        let _ = c.pay(qr).await;
                    }
                    2 => {
                        // Confirmed at once.
                        let req = micropay_pay(&id, "2.00", "134567890123456780");
                        let _ = c.micropay(req, Duration::from_secs(2)).await;
                    }
                    3 => {
                        // Never confirmed: reversed at its deadline, by the flow or by
                        // recovery once the worker is killed.
                        let req = micropay_pay(&id, "2.00", "134567890123456783");
                        let _ = c.micropay(req, Duration::from_millis(600)).await;
                    }
                    4 => {
                        if c.pay(card_pay(&id, "6.00", "USD", "123")).await.is_ok() {
                            let _ = c.reverse(OrderRef::OrderId(id.clone()), "m_1").await;
                        }
                    }
                    _ => {
                        // Confirmed 2 s (sandbox clock) later.
                        let req = micropay_pay(&id, "3.00", "134567890123456781");
                        let _ = c.micropay(req, Duration::from_secs(1)).await;
                    }
                }
            }
        }));
    }
    for t in tasks {
        let _ = t.await;
    }
}

async fn recoverer() {
    let c = child_client(&env("TP_URL"));
    for r in c.recover().await.unwrap() {
        let status = match r.status {
            RecoveryStatus::Settled(_) => "settled",
            RecoveryStatus::InDoubt { .. } => "in_doubt",
            RecoveryStatus::Owned => "owned",
        };
        println!(
            "RECOVERY {} {} {status}",
            r.entry.operation.id,
            r.entry.operation.kind.as_str()
        );
    }
}

/// Counts the `transType` of every request that passes (plain HTTP/1.1 or h2c bodies
/// carry it as `"transType":"X"`).
async fn counting_proxy(target: String) -> (String, Arc<Mutex<HashMap<String, u32>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let counts = Arc::new(Mutex::new(HashMap::new()));
    let c = counts.clone();
    tokio::spawn(async move {
        while let Ok((mut inbound, _)) = listener.accept().await {
            let target = target.clone();
            let counts = c.clone();
            tokio::spawn(async move {
                let mut outbound = TcpStream::connect(&target).await.unwrap();
                let (mut ri, mut wi) = inbound.split();
                let (mut ro, mut wo) = outbound.split();
                let up = async {
                    let mut seen = Vec::new();
                    let mut scanned = 0;
                    let mut buf = [0u8; 16384];
                    loop {
                        let n = match ri.read(&mut buf).await {
                            Ok(0) | Err(_) => break,
                            Ok(n) => n,
                        };
                        seen.extend_from_slice(&buf[..n]);
                        let needle = b"\"transType\":\"";
                        while let Some(pos) = seen[scanned..]
                            .windows(needle.len())
                            .position(|w| w == needle)
                        {
                            let start = scanned + pos + needle.len();
                            let Some(end) = seen[start..].iter().position(|b| *b == b'"') else {
                                break;
                            };
                            let tt =
                                String::from_utf8_lossy(&seen[start..start + end]).into_owned();
                            *counts.lock().unwrap().entry(tt).or_insert(0) += 1;
                            scanned = start + end;
                        }
                        if wo.write_all(&buf[..n]).await.is_err() {
                            break;
                        }
                    }
                    let _ = wo.shutdown().await;
                };
                let down = async {
                    let _ = tokio::io::copy(&mut ro, &mut wi).await;
                    let _ = wi.shutdown().await;
                };
                tokio::join!(up, down);
            });
        }
    });
    (url, counts)
}

/// id, kind, order_id, refund_id, payment_method, state.
type Row = (
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    String,
);

async fn journal_rows(url: &str) -> Vec<Row> {
    const COLUMNS: &str = "id, kind, order_id, refund_id, payment_method, state";
    if let Some(path) = url.strip_prefix("sqlite://") {
        let conn = rusqlite::Connection::open(path).unwrap();
        let mut stmt = conn
            .prepare(&format!("SELECT {COLUMNS} FROM operations"))
            .unwrap();
        return stmt
            .query_map([], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                ))
            })
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
    }
    let base = url.split('?').next().unwrap();
    let (client, conn) = tokio_postgres::connect(base, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(conn);
    let rows = client
        .query(&format!("SELECT {COLUMNS} FROM tradepay_operations"), &[])
        .await
        .unwrap();
    rows.iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4), r.get(5)))
        .collect()
}

/// A fresh database on the test command's PostgreSQL, with a short owner lease so that a
/// killed worker's operations can be taken over soon; `None` without a server.
async fn postgres_journal() -> Option<String> {
    let Ok(base) = std::env::var("TRADEPAY_TEST_POSTGRES") else {
        eprintln!("skipped: TRADEPAY_TEST_POSTGRES is not set (cargo xtask test sets it)");
        return None;
    };
    let (client, conn) = tokio_postgres::connect(&base, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(conn);
    let db = format!("tp_crash_{}", std::process::id());
    // Two statements: CREATE DATABASE cannot run in the transaction a batch makes.
    for sql in [
        format!("DROP DATABASE IF EXISTS {db}"),
        format!("CREATE DATABASE {db}"),
    ] {
        client.batch_execute(&sql).await.unwrap();
    }
    let (prefix, _) = base.rsplit_once('/').unwrap();
    Some(format!("{prefix}/{db}?lease_ms=1000"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_workers_leave_nothing_charged_twice_unknown_or_in_doubt_sqlite() {
    if std::env::var("TRADEPAY_JOURNAL_ROLE").is_ok() {
        return;
    }
    let dir = std::env::temp_dir().join(format!("tradepay-journal-crash-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let db = format!("sqlite://{}", dir.join("journal.db").display());
    crash_and_recover(&db, 2).await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_workers_leave_nothing_charged_twice_unknown_or_in_doubt_postgres() {
    if std::env::var("TRADEPAY_JOURNAL_ROLE").is_ok() {
        return;
    }
    if let Some(url) = postgres_journal().await {
        crash_and_recover(&url, 4).await;
    }
}

async fn crash_and_recover(db: &str, recoverers: usize) {
    let sb = Sandbox::start(SandboxConfig {
        timestamp_window: WINDOW,
        ..Default::default()
    })
    .await
    .unwrap();
    let fault = |kind, p: f64, seed| FaultRule {
        probability: Some(p),
        seed: Some(seed),
        delay_ms: Some(250),
        ..FaultRule::new(kind)
    };
    sb.set_faults(vec![
        fault(FaultKind::Delay, 0.3, 1),
        fault(FaultKind::CloseAfterCommit, 0.1, 2),
        fault(FaultKind::ChannelTimeout, 0.05, 3),
        fault(FaultKind::CloseBefore, 0.05, 4),
    ])
    .unwrap();
    let exe = std::env::current_exe().unwrap();
    // Only the workers' lease is short (so that their operations can be taken over); a
    // recoverer keeps the default, so a slow one is not taken over mid-settlement.
    let recoverer_db = db.split('?').next().unwrap();
    let spawn = |role: &str, url: &str| {
        Command::new(&exe)
            .args(["--exact", "child", "--nocapture", "--test-threads=1"])
            .env("TRADEPAY_JOURNAL_ROLE", role)
            .env("TP_URL", url)
            .env("TP_ACCESS", sb.access_no())
            .env("TP_SECRET", sb.secret())
            .env(
                "TP_JOURNAL",
                if role == "worker" { db } else { recoverer_db },
            )
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    };
    let mut rng = rand::rng();
    for _ in 0..KILLS {
        let mut worker = spawn("worker", sb.url());
        tokio::time::sleep(Duration::from_millis(rng.random_range(200..900))).await;
        worker.kill().unwrap(); // SIGKILL
        worker.wait().unwrap();
    }
    sb.clear_faults();
    let before = journal_rows(db).await;
    let in_doubt_before: Vec<_> = before.iter().filter(|r| r.5 == "in_doubt").collect();
    assert!(
        !in_doubt_before.is_empty(),
        "no worker was killed mid-call: the test proves nothing"
    );

    // Past every deadline and the replay window: everything can be settled now.
    tokio::time::sleep(WINDOW + Duration::from_millis(1500)).await;
    let target = sb.url().trim_start_matches("http://").to_owned();
    let (proxy, counts) = counting_proxy(target).await;
    let recoverers: Vec<_> = (0..recoverers)
        .map(|_| spawn("recoverer", &proxy))
        .collect();
    let mut settled_by: Vec<HashSet<(String, String)>> = Vec::new();
    let mut transcript = String::new();
    for r in recoverers {
        let out = tokio::task::spawn_blocking(move || r.wait_with_output().unwrap())
            .await
            .unwrap();
        assert!(out.status.success());
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        transcript.push_str(&text);
        let mut mine = HashSet::new();
        // (libtest may print "test child ... " on the same line first)
        for line in text
            .lines()
            .filter_map(|l| l.find("RECOVERY ").map(|i| &l[i + "RECOVERY ".len()..]))
        {
            let parts: Vec<&str> = line.split(' ').collect();
            assert_ne!(
                parts[2], "in_doubt",
                "left in doubt after the window: {line}"
            );
            if parts[2] == "settled" {
                mine.insert((parts[0].to_owned(), parts[1].to_owned()));
            }
        }
        settled_by.push(mine);
    }
    let mut settled: HashSet<(String, String)> = HashSet::new();
    for mine in &settled_by {
        let both: Vec<_> = settled.intersection(mine).collect();
        assert!(both.is_empty(), "settled twice: {both:?}");
        settled.extend(mine.iter().cloned());
    }
    let in_doubt_ids: HashSet<&String> = in_doubt_before.iter().map(|r| &r.0).collect();
    let settled_ids: HashSet<&String> = settled.iter().map(|s| &s.0).collect();
    if let Some(id) = in_doubt_ids.difference(&settled_ids).next() {
        let lines: Vec<&str> = transcript
            .lines()
            .filter(|l| l.contains(id.as_str()))
            .collect();
        let row = before.iter().find(|r| &r.0 == *id);
        panic!("{id} not settled: {lines:?} {row:?}");
    }
    assert_eq!(
        settled_ids, in_doubt_ids,
        "every operation in doubt settled once"
    );
    let counts = counts.lock().unwrap().clone();
    let kind_count = |k: &str| settled.iter().filter(|s| s.1 == k).count() as u32;
    // One QUERY per PAY or CLOSE settled, one REFUND_QUERY per REFUND: none twice.
    assert_eq!(
        counts.get("QUERY").copied().unwrap_or(0),
        kind_count("PAY") + kind_count("CLOSE"),
        "{counts:?}"
    );
    assert_eq!(
        counts.get("REFUND_QUERY").copied().unwrap_or(0),
        kind_count("REFUND"),
        "{counts:?}"
    );
    assert!(
        !counts.contains_key("PAY") && !counts.contains_key("REFUND"),
        "recovery paid: {counts:?}"
    );

    // Against the ledger.
    let c = Client::builder()
        .base_url(sb.url())
        .access_no(sb.access_no())
        .secret(sb.secret())
        .journal(db)
        .build()
        .unwrap();
    assert!(c.in_doubt().await.unwrap().is_empty());
    let after = journal_rows(db).await;
    let known_orders: HashSet<&str> = after.iter().filter_map(|r| r.2.as_deref()).collect();
    let known_refunds: HashSet<&str> = after.iter().filter_map(|r| r.3.as_deref()).collect();
    let micropays: HashSet<&str> = after
        .iter()
        .filter(|r| r.1 == OperationKind::Pay.as_str() && r.4.as_deref() == Some("micropay"))
        .filter_map(|r| r.2.as_deref())
        .collect();
    let ledger = sb.ledger();
    assert!(
        ledger.len() > 20,
        "too few orders to mean anything: {}",
        ledger.len()
    );
    for e in &ledger {
        assert!(e.charges <= 1, "charged twice: {e:?}");
        assert!(
            known_orders.contains(e.order_id.as_str()),
            "unknown to the journal: {e:?}"
        );
        if micropays.contains(e.order_id.as_str()) {
            assert_ne!(e.status, "PENDING", "micropay left pending: {e:?}");
        }
    }
    for r in sb.refunds() {
        let id = r.refund_id.clone().unwrap_or_default();
        assert!(
            known_refunds.contains(id.as_str()),
            "refund unknown to the journal: {r:?}"
        );
    }
    eprintln!(
        "crash test ({db}): {} orders, {} operations journaled, {} in doubt after {KILLS} kills, requests of recovery {counts:?}",
        ledger.len(),
        after.len(),
        in_doubt_before.len()
    );
}
