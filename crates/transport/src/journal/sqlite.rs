//! The embedded journal: one SQLite file in WAL mode with `synchronous=FULL`, written by one
//! thread that commits every queued record in one transaction (group commit).

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::sync::Mutex;
use std::time::Duration;

use fs4::{FileExt, TryLockError};
use rusqlite::{params, Connection, OpenFlags, OptionalExtension, TransactionBehavior};
use tokio::sync::oneshot;
use tradepay_types::Trade;

use super::{
    journal_error, JournalEntry, JournalFuture, NewOperation, OperationKind, Outcome, Owner,
};
use crate::error::Error;

/// The schema this build writes. A file with a higher `user_version` was written by a
/// newer tradepay and is refused rather than misread.
pub const SCHEMA_VERSION: i64 = 1;
/// `PRAGMA application_id` of a journal ("tpj1"): another program's SQLite file is refused.
const APPLICATION_ID: i64 = 0x7470_6a31;
/// The most records one transaction carries.
const MAX_BATCH: usize = 512;
const DEFAULT_BUSY_TIMEOUT: Duration = Duration::from_secs(5);

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

/// The SQLite journal. Open it with [`SqliteJournal::open`] or through
/// `ClientBuilder::journal("sqlite:///path/to/tradepay.db")`.
pub struct SqliteJournal {
    owner: Owner,
    path: PathBuf,
    tx: Mutex<Option<mpsc::Sender<Command>>>,
    /// Disconnects when the writer thread ends, so that a drop can wait for it.
    writer_done: Mutex<Option<mpsc::Receiver<()>>>,
}

/// How long dropping a journal waits for the records already queued to be written.
const DRAIN_BOUND: Duration = Duration::from_secs(5);

impl Drop for SqliteJournal {
    fn drop(&mut self) {
        // A dropped client's last outcomes are queued, not yet written: waiting for them
        // means a journal opened next (by this process or another) sees them, instead of
        // finding the operations in doubt and querying them again.
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

impl std::fmt::Debug for SqliteJournal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteJournal")
            .field("path", &self.path)
            .field("owner", &self.owner)
            .finish()
    }
}

/// Where a journal URL points: `sqlite:///abs/path`, `sqlite://rel/path`, `sqlite:path`
/// or a plain path, with an optional `?busy_timeout_ms=N`.
fn parse_url(url: &str) -> Result<(PathBuf, Duration), Error> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Err(journal_error(
            "a PostgreSQL URL: open it with PostgresJournal (or ClientBuilder::journal)",
        ));
    }
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(url);
    let (path, query) = match rest.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (rest, None),
    };
    if path.is_empty() || path == ":memory:" {
        return Err(journal_error(
            "the journal needs a file path (an in-memory journal would not survive a crash)",
        ));
    }
    let mut busy = DEFAULT_BUSY_TIMEOUT;
    for pair in query.into_iter().flat_map(|q| q.split('&')) {
        match pair.split_once('=') {
            Some(("busy_timeout_ms", v)) => {
                let ms: u64 = v.parse().map_err(|_| {
                    journal_error(format!("busy_timeout_ms must be a number, not {v:?}"))
                })?;
                busy =
                    tradepay_types::duration::check("busy_timeout_ms", Duration::from_millis(ms))
                        .map_err(Error::from)?;
            }
            _ => {
                return Err(journal_error(format!(
                    "unknown journal URL option {pair:?} (known: busy_timeout_ms)"
                )))
            }
        }
    }
    Ok((PathBuf::from(path), busy))
}

fn db_error(path: &Path, e: rusqlite::Error) -> Error {
    let corrupt = matches!(
        e.sqlite_error_code(),
        Some(rusqlite::ErrorCode::NotADatabase) | Some(rusqlite::ErrorCode::DatabaseCorrupt)
    );
    let message = if corrupt {
        format!(
            "the journal {} is not a readable SQLite database (corrupt or another file): {e}",
            path.display()
        )
    } else {
        format!("cannot open the journal {}: {e}", path.display())
    };
    journal_error(message)
}

/// Opens (creating or migrating) the database and checks it is a journal this build reads.
fn open_connection(path: &Path, busy: Duration) -> Result<Connection, Error> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| db_error(path, e))?;
    let err = |e| db_error(path, e);
    conn.busy_timeout(busy).map_err(err)?;
    if conn.is_readonly(rusqlite::MAIN_DB).unwrap_or(false) {
        return Err(journal_error(format!(
            "the journal {} is read-only: calls could not be recorded",
            path.display()
        )));
    }
    let mode: String = conn
        .query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))
        .map_err(err)?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(journal_error(format!(
            "the journal {} cannot use WAL mode (got {mode})",
            path.display()
        )));
    }
    // FULL: the WAL is fsynced at every commit, so a commit survives power loss, not only
    // a killed process.
    conn.execute_batch("PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;")
        .map_err(err)?;
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(err)?;
    let app: i64 = conn
        .query_row("PRAGMA application_id", [], |r| r.get(0))
        .map_err(err)?;
    if version > SCHEMA_VERSION {
        return Err(journal_error(format!(
            "the journal {} was written by a newer tradepay (schema {version}; this one knows \
             up to {SCHEMA_VERSION}): upgrade tradepay to use it",
            path.display()
        )));
    }
    if app != 0 && app != APPLICATION_ID {
        return Err(journal_error(format!(
            "{} is a SQLite database of another application, not a tradepay journal",
            path.display()
        )));
    }
    if version == 0 {
        let tables: i64 = conn
            .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
            .map_err(err)?;
        if tables > 0 {
            return Err(journal_error(format!(
                "{} holds tables but is not a tradepay journal",
                path.display()
            )));
        }
    }
    migrate(&conn, version).map_err(err)?;
    Ok(conn)
}

/// Brings the schema from `from` to [`SCHEMA_VERSION`], in one transaction per step.
fn migrate(conn: &Connection, from: i64) -> rusqlite::Result<()> {
    if from < 1 {
        conn.execute_batch(&format!(
            "BEGIN IMMEDIATE;
             CREATE TABLE IF NOT EXISTS operations (
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
                 created_at INTEGER NOT NULL,
                 deadline INTEGER,
                 state TEXT NOT NULL CHECK (state IN ('in_doubt', 'settled')),
                 outcome TEXT,
                 settled_at INTEGER,
                 owner_pid INTEGER NOT NULL,
                 owner_instance TEXT NOT NULL,
                 owner_host TEXT NOT NULL
             );
             CREATE INDEX IF NOT EXISTS operations_in_doubt
                 ON operations (state) WHERE state = 'in_doubt';
             CREATE INDEX IF NOT EXISTS operations_order
                 ON operations (merchant_id, order_id);
             CREATE TABLE IF NOT EXISTS attempts (
                 op_id TEXT NOT NULL REFERENCES operations (id),
                 n INTEGER NOT NULL,
                 timestamp INTEGER NOT NULL,
                 PRIMARY KEY (op_id, n)
             );
             CREATE TABLE IF NOT EXISTS webhooks (
                 event_id TEXT PRIMARY KEY,
                 seen_at INTEGER NOT NULL
             );
             PRAGMA application_id = {APPLICATION_ID};
             PRAGMA user_version = 1;
             COMMIT;"
        ))?;
    }
    Ok(())
}

/// The lock file that says "this owner is alive": held (flock) for the journal's lifetime,
/// released by the OS when the process dies, however it dies.
fn owner_lock_path(db: &Path, instance: &str) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push(format!(".owner-{instance}"));
    PathBuf::from(name)
}

/// True if the owner may still be running: its lock is held, or it is on another host
/// (whose processes this one cannot see).
fn owner_alive(db: &Path, me: &Owner, instance: &str, host: &str) -> bool {
    if instance == me.instance {
        return true;
    }
    if host != me.host {
        return true;
    }
    let path = owner_lock_path(db, instance);
    let Ok(file) = File::options().read(true).write(true).open(&path) else {
        // Never created or removed at a clean close: the owner has gone.
        return false;
    };
    match FileExt::try_lock(&file) {
        Ok(()) => {
            let _ = FileExt::unlock(&file);
            false
        }
        Err(TryLockError::WouldBlock) => true,
        // Cannot tell: assume alive, so that nothing races a live call.
        Err(_) => true,
    }
}

impl SqliteJournal {
    /// Opens the journal at `url` (`sqlite:///path`, or a path), creating it if needed.
    pub fn open(url: &str) -> Result<SqliteJournal, Error> {
        let (path, busy) = parse_url(url)?;
        let conn = open_connection(&path, busy)?;
        let owner = Owner::this_process();
        let lock_path = owner_lock_path(&path, &owner.instance);
        let lock = File::options()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(&lock_path)
            .map_err(|e| {
                journal_error(format!(
                    "cannot create the journal's owner lock {}: {e}",
                    lock_path.display()
                ))
            })?;
        match FileExt::try_lock(&lock) {
            Ok(()) => {}
            Err(_) => {
                return Err(journal_error(format!(
                    "cannot lock the journal's owner lock {}",
                    lock_path.display()
                )))
            }
        }
        let (tx, rx) = mpsc::channel();
        let (done_tx, done_rx) = mpsc::channel::<()>();
        let writer = Writer {
            conn,
            path: path.clone(),
            owner: owner.clone(),
            lock: Some((lock, lock_path)),
        };
        std::thread::Builder::new()
            .name("tradepay-journal".into())
            .spawn(move || {
                writer.run(rx);
                drop(done_tx);
            })
            .map_err(|e| journal_error(format!("cannot start the journal's writer: {e}")))?;
        Ok(SqliteJournal {
            owner,
            path,
            tx: Mutex::new(Some(tx)),
            writer_done: Mutex::new(Some(done_rx)),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Closes the journal: every later call through it fails (with a validation error,
    /// before anything is sent). Records already queued are still written.
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

impl super::Journal for SqliteJournal {
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

struct Writer {
    conn: Connection,
    path: PathBuf,
    owner: Owner,
    lock: Option<(File, PathBuf)>,
}

/// A reply to send once the batch's commit is known.
enum Pending {
    Unit(Reply<()>, Result<(), String>),
    Bool(Reply<bool>, Result<bool, String>),
    Entries(Reply<Vec<JournalEntry>>, Result<Vec<JournalEntry>, String>),
}

impl Pending {
    fn fail(self, e: &str) {
        match self {
            Pending::Unit(r, _) => drop(r.send(Err(e.to_owned()))),
            Pending::Bool(r, _) => drop(r.send(Err(e.to_owned()))),
            Pending::Entries(r, _) => drop(r.send(Err(e.to_owned()))),
        }
    }
    fn send(self) {
        match self {
            Pending::Unit(r, v) => drop(r.send(v)),
            Pending::Bool(r, v) => drop(r.send(v)),
            Pending::Entries(r, v) => drop(r.send(v)),
        }
    }
}

impl Writer {
    fn run(mut self, rx: mpsc::Receiver<Command>) {
        // Group commit: whatever queued while the last commit was being fsynced goes into
        // the next transaction, so N concurrent calls share one fsync.
        while let Ok(first) = rx.recv() {
            let mut batch = vec![first];
            while batch.len() < MAX_BATCH {
                match rx.try_recv() {
                    Ok(c) => batch.push(c),
                    Err(_) => break,
                }
            }
            self.commit(batch);
        }
        if let Some((file, path)) = self.lock.take() {
            // A clean close: the owner is gone, and says so by removing its lock file.
            let _ = std::fs::remove_file(&path);
            drop(file);
        }
    }

    fn commit(&mut self, batch: Vec<Command>) {
        let now = tradepay_types::time::now_unix();
        let path = self.path.clone();
        let owner = self.owner.clone();
        let tx = match self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
        {
            Ok(tx) => tx,
            Err(e) => {
                let e = e.to_string();
                for c in batch {
                    reply_error(c, &e);
                }
                return;
            }
        };
        let mut pending = Vec::with_capacity(batch.len());
        for command in batch {
            match command {
                Command::Begin(op, ts, r) => {
                    pending.push(Pending::Unit(r, begin(&tx, &op, ts, &owner).map_err(text)))
                }
                Command::Attempt(id, ts, r) => {
                    pending.push(Pending::Unit(r, attempt(&tx, &id, ts).map_err(text)))
                }
                Command::Finish(id, json, settled, r) => {
                    let result = finish(&tx, &id, &json, settled, now).map_err(text);
                    if let Err(e) = &result {
                        tracing::warn!(error = %e, "journal: an outcome was not recorded");
                    }
                    pending.push(Pending::Unit(r, result));
                }
                Command::SettleOrder(merchant, order, json) => {
                    if let Err(e) = tx.execute(
                        "UPDATE operations SET state = 'settled', outcome = ?1, settled_at = ?2
                         WHERE state = 'in_doubt' AND kind = 'PAY' AND merchant_id = ?3
                           AND order_id = ?4 AND owner_instance = ?5",
                        params![json, now, merchant, order, owner.instance],
                    ) {
                        tracing::warn!(error = %e, "journal: an outcome was not recorded");
                    }
                }
                Command::InDoubt(r) => {
                    pending.push(Pending::Entries(r, in_doubt(&tx).map_err(text)))
                }
                Command::Claim(id, r) => pending.push(Pending::Bool(
                    r,
                    claim(&tx, &path, &owner, &id).map_err(text),
                )),
                Command::Webhook(id, r) => pending.push(Pending::Bool(
                    r,
                    tx.execute(
                        "INSERT INTO webhooks (event_id, seen_at) VALUES (?1, ?2)
                         ON CONFLICT (event_id) DO NOTHING",
                        params![id, now],
                    )
                    .map(|n| n == 0)
                    .map_err(text),
                )),
            }
        }
        match tx.commit() {
            Ok(()) => pending.into_iter().for_each(Pending::send),
            Err(e) => {
                let e = format!("the journal's commit failed: {e}");
                pending.into_iter().for_each(|p| p.fail(&e));
            }
        }
    }
}

fn text(e: rusqlite::Error) -> String {
    e.to_string()
}

fn reply_error(c: Command, e: &str) {
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

fn begin(
    tx: &rusqlite::Transaction<'_>,
    op: &NewOperation,
    ts: i64,
    owner: &Owner,
) -> rusqlite::Result<()> {
    tx.execute(
        "INSERT INTO operations (id, kind, merchant_id, order_id, trade_id, refund_id,
             payment_method, amount, currency, digest, created_at, deadline, state,
             owner_pid, owner_instance, owner_host)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, 'in_doubt', ?13, ?14, ?15)",
        params![
            op.id,
            op.kind.as_str(),
            op.merchant_id,
            op.order_id,
            op.trade_id,
            op.refund_id,
            op.payment_method,
            op.amount,
            op.currency,
            op.digest,
            op.created_at,
            op.deadline,
            owner.pid,
            owner.instance,
            owner.host,
        ],
    )?;
    attempt(tx, &op.id, ts)
}

fn attempt(tx: &rusqlite::Transaction<'_>, id: &str, ts: i64) -> rusqlite::Result<()> {
    tx.execute(
        "INSERT INTO attempts (op_id, n, timestamp)
         VALUES (?1, (SELECT coalesce(max(n), 0) + 1 FROM attempts WHERE op_id = ?1), ?2)",
        params![id, ts],
    )
    .map(drop)
}

fn finish(
    tx: &rusqlite::Transaction<'_>,
    id: &str,
    json: &str,
    settled: bool,
    now: i64,
) -> rusqlite::Result<()> {
    tx.execute(
        "UPDATE operations SET outcome = ?2,
             state = CASE WHEN ?3 THEN 'settled' ELSE state END,
             settled_at = CASE WHEN ?3 THEN ?4 ELSE settled_at END
         WHERE id = ?1 AND state = 'in_doubt'",
        params![id, json, settled, now],
    )
    .map(drop)
}

fn in_doubt(tx: &rusqlite::Transaction<'_>) -> rusqlite::Result<Vec<JournalEntry>> {
    let mut stmt = tx.prepare_cached(
        "SELECT id, kind, merchant_id, order_id, trade_id, refund_id, payment_method, amount,
                currency, digest, created_at, deadline, outcome, owner_pid, owner_instance,
                owner_host
         FROM operations WHERE state = 'in_doubt' ORDER BY created_at, id",
    )?;
    let mut entries: Vec<JournalEntry> = stmt
        .query_map([], |r| {
            let kind: String = r.get(1)?;
            let outcome: Option<String> = r.get(12)?;
            Ok(JournalEntry {
                operation: NewOperation {
                    id: r.get(0)?,
                    kind: OperationKind::parse(&kind).unwrap_or(OperationKind::Pay),
                    merchant_id: r.get(2)?,
                    order_id: r.get(3)?,
                    trade_id: r.get(4)?,
                    refund_id: r.get(5)?,
                    payment_method: r.get(6)?,
                    amount: r.get(7)?,
                    currency: r.get(8)?,
                    digest: r.get(9)?,
                    created_at: r.get(10)?,
                    deadline: r.get(11)?,
                },
                attempt_timestamps: Vec::new(),
                owner: Owner {
                    pid: r.get(13)?,
                    instance: r.get(14)?,
                    host: r.get(15)?,
                },
                last_known: outcome.and_then(|o| serde_json::from_str(&o).ok()),
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut attempts =
        tx.prepare_cached("SELECT timestamp FROM attempts WHERE op_id = ?1 ORDER BY n")?;
    for e in &mut entries {
        e.attempt_timestamps = attempts
            .query_map([&e.operation.id], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
    }
    Ok(entries)
}

fn claim(
    tx: &rusqlite::Transaction<'_>,
    path: &Path,
    me: &Owner,
    id: &str,
) -> rusqlite::Result<bool> {
    let row: Option<(String, String)> = tx
        .query_row(
            "SELECT owner_instance, owner_host FROM operations
             WHERE id = ?1 AND state = 'in_doubt'",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let Some((instance, host)) = row else {
        return Ok(false);
    };
    if instance == me.instance {
        return Ok(true);
    }
    if owner_alive(path, me, &instance, &host) {
        return Ok(false);
    }
    // The transaction is IMMEDIATE (the write lock is held from its start), so two
    // recovering processes cannot both see the dead owner and both take it over.
    let n = tx.execute(
        "UPDATE operations SET owner_pid = ?2, owner_instance = ?3, owner_host = ?4
         WHERE id = ?1 AND state = 'in_doubt' AND owner_instance = ?5",
        params![id, me.pid, me.instance, me.host, instance],
    )?;
    Ok(n == 1)
}
