//! The PostgreSQL journal against a real server (`TRADEPAY_TEST_POSTGRES`, set by
//! `cargo xtask test`, which starts a throwaway cluster): record before send, recovery,
//! several recoverers settling each operation once, leases, schema and connection errors,
//! webhook_seen under concurrent duplicates. Without the variable each test says it was
//! skipped.

mod fixtures;

use std::collections::HashMap;
use std::time::Duration;

use fixtures::{card_pay, sandbox_client};
use tokio_postgres::NoTls;
use tradepay_sandbox::{FaultKind, FaultRule, Sandbox, SandboxConfig};
use tradepay_transport::journal::Outcome;
use tradepay_transport::{Client, ErrorKind, RecoveryStatus};
use tradepay_types::Status;

const WINDOW: Duration = Duration::from_secs(2);

/// A fresh database per test on the test server, so tests can run in parallel.
async fn database(name: &str) -> Option<String> {
    let Ok(base) = std::env::var("TRADEPAY_TEST_POSTGRES") else {
        eprintln!("skipped: TRADEPAY_TEST_POSTGRES is not set (cargo xtask test sets it)");
        return None;
    };
    let (client, conn) = tokio_postgres::connect(&base, NoTls).await.unwrap();
    tokio::spawn(conn);
    let db = format!("tp_{name}_{}", std::process::id());
    client
        .batch_execute(&format!("DROP DATABASE IF EXISTS {db}"))
        .await
        .unwrap();
    client
        .batch_execute(&format!("CREATE DATABASE {db}"))
        .await
        .unwrap();
    let (prefix, _) = base.rsplit_once('/').unwrap();
    Some(format!("{prefix}/{db}"))
}

async fn raw(url: &str) -> tokio_postgres::Client {
    let (client, conn) = tokio_postgres::connect(url, NoTls).await.unwrap();
    tokio::spawn(conn);
    client
}

async fn sandbox() -> Sandbox {
    Sandbox::start(SandboxConfig {
        timestamp_window: WINDOW,
        ..Default::default()
    })
    .await
    .unwrap()
}

fn client(sb: &Sandbox, url: &str) -> Client {
    sandbox_client(sb)
        .max_retries(0)
        .journal(url)
        .replay_window(WINDOW)
        .build()
        .unwrap()
}

#[tokio::test]
async fn calls_are_recorded_settled_and_hold_no_card_data() {
    let Some(url) = database("record").await else {
        return;
    };
    let sb = sandbox().await;
    let c = client(&sb, &url);
    let t = c
        .pay(card_pay("o_pg1", "3.00", "USD", "123"))
        .await
        .unwrap();
    assert_eq!(t.status, Status::Success);
    let db = raw(&url).await;
    // The outcome is queued, not waited for: wait (bounded) for the writer.
    let mut state = String::new();
    for _ in 0..50 {
        let row = db
            .query_one(
                "SELECT state, digest FROM tradepay_operations WHERE order_id = 'o_pg1'",
                &[],
            )
            .await
            .unwrap();
        state = row.get(0);
        if state == "settled" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(state, "settled");
    let dump: String = db
        .query_one(
            "SELECT string_agg(t::text, ' ') FROM tradepay_operations t",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert!(!dump.contains("4242424242424242"), "{dump}");
    assert!(c.in_doubt().await.unwrap().is_empty());
}

#[tokio::test]
async fn recovery_queries_a_charge_whose_answer_was_lost() {
    let Some(url) = database("lost").await else {
        return;
    };
    let sb = sandbox().await;
    sb.set_faults(vec![FaultRule {
        trans_type: Some("PAY".into()),
        ..FaultRule::new(FaultKind::CloseAfterCommit)
    }])
    .unwrap();
    let c = client(&sb, &url);
    let e = c
        .pay(card_pay("o_pglost", "5.00", "USD", "123"))
        .await
        .unwrap_err();
    assert!(e.is_outcome_unknown());
    sb.clear_faults();
    let doubt = c.in_doubt().await.unwrap();
    assert_eq!(doubt.len(), 1);
    assert_eq!(doubt[0].attempt_timestamps.len(), 1);
    let rec = c.recover().await.unwrap();
    match &rec[0].status {
        RecoveryStatus::Settled(Outcome::Trade(t)) => assert_eq!(t.status, Status::Success),
        other => panic!("{other:?}"),
    }
    assert!(c.in_doubt().await.unwrap().is_empty());
    assert_eq!(fixtures::charges(&sb, "o_pglost"), Some(1));
}

#[tokio::test]
async fn not_found_is_final_only_after_the_replay_window() {
    let Some(url) = database("window").await else {
        return;
    };
    let sb = sandbox().await;
    sb.set_faults(vec![FaultRule {
        trans_type: Some("PAY".into()),
        ..FaultRule::new(FaultKind::CloseBefore)
    }])
    .unwrap();
    let c = client(&sb, &url);
    assert!(c
        .pay(card_pay("o_pgwin", "1.00", "USD", "123"))
        .await
        .unwrap_err()
        .is_outcome_unknown());
    sb.clear_faults();
    let rec = c.recover().await.unwrap();
    assert!(
        matches!(rec[0].status, RecoveryStatus::InDoubt { .. }),
        "{rec:?}"
    );
    tokio::time::sleep(WINDOW + Duration::from_millis(1100)).await;
    let rec = c.recover().await.unwrap();
    assert!(
        matches!(
            &rec[0].status,
            RecoveryStatus::Settled(Outcome::NotProcessed { .. })
        ),
        "{rec:?}"
    );
    assert!(sb.ledger().is_empty(), "recovery never pays");
}

/// Leaves `n` charges in doubt, owned by a journal whose lease then lapses (its owner is
/// gone without closing: the process was killed).
async fn in_doubt_of_a_dead_owner(sb: &Sandbox, url: &str, n: usize) {
    sb.set_faults(vec![FaultRule {
        trans_type: Some("PAY".into()),
        ..FaultRule::new(FaultKind::CloseAfterCommit)
    }])
    .unwrap();
    let dead = client(sb, url);
    for i in 0..n {
        assert!(dead
            .pay(card_pay(&format!("o_many_{i}"), "1.00", "USD", "123"))
            .await
            .is_err());
    }
    sb.clear_faults();
    // A killed process renews nothing: forget the client (its lease stays) and expire the
    // lease as time would.
    std::mem::forget(dead);
    raw(url)
        .await
        .batch_execute("UPDATE tradepay_leases SET expires_at = now() - interval '1 second'")
        .await
        .unwrap();
}

#[tokio::test]
async fn four_recoverers_at_once_settle_each_operation_once() {
    let Some(url) = database("four").await else {
        return;
    };
    let sb = sandbox().await;
    let n = 24;
    in_doubt_of_a_dead_owner(&sb, &url, n).await;
    let recoverers: Vec<Client> = (0..4).map(|_| client(&sb, &url)).collect();
    // One task, four journals (four connections, four writer threads): the claims race
    // in the database. (recover()'s future is not Send, so no spawn.)
    let (a, b, c, d) = tokio::join!(
        recoverers[0].recover(),
        recoverers[1].recover(),
        recoverers[2].recover(),
        recoverers[3].recover()
    );
    let mut settled: HashMap<String, usize> = HashMap::new();
    for r in [a, b, c, d].into_iter().flat_map(|r| r.unwrap()) {
        if let RecoveryStatus::Settled(_) = r.status {
            *settled.entry(r.entry.operation.id.clone()).or_default() += 1;
        }
    }
    // Every operation settled, and by exactly one recoverer.
    assert_eq!(settled.len(), n, "{settled:?}");
    assert!(settled.values().all(|k| *k == 1), "{settled:?}");
    assert!(recoverers[0].in_doubt().await.unwrap().is_empty());
    for i in 0..n {
        assert_eq!(fixtures::charges(&sb, &format!("o_many_{i}")), Some(1));
    }
}

#[tokio::test]
async fn an_operation_of_a_live_owner_is_left_to_it_until_it_closes() {
    let Some(url) = database("owner").await else {
        return;
    };
    let sb = sandbox().await;
    sb.set_faults(vec![FaultRule {
        trans_type: Some("PAY".into()),
        ..FaultRule::new(FaultKind::CloseAfterCommit)
    }])
    .unwrap();
    let owner = client(&sb, &url);
    assert!(owner
        .pay(card_pay("o_pgowner", "1.00", "USD", "123"))
        .await
        .is_err());
    sb.clear_faults();
    let other = client(&sb, &url);
    let rec = other.recover().await.unwrap();
    assert!(matches!(rec[0].status, RecoveryStatus::Owned), "{rec:?}");
    // A clean close removes the lease.
    drop(owner);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let rec = other.recover().await.unwrap();
    assert!(
        matches!(rec[0].status, RecoveryStatus::Settled(Outcome::Trade(_))),
        "{rec:?}"
    );
}

#[tokio::test]
async fn a_newer_schema_and_an_unreachable_server_are_clear_errors() {
    let Some(url) = database("schema").await else {
        return;
    };
    let sb = sandbox().await;
    drop(client(&sb, &url));
    raw(&url)
        .await
        .batch_execute("UPDATE tradepay_journal_meta SET value = '9' WHERE key = 'schema_version'")
        .await
        .unwrap();
    let e = sandbox_client(&sb).journal(&url).build().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Validation);
    assert!(e.message().contains("newer tradepay"), "{e}");
    // Nothing listens on port 1.
    let e = sandbox_client(&sb)
        .journal("postgresql://postgres@127.0.0.1:1/postgres")
        .build()
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Validation);
    assert!(e.message().contains("cannot connect"), "{e}");
}

#[tokio::test]
async fn webhook_seen_handles_concurrent_duplicates_once() {
    let Some(url) = database("webhook").await else {
        return;
    };
    let sb = sandbox().await;
    let a = client(&sb, &url);
    let b = client(&sb, &url);
    let mut tasks = Vec::new();
    for i in 0..64 {
        let c = if i % 2 == 0 { a.clone() } else { b.clone() };
        tasks.push(tokio::spawn(async move {
            let id = format!("msg_{}", i % 8);
            (id.clone(), c.webhook_id_seen(&id).await.unwrap())
        }));
    }
    let mut first = HashMap::new();
    for t in tasks {
        let (id, seen) = t.await.unwrap();
        if !seen {
            *first.entry(id).or_insert(0) += 1;
        }
    }
    assert_eq!(first.len(), 8, "{first:?}");
    assert!(first.values().all(|n| *n == 1), "{first:?}");
}

/// A slow owner whose lease lapsed and whose operation was taken over must not send it
/// again: its next attempt is refused (before sending), and the recoverer owns it.
#[tokio::test]
async fn an_owner_whose_operation_was_taken_over_cannot_attempt_it_again() {
    use tradepay_transport::journal::{NewOperation, OperationKind};
    use tradepay_transport::{Journal, PostgresJournal};
    let Some(url) = database("fence").await else {
        return;
    };
    let slow = PostgresJournal::open(&url).unwrap();
    let op = NewOperation {
        id: "op_fence".into(),
        kind: OperationKind::Pay,
        merchant_id: "m_1".into(),
        order_id: Some("o_fence".into()),
        trade_id: None,
        refund_id: None,
        payment_method: Some("card".into()),
        amount: Some("1.00".into()),
        currency: Some("USD".into()),
        digest: "d".into(),
        created_at: 1,
        deadline: None,
    };
    slow.begin(op, 100).await.unwrap();
    slow.attempt("op_fence".into(), 101).await.unwrap();
    let recoverer = PostgresJournal::open(&url).unwrap();
    assert!(
        !recoverer.claim("op_fence".into()).await.unwrap(),
        "lease alive"
    );
    raw(&url)
        .await
        .execute(
            "UPDATE tradepay_leases SET expires_at = now() - interval '1 second'
             WHERE instance = $1",
            &[&slow.owner().instance],
        )
        .await
        .unwrap();
    assert!(recoverer.claim("op_fence".into()).await.unwrap());
    let e = slow.attempt("op_fence".into(), 102).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Validation);
    assert!(e.message().contains("no longer this process's"), "{e}");
    let entries = recoverer.in_doubt().await.unwrap();
    assert_eq!(entries[0].attempt_timestamps, vec![100, 101]);
    assert_eq!(entries[0].owner.instance, recoverer.owner().instance);
}

/// A TCP forwarder to the test server that can be taken down (every connection cut, new
/// ones refused) and brought back on the same port: PostgreSQL going away mid-run.
struct Outage {
    port: u16,
    target: String,
    tasks: std::sync::Arc<std::sync::Mutex<Vec<tokio::task::AbortHandle>>>,
}

impl Outage {
    async fn start(target: String) -> Outage {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let o = Outage {
            port,
            target,
            tasks: Default::default(),
        };
        o.serve(listener);
        o
    }

    fn serve(&self, listener: tokio::net::TcpListener) {
        let (target, tasks) = (self.target.clone(), self.tasks.clone());
        let accept = tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                let target = target.clone();
                let conn = tokio::spawn(async move {
                    let mut outbound = tokio::net::TcpStream::connect(target).await.unwrap();
                    let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                });
                tasks.lock().unwrap().push(conn.abort_handle());
            }
        });
        self.tasks.lock().unwrap().push(accept.abort_handle());
    }

    fn down(&self) {
        for t in self.tasks.lock().unwrap().drain(..) {
            t.abort();
        }
    }

    async fn up(&self) {
        let addr = format!("127.0.0.1:{}", self.port);
        self.serve(tokio::net::TcpListener::bind(addr).await.unwrap());
    }
}

// Multi-threaded: build() blocks its thread while the journal connects through the
// forwarder, which runs on this runtime.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_lost_mid_run_fails_calls_before_sending_and_is_used_again_when_back() {
    let Some(url) = database("outage").await else {
        return;
    };
    let (scheme_user, rest) = url.split_once('@').unwrap();
    let (server, db) = rest.split_once('/').unwrap();
    let outage = Outage::start(server.to_owned()).await;
    let via = format!("{scheme_user}@127.0.0.1:{}/{db}", outage.port);
    let sb = sandbox().await;
    let c = client(&sb, &via);
    c.pay(card_pay("o_out1", "1.00", "USD", "123"))
        .await
        .unwrap();

    outage.down();
    // Give the client's connection time to see the cut.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let e = c
        .pay(card_pay("o_out2", "1.00", "USD", "123"))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Validation, "{e}");
    assert_eq!(e.field(), Some("journal"), "{e}");
    assert!(!e.is_outcome_unknown());
    let ledger = sb.ledger();
    assert!(
        ledger.iter().all(|o| o.order_id != "o_out2"),
        "sent although it could not be recorded"
    );

    outage.up().await;
    let t = c
        .pay(card_pay("o_out3", "1.00", "USD", "123"))
        .await
        .unwrap();
    assert_eq!(t.status, Status::Success);
    let orders: Vec<String> = raw(&url)
        .await
        .query(
            "SELECT order_id FROM tradepay_operations ORDER BY order_id",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(orders, ["o_out1", "o_out3"]);
}

#[tokio::test]
async fn a_wrong_password_is_a_clear_error_that_does_not_echo_it() {
    let Some(url) = database("password").await else {
        return;
    };
    let db = raw(&url).await;
    // The test command's server makes this one role give a password (xtask/src/postgres.rs).
    let rules: i64 = db
        .query_one(
            "SELECT count(*) FROM pg_hba_file_rules
             WHERE 'tp_password_role' = ANY(user_name) AND auth_method = 'scram-sha-256'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    if rules == 0 {
        eprintln!("skipped: this server does not ask tp_password_role for a password");
        return;
    }
    let name = url.rsplit('/').next().unwrap();
    db.batch_execute(&format!(
        "DO $$ BEGIN CREATE ROLE tp_password_role LOGIN PASSWORD 'right-secret';
         EXCEPTION WHEN duplicate_object THEN NULL; END $$;
         ALTER DATABASE {name} OWNER TO tp_password_role"
    ))
    .await
    .unwrap();
    let (_, server_and_db) = url.split_once('@').unwrap();
    let with = |password: &str| format!("postgresql://tp_password_role:{password}@{server_and_db}");
    let sb = sandbox().await;
    let e = sandbox_client(&sb)
        .journal(with("wrong-secret"))
        .build()
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Validation, "{e}");
    assert_eq!(e.field(), Some("journal"));
    assert!(e.message().contains("cannot connect"), "{e}");
    assert!(
        e.message().contains("password authentication failed"),
        "{e}"
    );
    assert!(!format!("{e} {e:?}").contains("wrong-secret"), "{e:?}");
    // The right one opens it (the role owns the database, so it may create the schema).
    let c = sandbox_client(&sb)
        .journal(with("right-secret"))
        .build()
        .unwrap();
    assert!(c.in_doubt().await.unwrap().is_empty());
}
