//! Node's logging: the core's `tracing` events (as `log_text` writes them), one line each,
//! to a client's `logger` (`{debug, info, warn, error}`: console, pino) or, with
//! `TRADEPAY_LOG=debug|info|warn|error`, to stderr (`tradepay INFO micropay not final at
//! its deadline: reversing order_id=o_1`).
//!
//! A client with a logger runs each call inside a `log_text::ROUTE_SPAN` naming it, so its
//! lines (a background reversal's included) reach its logger and no other. The level is
//! `TRADEPAY_LOG`'s, or `info` for a logger when the variable is unset. With neither, the
//! layer is installed but every check is one atomic load that says no.

use std::io::Write as _;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock, RwLock};

use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi::Status;
use tracing::Level;
use tradepay_transport::log_text::{self, LogSink};

/// The variable that sets the level (and turns stderr logging on).
pub(crate) const VARIABLE: &str = "TRADEPAY_LOG";

/// A logger's method, called as `(level, line)` by a closure index.js makes; weak, so a
/// logger never keeps the process alive.
pub(crate) type LoggerFn =
    ThreadsafeFunction<(String, String), (), (String, String), Status, false, true>;

/// The loggers of the clients alive, by route.
static LOGGERS: RwLock<Vec<(u64, Arc<LoggerFn>)>> = RwLock::new(Vec::new());
static LOGGER_COUNT: AtomicUsize = AtomicUsize::new(0);
static NEXT_ROUTE: AtomicU64 = AtomicU64::new(1);

/// `TRADEPAY_LOG`'s level, read once.
fn env_level() -> Option<Level> {
    static LEVEL: OnceLock<Option<Level>> = OnceLock::new();
    *LEVEL.get_or_init(|| {
        let value = std::env::var(VARIABLE).ok().filter(|v| !v.is_empty())?;
        let level = level(&value);
        if level.is_none() {
            let _ = writeln!(
                std::io::stderr().lock(),
                "tradepay: {VARIABLE}={value:?} is not a level (debug, info, warn, error); logging stays off"
            );
        }
        level
    })
}

fn level(value: &str) -> Option<Level> {
    match value.trim().to_ascii_lowercase().as_str() {
        "debug" => Some(Level::DEBUG),
        "info" => Some(Level::INFO),
        "warn" | "warning" => Some(Level::WARN),
        "error" => Some(Level::ERROR),
        _ => None,
    }
}

/// The logger method a level goes to.
fn method(level: &Level) -> &'static str {
    match *level {
        Level::ERROR => "error",
        Level::WARN => "warn",
        Level::INFO => "info",
        _ => "debug",
    }
}

struct NodeSink;

impl LogSink for NodeSink {
    fn enabled(&self, level: &Level) -> bool {
        // tracing orders levels by verbosity: TRACE is the greatest.
        let env = env_level();
        env.is_some_and(|min| *level <= min)
            || (LOGGER_COUNT.load(Ordering::Relaxed) > 0 && *level <= env.unwrap_or(Level::INFO))
    }

    fn emit(&self, level: &Level, logger: &'static str, text: String, _: &str, route: Option<u64>) {
        if let Some(route) = route {
            let found = LOGGERS.read().ok().and_then(|l| {
                l.iter()
                    .find(|(r, _)| *r == route)
                    .map(|(_, f)| Arc::clone(f))
            });
            if let Some(f) = found {
                f.call(
                    (method(level).to_owned(), text),
                    ThreadsafeFunctionCallMode::NonBlocking,
                );
                return;
            }
        }
        if env_level().is_some_and(|min| *level <= min) {
            // A closed stderr must not break the call that logged.
            let _ = writeln!(std::io::stderr().lock(), "{logger} {level} {text}");
        }
    }
}

/// Installs the layer (once per process), unless the application set its own subscriber.
pub(crate) fn install() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let _ = env_level();
        log_text::install(NodeSink);
    });
}

/// A client's logger, registered while the client (or one `withOptions` made) lives.
pub(crate) struct Route {
    pub id: u64,
}

impl Route {
    pub(crate) fn register(logger: LoggerFn) -> Route {
        let id = NEXT_ROUTE.fetch_add(1, Ordering::Relaxed);
        if let Ok(mut loggers) = LOGGERS.write() {
            loggers.push((id, Arc::new(logger)));
            LOGGER_COUNT.store(loggers.len(), Ordering::Relaxed);
        }
        Route { id }
    }
}

impl Drop for Route {
    fn drop(&mut self) {
        if let Ok(mut loggers) = LOGGERS.write() {
            loggers.retain(|(r, _)| *r != self.id);
            LOGGER_COUNT.store(loggers.len(), Ordering::Relaxed);
        }
    }
}
