//! The core's `tracing` events as one line of text each, for a binding's logger: Python's
//! `logging` (logger `tradepay`) and Node's `TRADEPAY_LOG`. The line and its fields are
//! written here once; a binding only says which levels it shows and where a line goes.
//!
//! The fields are those the core records on its spans and events (trans_type, order_id,
//! attempt, trace_id, http_status, …): never a secret, card data, auth_code or token.

use std::fmt::Write as _;

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context, Layer};
use tracing_subscriber::registry::LookupSpan;

/// The span a binding wraps a call in to send that call's lines to one destination (a
/// Node client's `logger`); its `route` field (a number) names the destination.
pub const ROUTE_SPAN: &str = "tradepay.route";

/// Where a binding's log lines go.
pub trait LogSink: Send + Sync + 'static {
    /// Whether `level` is shown now. Asked for every span and event, so it must be cheap.
    fn enabled(&self, level: &Level) -> bool;
    /// One line: `logger` is `tradepay`, or `tradepay.sandbox` for the sandbox's events;
    /// `route` is the `route` of the innermost [`ROUTE_SPAN`] around the event, if any.
    fn emit(
        &self,
        level: &Level,
        logger: &'static str,
        text: String,
        target: &str,
        route: Option<u64>,
    );
}

/// The destination a [`ROUTE_SPAN`] names.
struct Route(u64);

#[derive(Default)]
struct RouteField(Option<u64>);

impl Visit for RouteField {
    fn record_u64(&mut self, field: &Field, value: u64) {
        if field.name() == "route" {
            self.0 = Some(value);
        }
    }
    fn record_debug(&mut self, _: &Field, _: &dyn std::fmt::Debug) {}
}

/// A `tracing` layer that turns each event into a line for `sink`: the message, its fields,
/// then each enclosing span's name and fields (` [tradepay.call trans_type=PAY …]`).
pub struct TextLayer<K>(pub K);

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

/// A span's fields as text (` trans_type=PAY order_id=o_1`), kept while logging is on.
struct SpanFields(String);

impl<S, K> Layer<S> for TextLayer<K>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    K: LogSink,
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
        self.0.enabled(metadata.level())
    }

    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        // Formatting fields costs time on every call; only while someone would see them.
        if !self.0.enabled(attrs.metadata().level()) {
            return;
        }
        if attrs.metadata().name() == ROUTE_SPAN {
            let mut route = RouteField::default();
            attrs.record(&mut route);
            if let (Some(route), Some(span)) = (route.0, ctx.span(id)) {
                span.extensions_mut().insert(Route(route));
            }
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
        if !self.0.enabled(meta.level()) {
            return;
        }
        let mut message = Message::default();
        event.record(&mut message);
        let mut route = None;
        if let Some(scope) = ctx.event_scope(event) {
            for span in scope.from_root() {
                if let Some(Route(r)) = span.extensions().get::<Route>() {
                    route = Some(*r);
                    continue;
                }
                let _ = write!(message.fields, " [{}", span.name());
                if let Some(SpanFields(text)) = span.extensions().get::<SpanFields>() {
                    message.fields.push_str(text);
                }
                message.fields.push(']');
            }
        }
        let logger = if meta.target().starts_with("tradepay_sandbox") {
            "tradepay.sandbox"
        } else {
            "tradepay"
        };
        let text = format!("{}{}", message.text, message.fields);
        self.0
            .emit(meta.level(), logger, text, meta.target(), route);
    }
}

/// Installs `TextLayer(sink)` as the process's tracing subscriber, unless one is set
/// already (an application's own subscriber wins).
pub fn install(sink: impl LogSink) {
    use tracing_subscriber::layer::SubscriberExt;
    let subscriber = tracing_subscriber::registry().with(TextLayer(sink));
    let _ = tracing::subscriber::set_global_default(subscriber);
}
