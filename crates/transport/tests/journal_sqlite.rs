//! The SQLite journal against the sandbox: record before send, no secrets on disk, a
//! journal that cannot record stops the call before it goes out, schema and corruption
//! errors, recovery's 300 s rule (with a short window), micropay reversal, liveness of
//! owners, and webhook_seen under concurrent duplicates.

mod fixtures;

use std::sync::Arc;
use std::time::Duration;

use fixtures::{card_pay, micropay_pay, sandbox_client};
use tradepay_sandbox::{FaultKind, FaultRule, Sandbox, SandboxConfig};
use tradepay_transport::journal::{OperationKind, Outcome};
use tradepay_transport::{Client, ErrorKind, RecoveryStatus, SqliteJournal};
use tradepay_types::{Amount, PayRequest, PaymentMethodData, RefundRequest, Status};

/// The sandbox's (and the journal's) timestamp window in these tests.
const WINDOW: Duration = Duration::from_secs(2);

async fn sandbox() -> Sandbox {
    Sandbox::start(SandboxConfig {
        timestamp_window: WINDOW,
        ..Default::default()
    })
    .await
    .unwrap()
}

fn db(name: &str) -> (tempdir::Dir, String) {
    let dir = tempdir::Dir::new(name);
    let path = dir.path.join("journal.db").display().to_string();
    (dir, path)
}

mod tempdir {
    pub struct Dir {
        pub path: std::path::PathBuf,
    }
    impl Dir {
        pub fn new(name: &str) -> Dir {
            let path = std::env::temp_dir().join(format!(
                "tradepay-journal-{name}-{}-{:x}",
                std::process::id(),
                rand_u64()
            ));
            std::fs::create_dir_all(&path).unwrap();
            Dir { path }
        }
    }
    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.path);
        }
    }
    fn rand_u64() -> u64 {
        use std::hash::{BuildHasher, Hasher};
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u64(0);
        h.finish()
    }
}

fn client(sb: &Sandbox, path: &str) -> Client {
    sandbox_client(sb)
        .journal(format!("sqlite://{path}"))
        .replay_window(WINDOW)
        .build()
        .unwrap()
}

fn all_rows(path: &str) -> Vec<(String, String, Option<String>, String)> {
    let conn = rusqlite::Connection::open(path).unwrap();
    let mut stmt = conn
        .prepare("SELECT kind, state, order_id, digest FROM operations ORDER BY created_at")
        .unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

/// Every byte of the database and its WAL.
fn db_bytes(path: &str) -> Vec<u8> {
    let mut out = std::fs::read(path).unwrap();
    if let Ok(wal) = std::fs::read(format!("{path}-wal")) {
        out.extend(wal);
    }
    out
}

fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[tokio::test]
async fn calls_are_recorded_and_settled_without_card_data() {
    let sb = sandbox().await;
    let (_dir, path) = db("record");
    let c = client(&sb, &path);
    let trade = c
        .pay(card_pay("o_rec_1", "10.00", "USD", "737"))
        .await
        .unwrap();
    assert_eq!(trade.status, Status::Success);
    c.refund(RefundRequest {
        merchant_id: "m_1".into(),
        order: tradepay_types::OrderRef::OrderId("o_rec_1".into()),
        refund_id: "r_rec_1".into(),
        amount: Amount::parse("4.00").unwrap(),
        reason: None,
        notify_url: None,
    })
    .await
    .unwrap();
    let mut token_pay = card_pay("o_rec_2", "3.00", "USD", "737");
    token_pay.payment_method_data = None;
    token_pay.payment_token = Some("tok_SECRETTOKEN123".into());
    token_pay.payment_mode = Some(tradepay_types::PaymentMode::RecurringPayment);
    let _ = c.pay(token_pay).await;
    let t = c
        .micropay(
            micropay_pay("o_rec_3", "2.00", "134567890123456780"),
            Duration::from_secs(5),
        )
        .await
        .unwrap();
    assert_eq!(t.status, Status::Success);
    // Outcomes are written after the call returns: a read through the same writer comes
    // after them.
    assert!(c.in_doubt().await.unwrap().is_empty());
    drop(c);
    let rows = all_rows(&path);
    let kinds: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
    assert_eq!(kinds, ["PAY", "REFUND", "PAY", "PAY"], "{rows:?}");
    assert!(rows.iter().all(|r| r.1 == "settled"), "{rows:?}");
    assert!(rows.iter().all(|r| r.3.len() == 64));
    let bytes = db_bytes(&path);
    assert!(
        contains(&bytes, "o_rec_1"),
        "the journal holds the order IDs"
    );
    // A 3-digit CVC alone can occur by chance in any hex digest or timestamp, so it is
    // looked for as the quoted JSON value (and its key) it would be written as.
    for secret in [
        "4242424242424242",
        "\"737\"",
        "cvc",
        "134567890123456780",
        "tok_SECRETTOKEN123",
    ] {
        assert!(!contains(&bytes, secret), "{secret} is in the journal file");
    }
}

#[tokio::test]
async fn the_intent_is_durable_before_the_first_byte() {
    let sb = sandbox().await;
    let (_dir, path) = db("before");
    sb.set_faults(vec![FaultRule {
        trans_type: Some("PAY".into()),
        delay_ms: Some(1500),
        ..FaultRule::new(FaultKind::Delay)
    }])
    .unwrap();
    let c = client(&sb, &path);
    let task = tokio::spawn({
        let c = c.clone();
        async move { c.pay(card_pay("o_before", "1.00", "USD", "123")).await }
    });
    // While the gateway holds the PAY, another process (another journal on the same
    // file) already sees it, owned by a live owner.
    tokio::time::sleep(Duration::from_millis(700)).await;
    let other = client(&sb, &path);
    let seen = other.in_doubt().await.unwrap();
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert_eq!(seen[0].operation.kind, OperationKind::Pay);
    assert_eq!(seen[0].operation.order_id.as_deref(), Some("o_before"));
    assert_eq!(seen[0].attempt_timestamps.len(), 1);
    // And does not race it: its owner is alive.
    let rec = other.recover().await.unwrap();
    assert!(matches!(rec[0].status, RecoveryStatus::Owned), "{rec:?}");
    // Nor does the owner's own recovery while the call runs.
    let rec = c.recover().await.unwrap();
    assert!(matches!(rec[0].status, RecoveryStatus::Owned), "{rec:?}");
    assert_eq!(task.await.unwrap().unwrap().status, Status::Success);
    // A call's outcome is queued when it returns, not waited for: another journal sees it
    // once the owner's writer commits, which under load can take a while.
    let until = std::time::Instant::now() + Duration::from_secs(10);
    while !other.in_doubt().await.unwrap().is_empty() {
        assert!(
            std::time::Instant::now() < until,
            "the outcome was never written"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_closed_journal_fails_the_call_before_anything_is_sent() {
    let sb = sandbox().await;
    let (_dir, path) = db("closed");
    let journal = Arc::new(SqliteJournal::open(&path).unwrap());
    let c = sandbox_client(&sb)
        .journal_backend(journal.clone())
        .build()
        .unwrap();
    journal.close();
    let e = c
        .pay(card_pay("o_closed", "1.00", "USD", "123"))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Validation, "{e}");
    assert!(!e.is_outcome_unknown());
    assert!(e.message().contains("journal"), "{e}");
    let e = c
        .micropay(
            micropay_pay("o_closed_mp", "1.00", "134567890123456780"),
            Duration::from_secs(2),
        )
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Validation, "{e}");
    assert!(
        sb.ledger().is_empty(),
        "the gateway saw a request: {:?}",
        sb.ledger()
    );
    // Reads are not money-moving: a QUERY still goes out.
    let q = c
        .query(tradepay_types::OrderRef::OrderId("nope".into()), "m_1")
        .await
        .unwrap_err();
    assert_eq!(q.kind(), ErrorKind::Business);
}

#[tokio::test]
async fn a_locked_journal_fails_the_call_before_anything_is_sent() {
    let sb = sandbox().await;
    let (_dir, path) = db("locked");
    let c = sandbox_client(&sb)
        .journal(format!("sqlite://{path}?busy_timeout_ms=200"))
        .build()
        .unwrap();
    // Another writer holds the database's write lock (a stuck process, a backup).
    let holder = rusqlite::Connection::open(&path).unwrap();
    holder.execute_batch("BEGIN IMMEDIATE").unwrap();
    let e = c
        .pay(card_pay("o_locked", "1.00", "USD", "123"))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Validation, "{e}");
    assert!(sb.ledger().is_empty());
    holder.execute_batch("ROLLBACK").unwrap();
    c.pay(card_pay("o_locked", "1.00", "USD", "123"))
        .await
        .unwrap();
    assert_eq!(sb.ledger().len(), 1);
}

#[test]
fn newer_schema_corrupt_file_and_foreign_database_are_clear_errors() {
    let (_dir, path) = db("schema");
    drop(SqliteJournal::open(&path).unwrap());
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch("PRAGMA user_version = 99").unwrap();
    drop(conn);
    let build = |url: &str| {
        Client::builder()
            .base_url("http://127.0.0.1:9")
            .access_no("a")
            .secret("s")
            .allow_insecure_http(true)
            .journal(url)
            .build()
    };
    let e = build(&path).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Validation);
    assert!(e.message().contains("newer tradepay"), "{e}");

    let (_dir2, garbage) = db("corrupt");
    std::fs::write(&garbage, vec![0x5a; 8192]).unwrap();
    let e = build(&garbage).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Validation);
    assert!(
        e.message().contains("not a readable SQLite database"),
        "{e}"
    );

    let (_dir3, foreign) = db("foreign");
    let conn = rusqlite::Connection::open(&foreign).unwrap();
    conn.execute_batch("CREATE TABLE t (x)").unwrap();
    drop(conn);
    let e = build(&format!("sqlite://{foreign}")).unwrap_err();
    assert!(e.message().contains("not a tradepay journal"), "{e}");

    let e = build("postgresql://u@localhost/db").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Validation);
    let e = build("sqlite://:memory:").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Validation);
}

#[tokio::test]
async fn not_found_is_final_only_after_the_replay_window() {
    let sb = sandbox().await;
    let (_dir, path) = db("window");
    // The connection closes before the gateway reads the PAY: nothing happened, but the
    // client cannot know that.
    sb.set_faults(vec![FaultRule {
        trans_type: Some("PAY".into()),
        ..FaultRule::new(FaultKind::CloseBefore)
    }])
    .unwrap();
    let c = sandbox_client(&sb)
        .max_retries(0)
        .journal(&path)
        .replay_window(WINDOW)
        .build()
        .unwrap();
    let e = c
        .pay(card_pay("o_window", "1.00", "USD", "123"))
        .await
        .unwrap_err();
    assert!(e.is_outcome_unknown(), "{e}");
    sb.clear_faults();
    let doubt = c.in_doubt().await.unwrap();
    assert_eq!(doubt.len(), 1);
    let last = doubt[0].last_attempt_at().unwrap();
    let rec = c.recover().await.unwrap();
    match &rec[0].status {
        RecoveryStatus::InDoubt { retry_at, .. } => {
            assert_eq!(*retry_at, last + WINDOW.as_secs() as i64 + 1)
        }
        other => panic!("settled inside the window: {other:?}"),
    }
    assert_eq!(c.in_doubt().await.unwrap().len(), 1);
    tokio::time::sleep(WINDOW + Duration::from_millis(1100)).await;
    let rec = c.recover().await.unwrap();
    assert!(
        matches!(&rec[0].status, RecoveryStatus::Settled(Outcome::NotProcessed { code: Some(c), .. }) if c == "30000001"),
        "{rec:?}"
    );
    assert!(c.in_doubt().await.unwrap().is_empty());
    // Recovery never pays.
    assert!(sb.ledger().is_empty());
}

#[tokio::test]
async fn recovery_queries_a_charge_whose_answer_was_lost() {
    let sb = sandbox().await;
    let (_dir, path) = db("lost");
    sb.set_faults(vec![FaultRule {
        trans_type: Some("PAY".into()),
        ..FaultRule::new(FaultKind::CloseAfterCommit)
    }])
    .unwrap();
    let c = sandbox_client(&sb)
        .max_retries(0)
        .journal(&path)
        .replay_window(WINDOW)
        .build()
        .unwrap();
    let e = c
        .pay(card_pay("o_lost", "5.00", "USD", "123"))
        .await
        .unwrap_err();
    assert!(e.is_outcome_unknown());
    sb.clear_faults();
    let rec = c.recover().await.unwrap();
    match &rec[0].status {
        RecoveryStatus::Settled(Outcome::Trade(t)) => assert_eq!(t.status, Status::Success),
        other => panic!("{other:?}"),
    }
    // Durable when recover() returns: a process that exits now leaves it settled (read
    // from another connection, not through this journal's writer).
    assert!(
        all_rows(&path).iter().all(|r| r.1 == "settled"),
        "{:?}",
        all_rows(&path)
    );
    assert_eq!(fixtures::charges(&sb, "o_lost"), Some(1));
    assert!(c.in_doubt().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_pending_micropay_past_its_deadline_is_reversed() {
    let sb = sandbox().await;
    let (_dir, path) = db("micropay");
    let c = client(&sb, &path);
    // A PAY with payment_method micropay sent on its own (no flow to follow it up), whose
    // customer never confirms (auth_code ending 3).
    let mut req = micropay_pay("o_mp_pending", "7.00", "134567890123456783");
    req.payment_method = Some("micropay".into());
    // Deadlines are recorded in whole seconds: 3 s leaves at least 2 s to see it in doubt
    // on a loaded machine (1 s did not: the next second could already have begun).
    let quick = sandbox_client(&sb)
        .deadline(Duration::from_secs(3))
        .journal(&path)
        .replay_window(WINDOW)
        .build()
        .unwrap();
    let t = quick.pay(req).await.unwrap();
    assert_eq!(t.status, Status::Pending);
    drop(quick);
    let doubt = c.in_doubt().await.unwrap();
    assert_eq!(doubt.len(), 1, "a PENDING micropay stays in doubt");
    assert!(
        matches!(doubt[0].last_known, Some(Outcome::Trade(ref t)) if t.status == Status::Pending)
    );
    let rec = c.recover().await.unwrap();
    assert!(
        matches!(rec[0].status, RecoveryStatus::InDoubt { .. }),
        "before its deadline: {rec:?}"
    );
    let deadline = doubt[0].operation.deadline.expect("a deadline is recorded");
    let past = deadline + 1 - tradepay_types::time::now_unix();
    tokio::time::sleep(Duration::from_millis(100 + 1000 * past.max(0) as u64)).await;
    let rec = c.recover().await.unwrap();
    match &rec[0].status {
        RecoveryStatus::Settled(Outcome::Trade(t)) => assert_eq!(t.status, Status::Closed),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        sb.ledger()
            .iter()
            .find(|e| e.order_id == "o_mp_pending")
            .unwrap()
            .status,
        "CLOSED"
    );
    assert!(c.in_doubt().await.unwrap().is_empty());
}

#[tokio::test]
async fn an_operation_of_a_live_owner_is_left_to_it_until_it_closes() {
    let sb = sandbox().await;
    let (_dir, path) = db("owner");
    sb.set_faults(vec![FaultRule {
        trans_type: Some("PAY".into()),
        ..FaultRule::new(FaultKind::CloseAfterCommit)
    }])
    .unwrap();
    let owner = sandbox_client(&sb)
        .max_retries(0)
        .journal(&path)
        .build()
        .unwrap();
    assert!(owner
        .pay(card_pay("o_owner", "1.00", "USD", "123"))
        .await
        .is_err());
    sb.clear_faults();
    let other = client(&sb, &path);
    let rec = other.recover().await.unwrap();
    assert!(matches!(rec[0].status, RecoveryStatus::Owned), "{rec:?}");
    // The owner closes its journal: its lock goes, and the operation can be settled.
    drop(owner);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let rec = other.recover().await.unwrap();
    assert!(
        matches!(rec[0].status, RecoveryStatus::Settled(Outcome::Trade(_))),
        "{rec:?}"
    );
}

#[tokio::test]
async fn webhook_seen_handles_concurrent_duplicates_once() {
    let sb = sandbox().await;
    let (_dir, path) = db("webhook");
    // Two "workers" with their own journal handles on one file, 32 deliveries each of
    // the same 8 events.
    let a = client(&sb, &path);
    let b = client(&sb, &path);
    let mut tasks = Vec::new();
    for i in 0..64 {
        let c = if i % 2 == 0 { a.clone() } else { b.clone() };
        tasks.push(tokio::spawn(async move {
            let id = format!("msg_{}", i % 8);
            (id.clone(), c.webhook_id_seen(&id).await.unwrap())
        }));
    }
    let mut first = std::collections::HashMap::new();
    for t in tasks {
        let (id, seen) = t.await.unwrap();
        if !seen {
            *first.entry(id).or_insert(0) += 1;
        }
    }
    assert_eq!(first.len(), 8, "{first:?}");
    assert!(first.values().all(|n| *n == 1), "{first:?}");
    assert!(a.webhook_id_seen("msg_3").await.unwrap());
    assert!(!a.webhook_id_seen("msg_new").await.unwrap());
    let no_journal = sandbox_client(&sb).build().unwrap();
    assert_eq!(
        no_journal.webhook_id_seen("x").await.unwrap_err().kind(),
        ErrorKind::Validation
    );
}

#[allow(dead_code)]
fn _types_used(_: PayRequest, _: PaymentMethodData) {}
