//! The client's tracing: a span per call and per attempt with the fields operators need,
//! and never the secret, a signature, a card number or a CVC.

mod common;
mod fixtures;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use common::*;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

#[derive(Default)]
struct Recorded {
    spans: Vec<(u64, String)>,
    fields: Vec<(u64, String, String)>,
    events: Vec<String>,
}

struct Capture {
    next: AtomicU64,
    out: Arc<Mutex<Recorded>>,
}

struct Fields<'a>(&'a mut Vec<(String, String)>);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.push((field.name().to_owned(), format!("{value:?}")));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.push((field.name().to_owned(), value.to_owned()));
    }
}

impl Subscriber for Capture {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, attrs: &Attributes<'_>) -> Id {
        let id = self.next.fetch_add(1, Ordering::Relaxed) + 1;
        let mut fields = Vec::new();
        attrs.record(&mut Fields(&mut fields));
        let mut out = self.out.lock().unwrap();
        out.spans.push((id, attrs.metadata().name().to_owned()));
        for (k, v) in fields {
            out.fields.push((id, k, v));
        }
        Id::from_u64(id)
    }
    fn record(&self, span: &Id, values: &Record<'_>) {
        let mut fields = Vec::new();
        values.record(&mut Fields(&mut fields));
        let mut out = self.out.lock().unwrap();
        for (k, v) in fields {
            out.fields.push((span.into_u64(), k, v));
        }
    }
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        let mut fields = Vec::new();
        event.record(&mut Fields(&mut fields));
        self.out.lock().unwrap().events.push(format!("{fields:?}"));
    }
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

#[test]
fn spans_carry_call_and_attempt_fields_and_no_secrets() {
    let out = Arc::new(Mutex::new(Recorded::default()));
    let subscriber = Capture {
        next: AtomicU64::new(0),
        out: out.clone(),
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    tracing::subscriber::with_default(subscriber, || {
        rt.block_on(async {
            let server = serve(|i, _| {
                if i == 0 {
                    unsigned(503, serde_json::json!({}), &[])
                } else {
                    ok_trade("o_trace", "SUCCESS")
                }
            })
            .await;
            let client = builder(&server.url).build().unwrap();
            client
                .pay(fixtures::card_pay("o_trace", "1", "USD", "987"))
                .await
                .unwrap();
        })
    });
    let out = out.lock().unwrap();
    let call = out
        .spans
        .iter()
        .find(|(_, n)| n == "tradepay.call")
        .expect("a call span")
        .0;
    let field = |span: u64, name: &str| {
        out.fields
            .iter()
            .rev()
            .find(|(s, k, _)| *s == span && k == name)
            .map(|(_, _, v)| v.clone())
    };
    assert_eq!(field(call, "trans_type").as_deref(), Some("PAY"));
    assert_eq!(field(call, "order_id").as_deref(), Some("o_trace"));
    assert_eq!(field(call, "attempts").as_deref(), Some("2"));
    assert_eq!(field(call, "trace_id").as_deref(), Some("tr_test"));
    assert!(field(call, "elapsed_ms").is_some());
    let attempts: Vec<u64> = out
        .spans
        .iter()
        .filter(|(_, n)| n == "tradepay.attempt")
        .map(|(id, _)| *id)
        .collect();
    assert_eq!(attempts.len(), 2);
    assert_eq!(field(attempts[0], "http_status").as_deref(), Some("503"));
    assert_eq!(field(attempts[1], "attempt").as_deref(), Some("2"));
    assert_eq!(field(attempts[1], "trace_id").as_deref(), Some("tr_test"));

    let everything = format!("{:?} {:?}", out.fields, out.events);
    for secret in [SECRET, "4242424242424242", "987"] {
        assert!(!everything.contains(secret), "{secret} leaked into tracing");
    }
}
