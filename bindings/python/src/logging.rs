//! Forwards the core's `tracing` events (as the core's `log_text` writes them) to Python's
//! `logging`, under the logger `tradepay` (`tradepay.sandbox` for the in-process sandbox).
//!
//! Taking the GIL for every event would slow every request, so the layer keeps the
//! loggers' effective level and reads it again at most once a second (or when
//! `_native._sync_log_level()` is called); events below it cost one atomic load.

use std::sync::atomic::{AtomicU64, AtomicU8, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use pyo3::prelude::*;
use tracing::Level;
use tradepay_transport::log_text::LogSink;

/// The lowest Python level that is enabled (10 DEBUG … 50 CRITICAL); 0 until first read.
static MIN_LEVEL: AtomicU8 = AtomicU8::new(0);
static CHECKED_AT_MS: AtomicU64 = AtomicU64::new(0);

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

fn python_level(level: &Level) -> u8 {
    match *level {
        Level::ERROR => 40,
        Level::WARN => 30,
        Level::INFO => 20,
        Level::DEBUG => 10,
        Level::TRACE => 5,
    }
}

fn read_level(py: Python<'_>) -> PyResult<u8> {
    let logging = py.import("logging")?;
    let logger = logging.call_method1("getLogger", ("tradepay",))?;
    let level: i64 = logger.call_method0("getEffectiveLevel")?.extract()?;
    Ok(level.clamp(1, 255) as u8)
}

/// Reads the level of the `tradepay` logger now (tests and apps that just changed it).
#[pyfunction]
pub fn _sync_log_level(py: Python<'_>) -> PyResult<()> {
    MIN_LEVEL.store(read_level(py)?, Ordering::Relaxed);
    CHECKED_AT_MS.store(now_ms(), Ordering::Relaxed);
    Ok(())
}

fn min_level() -> u8 {
    let now = now_ms();
    let checked = CHECKED_AT_MS.load(Ordering::Relaxed);
    if checked == 0 || now.saturating_sub(checked) > 1000 {
        CHECKED_AT_MS.store(now, Ordering::Relaxed);
        if let Some(Ok(level)) = Python::try_attach(read_level) {
            MIN_LEVEL.store(level, Ordering::Relaxed);
        }
    }
    MIN_LEVEL.load(Ordering::Relaxed)
}

/// Python's `logging`: the `tradepay` logger's level decides, and each line goes to it.
struct PythonLogging;

impl LogSink for PythonLogging {
    fn enabled(&self, level: &Level) -> bool {
        python_level(level) >= min_level()
    }

    fn emit(
        &self,
        level: &Level,
        logger: &'static str,
        text: String,
        target: &str,
        _: Option<u64>,
    ) {
        let level = python_level(level);
        // A logging handler that raises must not break the request that logged.
        Python::try_attach(|py| {
            let result = py
                .import("logging")
                .and_then(|l| l.call_method1("getLogger", (logger,)))
                .and_then(|logger| {
                    let extra = pyo3::types::PyDict::new(py);
                    extra.set_item("rust_target", target)?;
                    let kwargs = pyo3::types::PyDict::new(py);
                    kwargs.set_item("extra", extra)?;
                    logger.call_method("log", (level, "%s", text), Some(&kwargs))
                });
            if let Err(e) = result {
                e.write_unraisable(py, None);
            }
        });
    }
}

/// Installs the layer as the process's tracing subscriber, unless one is set already.
pub fn install() {
    tradepay_transport::log_text::install(PythonLogging);
}
