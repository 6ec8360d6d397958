//! Forwards the core's `tracing` events to Python's `logging`, under the logger `tradepay`
//! (`tradepay.sandbox` for the in-process sandbox).
//!
//! Taking the GIL for every event would slow every request, so the layer keeps the
//! loggers' effective level and reads it again at most once a second (or when
//! `_native._sync_log_level()` is called); events below it cost one atomic load.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, AtomicU8, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use pyo3::prelude::*;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context, Layer};
use tracing_subscriber::registry::LookupSpan;

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

#[derive(Default)]
struct Message {
    text: String,
    fields: String,
}

impl Visit for Message {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.text.push_str(value);
        } else {
            let _ = write!(self.fields, " {}={}", field.name(), value);
        }
    }
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            let _ = write!(self.text, "{value:?}");
        } else {
            let _ = write!(self.fields, " {}={:?}", field.name(), value);
        }
    }
}

pub struct PythonLogging;

/// A span's fields as text (` trans_type=PAY order_id=o_1`), kept while logging is on.
struct SpanFields(String);

impl<S> Layer<S> for PythonLogging
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    // Asked again at each span and event (never cached per callsite), since the level can
    // change at any time; a span below it is then never built by the registry at all.
    fn register_callsite(
        &self,
        _: &'static tracing::Metadata<'static>,
    ) -> tracing::subscriber::Interest {
        tracing::subscriber::Interest::sometimes()
    }

    fn enabled(&self, metadata: &tracing::Metadata<'_>, _: Context<'_, S>) -> bool {
        python_level(metadata.level()) >= min_level()
    }

    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        // Formatting fields costs time on every call; only while someone would see them.
        if python_level(attrs.metadata().level()) < min_level() {
            return;
        }
        let mut fields = Message::default();
        attrs.record(&mut fields);
        if let Some(span) = ctx.span(id) {
            span.extensions_mut().insert(SpanFields(fields.fields));
        }
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        if let Some(span) = ctx.span(id) {
            let mut extensions = span.extensions_mut();
            if let Some(SpanFields(text)) = extensions.get_mut::<SpanFields>() {
                let mut more = Message::default();
                values.record(&mut more);
                text.push_str(&more.fields);
            }
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let meta = event.metadata();
        let level = python_level(meta.level());
        if level < min_level() {
            return;
        }
        let mut message = Message::default();
        event.record(&mut message);
        if let Some(scope) = ctx.event_scope(event) {
            for span in scope.from_root() {
                let _ = write!(message.fields, " [{}", span.name());
                if let Some(SpanFields(text)) = span.extensions().get::<SpanFields>() {
                    message.fields.push_str(text);
                }
                message.fields.push(']');
            }
        }
        let name = if meta.target().starts_with("tradepay_sandbox") {
            "tradepay.sandbox"
        } else {
            "tradepay"
        };
        let text = format!("{}{}", message.text, message.fields);
        let target = meta.target();
        // A logging handler that raises must not break the request that logged.
        Python::try_attach(|py| {
            let result = py
                .import("logging")
                .and_then(|l| l.call_method1("getLogger", (name,)))
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
    use tracing_subscriber::layer::SubscriberExt;
    let subscriber = tracing_subscriber::registry().with(PythonLogging);
    let _ = tracing::subscriber::set_global_default(subscriber);
}
