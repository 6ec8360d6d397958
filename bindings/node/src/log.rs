//! `TRADEPAY_LOG=debug|info|warn`: the core's `tracing` events (as `log_text` writes them) on
//! stderr, one line each (`tradepay INFO micropay not final at its deadline: reversing
//! order_id=o_1`). Read once, when the first client or sandbox is made; unset, nothing is
//! installed and logging costs nothing.

use std::io::Write as _;
use std::sync::Once;

use tracing::Level;
use tradepay_transport::log_text::{self, LogSink};

/// The variable that turns logging on.
pub(crate) const VARIABLE: &str = "TRADEPAY_LOG";

struct Stderr {
    min: Level,
}

impl LogSink for Stderr {
    fn enabled(&self, level: &Level) -> bool {
        // tracing orders levels by verbosity: TRACE is the greatest.
        *level <= self.min
    }

    fn emit(&self, level: &Level, logger: &'static str, text: String, _target: &str) {
        // A closed stderr must not break the call that logged.
        let _ = writeln!(std::io::stderr().lock(), "{logger} {level} {text}");
    }
}

/// The level `value` names, if any.
fn level(value: &str) -> Option<Level> {
    match value.trim().to_ascii_lowercase().as_str() {
        "debug" => Some(Level::DEBUG),
        "info" => Some(Level::INFO),
        "warn" | "warning" => Some(Level::WARN),
        "error" => Some(Level::ERROR),
        _ => None,
    }
}

/// Installs the stderr logger if `TRADEPAY_LOG` asks for one (once per process).
pub(crate) fn install_from_env() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let Ok(value) = std::env::var(VARIABLE) else {
            return;
        };
        if value.is_empty() {
            return;
        }
        match level(&value) {
            Some(min) => log_text::install(Stderr { min }),
            None => {
                let _ = writeln!(
                    std::io::stderr().lock(),
                    "tradepay: {VARIABLE}={value:?} is not a level (debug, info, warn, error); logging stays off"
                );
            }
        }
    });
}
