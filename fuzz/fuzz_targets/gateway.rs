//! The sandbox gateway's request handling, without a socket: any method, headers and body
//! sent to `/v1/gateway` (with any query string) get a well-formed answer and never a
//! panic: HTTP 200 or 413/408 with an envelope (signed unless `1000xxxx`), or 405.
//!
//! Input: a first byte of flags, then header lines `name: value` up to a blank line, then
//! the body. Flag bit 0: re-stamp a JSON body with the sandbox's accessNo, the current time
//! and a fresh nonce, drop any notify_url, and sign it, so that inputs reach the business
//! rules and the state. Bit 1: a query string from the first header line's value. Bits 2-3:
//! the method (POST, GET, PUT, or the first header's name).
#![no_main]

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use tradepay_sandbox::{Sandbox, SandboxConfig};
use tradepay_types::{Envelope, Secret};

struct Harness {
    runtime: tokio::runtime::Runtime,
    sandbox: Sandbox,
}

fn harness() -> &'static Harness {
    static HARNESS: OnceLock<Harness> = OnceLock::new();
    HARNESS.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let sandbox = runtime
            .block_on(Sandbox::start(SandboxConfig {
                access_no: Some("acc_fuzz".into()),
                secret: Some("sk_fuzz".into()),
                ..Default::default()
            }))
            .unwrap();
        Harness { runtime, sandbox }
    })
}

static COUNT: AtomicU64 = AtomicU64::new(0);

fn restamp(body: &[u8]) -> Option<Vec<u8>> {
    let Ok(Value::Object(mut object)) = serde_json::from_slice::<Value>(body) else {
        return None;
    };
    let n = COUNT.load(Ordering::Relaxed);
    object.insert("accessNo".into(), "acc_fuzz".into());
    object.insert("timestamp".into(), tradepay_types::time::now_unix().into());
    object.insert(
        "nonce".into(),
        format!("fuzz{n:016x}{:08x}", std::process::id()).into(),
    );
    if let Some(Value::Object(data)) = object.get_mut("data") {
        // No webhooks to wherever the input says.
        data.remove("notify_url");
    }
    serde_json::to_vec(&Value::Object(object)).ok()
}

fuzz_target!(|data: &[u8]| {
    let h = harness();
    let n = COUNT.fetch_add(1, Ordering::Relaxed);
    if n % 10_000 == 9_999 {
        // Keeps memory flat over long runs: every order stays in memory otherwise.
        h.sandbox.reset();
    }
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let split = rest
        .windows(2)
        .position(|w| w == b"\n\n")
        .map(|i| (&rest[..i], &rest[i + 2..]))
        .unwrap_or((&rest[..0], rest));
    let (head, body) = split;
    let mut headers: Vec<(String, Vec<u8>)> = head
        .split(|&b| b == b'\n')
        .filter_map(|line| {
            let at = line.iter().position(|&b| b == b':')?;
            let name = String::from_utf8_lossy(&line[..at]).trim().to_owned();
            let value = line[at + 1..].strip_prefix(b" ").unwrap_or(&line[at + 1..]);
            Some((name, value.to_vec()))
        })
        .collect();
    let mut body = body.to_vec();
    let secret = Secret::new("sk_fuzz");
    if flags & 1 == 1 {
        if let Some(stamped) = restamp(&body) {
            body = stamped;
        }
        headers.retain(|(k, _)| !k.eq_ignore_ascii_case("x-signature"));
        headers.push(("x-signature".into(), secret.sign(&body).into_bytes()));
    }
    let mut uri = "/v1/gateway".to_owned();
    if flags & 2 == 2 {
        let query = headers
            .first()
            .map(|(_, v)| String::from_utf8_lossy(v).into_owned())
            .unwrap_or_default();
        uri.push('?');
        uri.push_str(&query);
    }
    let method = match (flags >> 2) & 3 {
        0 | 1 => "POST".to_owned(),
        2 => "GET".to_owned(),
        _ => headers.first().map(|(k, _)| k.clone()).unwrap_or_default(),
    };
    let res = h
        .runtime
        .block_on(h.sandbox.handle_raw(&method, &uri, &headers, body));
    let status = res.status.expect("no fault is set: always an answer");
    assert!(res.complete, "no fault is set: the body is whole");
    match status {
        // What hyper would answer itself to a request it cannot build (a bad method,
        // URI or header), and a method other than POST.
        400 | 405 => {}
        200 | 408 | 413 => {
            let envelope = Envelope::parse(&res.body).unwrap_or_else(|e| {
                panic!(
                    "HTTP {status} without an envelope ({e}): {:?}",
                    String::from_utf8_lossy(&res.body)
                )
            });
            let signature = res
                .headers
                .iter()
                .find(|(k, _)| k == "x-signature")
                .map(|(_, v)| String::from_utf8_lossy(v).into_owned());
            if envelope.code.starts_with("1000") {
                assert!(signature.is_none(), "authentication failures are unsigned");
            } else {
                assert_eq!(status, 200);
                let signature = signature.expect("every other envelope is signed");
                secret
                    .verify(&res.body, &signature)
                    .expect("and the signature verifies");
            }
        }
        other => panic!("undefined status {other}"),
    }
});
