//! The PostgreSQL journal, for several application servers sharing one journal: one
//! connection per opened journal, driven by a dedicated thread, every queued record
//! committed in one transaction (group commit); owners prove liveness with a lease that a
//! background task renews; recoverers claim with `FOR UPDATE SKIP LOCKED`.

use std::str::FromStr;
use std::sync::{mpsc as std_mpsc, Mutex};
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};
use tokio_postgres::{Client, Config, NoTls, Statement, Transaction};
use tradepay_types::Trade;

use super::{
    journal_error, JournalEntry, JournalFuture, NewOperation, OperationKind, Outcome, Owner,
};
use crate::error::Error;

/// The schema this build writes (row `schema_version` of `tradepay_journal_meta`). A
/// database with a higher version was written by a newer tradepay and is refused.
pub const PG_SCHEMA_VERSION: i64 = 1;
const MAX_BATCH: usize = 512;
/// How long an owner's lease lasts unless renewed; renewed every third of it.
pub const DEFAULT_LEASE: Duration = Duration::from_secs(30);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
const OPEN_BOUND: Duration = Duration::from_secs(15);
const DRAIN_BOUND: Duration = Duration::from_secs(5);
/// Serialises migrations of concurrent openers (an arbitrary, fixed advisory lock key).
const MIGRATION_LOCK: i64 = 0x7470_6a31;

type Reply<T> = oneshot::Sender<Result<T, String>>;

enum Command {
    Begin(Box<NewOperation>, i64, Reply<()>),
    Attempt(String, i64, Reply<()>),
    Finish(String, String, bool, Reply<()>),
    SettleOrder(String, String, String),
    InDoubt(Reply<Vec<JournalEntry>>),
    Claim(String, Reply<bool>),
    Webhook(String, Reply<bool>),
}

/// The PostgreSQL journal. Open it with [`PostgresJournal::open`] or through
/// `ClientBuilder::journal("postgresql://user@host/db")`.
///
/// The connection is not encrypted (this build has no TLS to the database): use it on
/// loopback, a Unix socket or a private network.
pub struct PostgresJournal {
    owner: Owner,
    tx: Mutex<Option<mpsc::UnboundedSender<Command>>>,
    writer_done: Mutex<Option<std_mpsc::Receiver<()>>>,
}

impl std::fmt::Debug for PostgresJournal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresJournal")
            .field("owner", &self.owner)
            .finish()
    }
}

impl Drop for PostgresJournal {
    fn drop(&mut self) {
        // As with SQLite: wait (bounded) for queued outcomes, so the next opener sees them.
        self.close();
        let done = self
            .writer_done
            .get_mut()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        if let Some(done) = done {
            let _ = done.recv_timeout(DRAIN_BOUND);
        }
    }
}

/// Splits tradepay's own options (`lease_ms`) off a `postgresql://` URL; the rest is
/// tokio-postgres's.
fn parse_url(url: &str) -> Result<(Config, Duration), Error> {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let mut lease = DEFAULT_LEASE;
    let mut rest = Vec::new();
    for pair in query.into_iter().flat_map(|q| q.split('&')) {
        match pair.split_once('=') {
            Some(("lease_ms", v)) => {
                let ms: u64 = v
                    .parse()
                    .map_err(|_| journal_error(format!("lease_ms must be a number, not {v:?}")))?;
                if ms < 300 {
                    return Err(journal_error("lease_ms must be at least 300"));
                }
                lease = tradepay_types::duration::check("lease_ms", Duration::from_millis(ms))
                    .map_err(Error::from)?;
            }
            _ => rest.push(pair),
        }
    }
    let clean = if rest.is_empty() {
        base.to_owned()
    } else {
        format!("{base}?{}", rest.join("&"))
    };
    // The URL may hold a password: never echo it.
    let mut config = Config::from_str(&clean)
        .map_err(|e| journal_error(format!("not a valid PostgreSQL journal URL: {e}")))?;
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(CONNECT_TIMEOUT);
    }
    config.application_name("tradepay-journal");
    Ok((config, lease))
}

fn pg_text(e: tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{}: {}", db.code().code(), db.message()),
        None => e.to_string(),
    }
}

async fn connect(config: &Config) -> Result<Client, String> {
    let (client, connection) = config.connect(NoTls).await.map_err(|e| {
        format!(
            "cannot connect to the PostgreSQL journal ({}): {}",
            hosts(config),
            pg_text(e)
        )
    })?;
    tokio::spawn(async move {
        if let Err(e) = connection.await {
            tracing::warn!(error = %e, "journal: the PostgreSQL connection ended");
        }
    });
    // Commits wait for the WAL flush (the server's default, made explicit): a begin that
    // resolved survives a crash of the database server too.
    client
        .batch_execute("SET synchronous_commit = on")
        .await
        .map_err(pg_text)?;
    Ok(client)
}

fn hosts(config: &Config) -> String {
    let h: Vec<String> = config
        .get_hosts()
        .iter()
        .map(|h| match h {
            tokio_postgres::config::Host::Tcp(s) => s.clone(),
            #[cfg(unix)]
            tokio_postgres::config::Host::Unix(p) => p.display().to_string(),
        })
        .collect();
    let ports: Vec<String> = config.get_ports().iter().map(u16::to_string).collect();
    format!("host {} port {}", h.join(","), ports.join(","))
}

/// Creates or migrates the schema, refusing one written by a newer tradepay.
async fn migrate(client: &mut Client) -> Result<(), String> {
    let tx = client.transaction().await.map_err(pg_text)?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
        .await
        .map_err(pg_text)?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS tradepay_journal_meta (
             key TEXT PRIMARY KEY,
             value TEXT NOT NULL
         )",
    )
    .await
    .map_err(pg_text)?;
    let version: Option<String> = tx
        .query_opt(
            "SELECT value FROM tradepay_journal_meta WHERE key = 'schema_version'",
            &[],
        )
        .await
        .map_err(pg_text)?
        .map(|r| r.get(0));
    let version: i64 = match version {
        None => 0,
        Some(v) => v
            .parse()
            .map_err(|_| format!("the journal's schema_version is not a number: {v:?}"))?,
    };
    if version > PG_SCHEMA_VERSION {
        return Err(format!(
            "the PostgreSQL journal was written by a newer tradepay (schema {version}; this \
             one knows up to {PG_SCHEMA_VERSION}): upgrade tradepay to use it"
        ));
    }
    if version < 1 {
        tx.batch_execute(
            "CREATE TABLE tradepay_operations (
                 id TEXT PRIMARY KEY,
                 kind TEXT NOT NULL,
                 merchant_id TEXT NOT NULL,
                 order_id TEXT,
                 trade_id TEXT,
                 refund_id TEXT,
                 payment_method TEXT,
                 amount TEXT,
                 currency TEXT,
                 digest TEXT NOT NULL,
                 created_at BIGINT NOT NULL,
                 deadline BIGINT,
                 state TEXT NOT NULL CHECK (state IN ('in_doubt', 'settled')),
                 outcome TEXT,
                 settled_at BIGINT,
                 owner_pid BIGINT NOT NULL,
                 owner_instance TEXT NOT NULL,
                 owner_host TEXT NOT NULL
             );
             CREATE INDEX tradepay_operations_in_doubt
                 ON tradepay_operations (state) WHERE state = 'in_doubt';
             CREATE INDEX tradepay_operations_order
                 ON tradepay_operations (merchant_id, order_id);
             CREATE TABLE tradepay_attempts (
                 op_id TEXT NOT NULL REFERENCES tradepay_operations (id),
                 n INTEGER NOT NULL,
                 timestamp BIGINT NOT NULL,
                 PRIMARY KEY (op_id, n)
             );
             CREATE TABLE tradepay_webhooks (
                 event_id TEXT PRIMARY KEY,
                 seen_at BIGINT NOT NULL
             );
             CREATE TABLE tradepay_leases (
                 instance TEXT PRIMARY KEY,
                 pid BIGINT NOT NULL,
                 host TEXT NOT NULL,
                 expires_at TIMESTAMPTZ NOT NULL
             );
             INSERT INTO tradepay_journal_meta (key, value) VALUES ('schema_version', '1')
                 ON CONFLICT (key) DO UPDATE SET value = '1';",
        )
        .await
        .map_err(pg_text)?;
    }
    tx.commit().await.map_err(pg_text)
}

async fn renew_lease(client: &Client, owner: &Owner, lease: Duration) -> Result<(), String> {
    let ms = i64::try_from(lease.as_millis()).unwrap_or(i64::MAX);
    client
        .execute(
            "INSERT INTO tradepay_leases (instance, pid, host, expires_at)
             VALUES ($1, $2, $3, now() + $4::float8 * interval '1 millisecond')
             ON CONFLICT (instance) DO UPDATE SET expires_at = EXCLUDED.expires_at",
            &[
                &owner.instance,
                &i64::from(owner.pid),
                &owner.host,
                &(ms as f64),
            ],
        )
        .await
        .map(drop)
        .map_err(pg_text)
}

impl PostgresJournal {
    /// Opens the journal at `url` (`postgresql://user[:password]@host[:port]/db`, with an
    /// optional `lease_ms=N` beside tokio-postgres's own options), creating or migrating
    /// its tables. An unreachable database, a refused login or a newer schema fail here,
    /// with a validation error.
    pub fn open(url: &str) -> Result<PostgresJournal, Error> {
        let (config, lease) = parse_url(url)?;
        let owner = Owner::this_process();
        let (tx, rx) = mpsc::unbounded_channel();
        let (open_tx, open_rx) = std_mpsc::channel::<Result<(), String>>();
        let (done_tx, done_rx) = std_mpsc::channel::<()>();
        let worker_owner = owner.clone();
        // A thread with its own runtime: build() is synchronous and may run inside or
        // outside a runtime, and the journal must outlive any one of the caller's.
        std::thread::Builder::new()
            .name("tradepay-journal-pg".into())
            .spawn(move || {
                let rt = match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(rt) => rt,
                    Err(e) => {
                        let _ = open_tx.send(Err(format!("cannot start a runtime: {e}")));
                        return;
                    }
                };
                rt.block_on(async move {
                    let mut client = match connect(&config).await {
                        Ok(c) => c,
                        Err(e) => {
                            let _ = open_tx.send(Err(e));
                            return;
                        }
                    };
                    if let Err(e) = migrate(&mut client).await {
                        let _ = open_tx.send(Err(e));
                        return;
                    }
                    if let Err(e) = renew_lease(&client, &worker_owner, lease).await {
                        let _ = open_tx.send(Err(e));
                        return;
                    }
                    let _ = open_tx.send(Ok(()));
                    Worker {
                        client,
                        config,
                        owner: worker_owner,
                        lease,
                        statements: None,
                    }
                    .run(rx)
                    .await;
                });
                drop(done_tx);
            })
            .map_err(|e| journal_error(format!("cannot start the journal's writer: {e}")))?;
        match open_rx.recv_timeout(OPEN_BOUND) {
            Ok(Ok(())) => {}
            Ok(Err(e)) => return Err(journal_error(e)),
            Err(_) => {
                return Err(journal_error(format!(
                    "the PostgreSQL journal did not open within {} s",
                    OPEN_BOUND.as_secs()
                )))
            }
        }
        Ok(PostgresJournal {
            owner,
            tx: Mutex::new(Some(tx)),
            writer_done: Mutex::new(Some(done_rx)),
        })
    }

    /// Closes the journal: every later call through it fails before anything is sent.
    /// Records already queued are still written; the lease is then released.
    pub fn close(&self) {
        self.tx.lock().unwrap_or_else(|e| e.into_inner()).take();
    }

    fn send(&self, command: Command) -> Result<(), Error> {
        let guard = self.tx.lock().unwrap_or_else(|e| e.into_inner());
        match guard.as_ref() {
            Some(tx) => tx
                .send(command)
                .map_err(|_| journal_error("the journal's writer has stopped")),
            None => Err(journal_error("the journal is closed")),
        }
    }

    fn ask<T: Send + 'static>(
        &self,
        make: impl FnOnce(Reply<T>) -> Command,
    ) -> JournalFuture<'_, T> {
        let (reply, rx) = oneshot::channel();
        let sent = self.send(make(reply));
        Box::pin(async move {
            sent?;
            match rx.await {
                Ok(Ok(v)) => Ok(v),
                Ok(Err(e)) => Err(journal_error(e)),
                Err(_) => Err(journal_error("the journal's writer has stopped")),
            }
        })
    }
}

impl super::Journal for PostgresJournal {
    fn owner(&self) -> &Owner {
        &self.owner
    }

    fn begin(&self, op: NewOperation, first_attempt: i64) -> JournalFuture<'_, ()> {
        self.ask(|r| Command::Begin(Box::new(op), first_attempt, r))
    }

    fn attempt(&self, id: String, timestamp: i64) -> JournalFuture<'_, ()> {
        self.ask(|r| Command::Attempt(id, timestamp, r))
    }

    fn finish(&self, id: String, outcome: Outcome, settled: bool) -> JournalFuture<'_, ()> {
        let json = serde_json::to_string(&outcome).unwrap_or_default();
        self.ask(|r| Command::Finish(id, json, settled, r))
    }

    fn settle_order(&self, merchant_id: String, order_id: String, trade: Trade) {
        let json = serde_json::to_string(&Outcome::Trade(Box::new(trade))).unwrap_or_default();
        let _ = self.send(Command::SettleOrder(merchant_id, order_id, json));
    }

    fn in_doubt(&self) -> JournalFuture<'_, Vec<JournalEntry>> {
        self.ask(Command::InDoubt)
    }

    fn claim(&self, id: String) -> JournalFuture<'_, bool> {
        self.ask(|r| Command::Claim(id, r))
    }

    fn webhook_seen(&self, event_id: String) -> JournalFuture<'_, bool> {
        self.ask(|r| Command::Webhook(event_id, r))
    }
}

struct Worker {
    client: Client,
    config: Config,
    owner: Owner,
    lease: Duration,
    /// Prepared on the current connection (re-prepared after a reconnect).
    statements: Option<Statements>,
}

/// The statements of the hot path, prepared once per connection: each is then a single
/// Bind/Execute, and a batch of them is pipelined (sent together, answered together).
struct Statements {
    begin: Statement,
    attempt: Statement,
    finish: Statement,
    settle_order: Statement,
    webhook: Statement,
    extend_lease: Statement,
}

impl Statements {
    async fn prepare(client: &Client) -> Result<Statements, String> {
        let p = |sql: &'static str| async move { client.prepare(sql).await.map_err(pg_text) };
        Ok(Statements {
            // The operation and its first attempt in one statement.
            begin: p("WITH op AS (
                    INSERT INTO tradepay_operations (id, kind, merchant_id, order_id, trade_id,
                        refund_id, payment_method, amount, currency, digest, created_at, deadline,
                        state, owner_pid, owner_instance, owner_host)
                    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'in_doubt',
                        $13, $14, $15)
                    RETURNING id)
                 INSERT INTO tradepay_attempts (op_id, n, timestamp) SELECT id, 1, $16 FROM op")
            .await?,
            // The UPDATE locks the operation's row, so an attempt waits for a recoverer
            // claiming it right now and then sees the new owner: it is refused, not sent.
            attempt: p("WITH op AS (
                    UPDATE tradepay_operations SET state = state
                    WHERE id = $1 AND state = 'in_doubt' AND owner_instance = $3
                    RETURNING id)
                 INSERT INTO tradepay_attempts (op_id, n, timestamp)
                 SELECT id, (SELECT coalesce(max(n), 0) + 1 FROM tradepay_attempts WHERE op_id = $1), $2
                 FROM op")
            .await?,
            finish: p("UPDATE tradepay_operations SET outcome = $2,
                     state = CASE WHEN $3 THEN 'settled' ELSE state END,
                     settled_at = CASE WHEN $3 THEN $4 ELSE settled_at END
                 WHERE id = $1 AND state = 'in_doubt'")
            .await?,
            settle_order: p("UPDATE tradepay_operations SET state = 'settled', outcome = $1,
                     settled_at = $2
                 WHERE state = 'in_doubt' AND kind = 'PAY' AND merchant_id = $3
                   AND order_id = $4 AND owner_instance = $5")
            .await?,
            webhook: p("INSERT INTO tradepay_webhooks (event_id, seen_at) VALUES ($1, $2)
                 ON CONFLICT (event_id) DO NOTHING")
            .await?,
            extend_lease: p("UPDATE tradepay_leases
                 SET expires_at = now() + $2::float8 * interval '1 millisecond'
                 WHERE instance = $1")
            .await?,
        })
    }
}

const REFUSED_TAKEN_OVER: &str = "the operation is no longer this process's (its lease lapsed \
     and another process took it over): not sent again";

enum Pending {
    Unit(Reply<()>, Result<(), String>),
    Bool(Reply<bool>, Result<bool, String>),
    Entries(Reply<Vec<JournalEntry>>, Result<Vec<JournalEntry>, String>),
    None,
}

impl Pending {
    fn send(self) {
        match self {
            Pending::Unit(r, v) => drop(r.send(v)),
            Pending::Bool(r, v) => drop(r.send(v)),
            Pending::Entries(r, v) => drop(r.send(v)),
            Pending::None => {}
        }
    }
}

impl Worker {
    async fn run(mut self, mut rx: mpsc::UnboundedReceiver<Command>) {
        let mut renew = tokio::time::interval(self.lease / 3);
        renew.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                command = rx.recv() => {
                    let Some(first) = command else { break };
                    // Group commit: what queued meanwhile shares the next transaction.
                    let mut batch = vec![first];
                    while batch.len() < MAX_BATCH {
                        match rx.try_recv() {
                            Ok(c) => batch.push(c),
                            Err(_) => break,
                        }
                    }
                    self.commit(batch).await;
                }
                _ = renew.tick() => {
                    if self.reconnect().await.is_ok() {
                        if let Err(e) = renew_lease(&self.client, &self.owner, self.lease).await {
                            tracing::warn!(error = %e, "journal: the owner lease was not renewed");
                        }
                    }
                }
            }
        }
        // A clean close: the owner has gone, its operations may be recovered at once.
        let _ = self
            .client
            .execute(
                "DELETE FROM tradepay_leases WHERE instance = $1",
                &[&self.owner.instance],
            )
            .await;
    }

    async fn reconnect(&mut self) -> Result<(), String> {
        if self.client.is_closed() {
            self.statements = None;
            self.client = connect(&self.config).await?;
        }
        if self.statements.is_none() {
            self.statements = Some(Statements::prepare(&self.client).await?);
        }
        Ok(())
    }

    async fn commit(&mut self, batch: Vec<Command>) {
        if let Err(e) = self.reconnect().await {
            for c in batch {
                self.apply_error(c, &e);
            }
            return;
        }
        // In PostgreSQL one failing statement aborts its transaction: a batch that fails
        // is retried one command per transaction, so one bad record fails only its call.
        if batch.len() > 1 {
            match self.try_batch(&batch).await {
                Ok(results) => {
                    for (c, r) in batch.into_iter().zip(results) {
                        reply(c, r).send();
                    }
                    return;
                }
                Err(_) if !self.client.is_closed() => {}
                Err(e) => {
                    for c in batch {
                        self.apply_error(c, &e);
                    }
                    return;
                }
            }
        }
        for c in batch {
            let result = self.try_batch(std::slice::from_ref(&c)).await;
            match result {
                Ok(mut r) => reply(c, r.pop().unwrap_or(Outcomes::Unit)).send(),
                Err(e) => self.apply_error(c, &e),
            }
        }
    }

    fn apply_error(&self, c: Command, e: &str) {
        let e = format!("the journal cannot be written: {e}");
        match c {
            Command::Begin(_, _, r) | Command::Attempt(_, _, r) | Command::Finish(_, _, _, r) => {
                drop(r.send(Err(e)))
            }
            Command::InDoubt(r) => drop(r.send(Err(e))),
            Command::Claim(_, r) | Command::Webhook(_, r) => drop(r.send(Err(e))),
            Command::SettleOrder(..) => {
                tracing::warn!(error = %e, "journal: an outcome was not recorded")
            }
        }
    }

    /// One transaction for the whole batch. The calls' own records (begin, attempt,
    /// finish, webhook) are one prepared statement each, all sent at once (pipelined), so
    /// a batch costs about three round trips (BEGIN, the statements, COMMIT) however many
    /// calls share it. A batch holding a recoverer's reads or claims, which take several
    /// statements each, runs its commands in turn.
    async fn try_batch(&mut self, batch: &[Command]) -> Result<Vec<Outcomes>, String> {
        let now = tradepay_types::time::now_unix();
        let owner = &self.owner;
        let ms = i64::try_from(self.lease.as_millis()).unwrap_or(i64::MAX) as f64;
        let st = self
            .statements
            .as_ref()
            .ok_or("the journal's statements are not prepared")?;
        let tx = self.client.transaction().await.map_err(pg_text)?;
        let writes_before_send = batch
            .iter()
            .any(|c| matches!(c, Command::Begin(..) | Command::Attempt(..)));
        let lease = async {
            if writes_before_send {
                // Sending extends the lease: a process busy sending is alive.
                tx.execute(&st.extend_lease, &[&owner.instance, &ms])
                    .await
                    .map_err(pg_text)?;
            }
            Ok::<_, String>(())
        };
        let out = if batch
            .iter()
            .any(|c| matches!(c, Command::InDoubt(_) | Command::Claim(..)))
        {
            let mut out = Vec::with_capacity(batch.len());
            for c in batch {
                out.push(match c {
                    Command::InDoubt(_) => Outcomes::Entries(in_doubt(&tx).await?),
                    Command::Claim(id, _) => Outcomes::Bool(claim(&tx, owner, id).await?),
                    record_command => record(&tx, st, owner, now, record_command).await?,
                });
            }
            lease.await?;
            out
        } else {
            // Each future sends its statement when first polled, and try_join_all polls
            // them in order: the statements run in the batch's order.
            let records = batch.iter().map(|c| record(&tx, st, owner, now, c));
            let (out, ()) =
                futures_util::future::try_join(futures_util::future::try_join_all(records), lease)
                    .await?;
            out
        };
        tx.commit()
            .await
            .map_err(|e| format!("the journal's commit failed: {}", pg_text(e)))?;
        Ok(out)
    }
}

/// One of a call's own records, as one prepared statement.
async fn record(
    tx: &Transaction<'_>,
    st: &Statements,
    owner: &Owner,
    now: i64,
    c: &Command,
) -> Result<Outcomes, String> {
    let pid = i64::from(owner.pid);
    let rows = match c {
        Command::Begin(op, ts, _) => {
            tx.execute(
                &st.begin,
                &[
                    &op.id,
                    &op.kind.as_str(),
                    &op.merchant_id,
                    &op.order_id,
                    &op.trade_id,
                    &op.refund_id,
                    &op.payment_method,
                    &op.amount,
                    &op.currency,
                    &op.digest,
                    &op.created_at,
                    &op.deadline,
                    &pid,
                    &owner.instance,
                    &owner.host,
                    ts,
                ],
            )
            .await
        }
        Command::Attempt(id, ts, _) => tx.execute(&st.attempt, &[id, ts, &owner.instance]).await,
        Command::Finish(id, json, settled, _) => {
            tx.execute(&st.finish, &[id, json, settled, &now]).await
        }
        Command::SettleOrder(merchant, order, json) => {
            tx.execute(
                &st.settle_order,
                &[json, &now, merchant, order, &owner.instance],
            )
            .await
        }
        Command::Webhook(id, _) => tx.execute(&st.webhook, &[id, &now]).await,
        Command::InDoubt(_) | Command::Claim(..) => {
            return Err("a recovery command is not a record".to_owned())
        }
    };
    let rows = rows.map_err(pg_text)?;
    Ok(match c {
        // Taken over by a recoverer (our lease lapsed) or settled: this process no
        // longer owns it, so it must not send again.
        Command::Attempt(..) if rows != 1 => Outcomes::Refused(REFUSED_TAKEN_OVER.to_owned()),
        Command::Webhook(..) => Outcomes::Bool(rows == 0),
        _ => Outcomes::Unit,
    })
}

enum Outcomes {
    Unit,
    Refused(String),
    Bool(bool),
    Entries(Vec<JournalEntry>),
}

fn reply(c: Command, r: Outcomes) -> Pending {
    let unit = |r: Outcomes| match r {
        Outcomes::Refused(e) => Err(e),
        _ => Ok(()),
    };
    match (c, r) {
        (Command::Begin(_, _, s), r)
        | (Command::Attempt(_, _, s), r)
        | (Command::Finish(_, _, _, s), r) => Pending::Unit(s, unit(r)),
        (Command::InDoubt(s), Outcomes::Entries(e)) => Pending::Entries(s, Ok(e)),
        (Command::InDoubt(s), _) => Pending::Entries(s, Ok(Vec::new())),
        (Command::Claim(_, s), Outcomes::Bool(b)) | (Command::Webhook(_, s), Outcomes::Bool(b)) => {
            Pending::Bool(s, Ok(b))
        }
        (Command::Claim(_, s), _) | (Command::Webhook(_, s), _) => Pending::Bool(s, Ok(false)),
        (Command::SettleOrder(..), _) => Pending::None,
    }
}

async fn in_doubt(tx: &Transaction<'_>) -> Result<Vec<JournalEntry>, String> {
    let rows = tx
        .query(
            "SELECT o.id, o.kind, o.merchant_id, o.order_id, o.trade_id, o.refund_id,
                    o.payment_method, o.amount, o.currency, o.digest, o.created_at, o.deadline,
                    o.outcome, o.owner_pid, o.owner_instance, o.owner_host,
                    coalesce((SELECT array_agg(a.timestamp ORDER BY a.n)
                              FROM tradepay_attempts a WHERE a.op_id = o.id), '{}')
             FROM tradepay_operations o WHERE o.state = 'in_doubt'
             ORDER BY o.created_at, o.id",
            &[],
        )
        .await
        .map_err(pg_text)?;
    rows.iter()
        .map(|r| {
            let kind: String = r.try_get(1).map_err(pg_text)?;
            let outcome: Option<String> = r.try_get(12).map_err(pg_text)?;
            let pid: i64 = r.try_get(13).map_err(pg_text)?;
            Ok(JournalEntry {
                operation: NewOperation {
                    id: r.try_get(0).map_err(pg_text)?,
                    kind: OperationKind::parse(&kind).unwrap_or(OperationKind::Pay),
                    merchant_id: r.try_get(2).map_err(pg_text)?,
                    order_id: r.try_get(3).map_err(pg_text)?,
                    trade_id: r.try_get(4).map_err(pg_text)?,
                    refund_id: r.try_get(5).map_err(pg_text)?,
                    payment_method: r.try_get(6).map_err(pg_text)?,
                    amount: r.try_get(7).map_err(pg_text)?,
                    currency: r.try_get(8).map_err(pg_text)?,
                    digest: r.try_get(9).map_err(pg_text)?,
                    created_at: r.try_get(10).map_err(pg_text)?,
                    deadline: r.try_get(11).map_err(pg_text)?,
                },
                attempt_timestamps: r.try_get(16).map_err(pg_text)?,
                owner: Owner {
                    pid: u32::try_from(pid).unwrap_or(0),
                    instance: r.try_get(14).map_err(pg_text)?,
                    host: r.try_get(15).map_err(pg_text)?,
                },
                last_known: outcome.and_then(|o| serde_json::from_str(&o).ok()),
            })
        })
        .collect()
}

/// Takes an operation over if its owner's lease has expired (or it has none: closed
/// cleanly). `SKIP LOCKED`: an operation another recoverer is claiming right now is not
/// waited for but reported as not ours, so each is settled by exactly one recoverer.
async fn claim(tx: &Transaction<'_>, me: &Owner, id: &str) -> Result<bool, String> {
    let row = tx
        .query_opt(
            "SELECT owner_instance FROM tradepay_operations
             WHERE id = $1 AND state = 'in_doubt' FOR UPDATE SKIP LOCKED",
            &[&id],
        )
        .await
        .map_err(pg_text)?;
    let Some(row) = row else {
        return Ok(false);
    };
    let instance: String = row.get(0);
    if instance == me.instance {
        return Ok(true);
    }
    // The database's clock decides expiry, so the hosts' clocks need not agree.
    let alive = tx
        .query_opt(
            "SELECT 1 FROM tradepay_leases WHERE instance = $1 AND expires_at > now()",
            &[&instance],
        )
        .await
        .map_err(pg_text)?
        .is_some();
    if alive {
        return Ok(false);
    }
    let n = tx
        .execute(
            "UPDATE tradepay_operations SET owner_pid = $2, owner_instance = $3, owner_host = $4
             WHERE id = $1 AND state = 'in_doubt' AND owner_instance = $5",
            &[&id, &i64::from(me.pid), &me.instance, &me.host, &instance],
        )
        .await
        .map_err(pg_text)?;
    Ok(n == 1)
}
