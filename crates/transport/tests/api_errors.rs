//! tests/vectors/api_errors.json through the Rust client: every bad call is refused with
//! the class, code and message the Python and Node suites check for the same input.
//!
//! Each request is read as the bindings read it (`tradepay_types::params`) and sent with
//! the transport client's method that the bindings call, so a case that wrongly passed
//! validation would reach the client aimed at a closed port and fail as a NetworkError.

use std::time::Duration;

use serde_json::{Map, Value};
use tradepay_transport::{Client, Error, ErrorKind};
use tradepay_types::params;

fn vectors() -> Vec<Value> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/vectors/api_errors.json"
    );
    let text = std::fs::read_to_string(path).expect("tests/vectors/api_errors.json");
    let doc: Value = serde_json::from_str(&text).expect("api_errors.json is JSON");
    doc["cases"].as_array().expect("cases[]").clone()
}

/// The class name each binding raises for an error of this kind.
fn class_of(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::Validation => "ValidationError",
        ErrorKind::Authentication => "AuthenticationError",
        ErrorKind::InvalidRequest => "InvalidRequestError",
        ErrorKind::Business => "BusinessError",
        ErrorKind::Gateway => "GatewayError",
        ErrorKind::Api => "ApiError",
        ErrorKind::Network => "NetworkError",
        ErrorKind::Timeout => "TimeoutError",
        ErrorKind::Signature => "SignatureError",
        ErrorKind::Protocol => "ProtocolError",
        ErrorKind::Webhook => "WebhookVerificationError",
        _ => "ProtocolError",
    }
}

/// What a binding shows of an error: class, code, and `{field}: {rule}` for a validation
/// error about a field, else the message.
fn shown(e: &Error) -> Value {
    let message = match e.field() {
        Some(field) if e.kind() == ErrorKind::Validation => format!("{field}: {}", e.message()),
        _ => e.message().to_owned(),
    };
    serde_json::json!({ "class": class_of(e.kind()), "code": e.code(), "message": message })
}

/// The client every method case calls: a closed port, no retries.
fn offline() -> Client {
    Client::builder()
        .base_url("http://127.0.0.1:9")
        .access_no("acc_1")
        .secret("s")
        .max_retries(0)
        .timeout(Duration::from_secs(5))
        .build()
        .expect("the offline client builds")
}

/// One method case, as the bindings run it (bindings/python/src/client.rs and
/// bindings/node/src/client.rs): the core's reader, then the transport client's method.
async fn call(client: &Client, method: &str, map: Map<String, Value>) -> Result<(), Error> {
    match method {
        "pay" => {
            client.pay(params::pay(map)?).await?;
        }
        "micropay" => {
            let req = params::micropay(map)?;
            client
                .micropay(req, params::DEFAULT_MICROPAY_DEADLINE)
                .await?;
        }
        "query" => {
            let (order, merchant) = params::order(&map)?;
            client.query(order, &merchant).await?;
        }
        "reverse" => {
            let (order, merchant) = params::order(&map)?;
            client.reverse(order, &merchant).await?;
        }
        "close_order" => {
            let (order, merchant) = params::order(&map)?;
            client.close_order(order, &merchant).await?;
        }
        "wait_final" => {
            let (order, merchant) = params::order(&map)?;
            client
                .wait_final(order, &merchant, params::DEFAULT_WAIT)
                .await?;
        }
        "refund" => {
            client.refund(params::refund(&map)?).await?;
        }
        "refund_query" => {
            let req = params::refund_query(&map)?;
            client
                .refund_query(&req.refund_id, &req.merchant_id)
                .await?;
        }
        other => panic!("api_errors.json names an unknown method {other:?}"),
    }
    Ok(())
}

/// A client case's Rust options: the builder's setters, durations in milliseconds.
fn build(options: &Map<String, Value>) -> Result<Client, Error> {
    let mut b = Client::builder();
    for (key, value) in options {
        let text = || value.as_str().expect("a string option").to_owned();
        let number = || value.as_u64().expect("a whole-number option");
        b = match key.as_str() {
            "base_url" => b.base_url(text()),
            "access_no" => b.access_no(text()),
            "secret" => b.secret(text()),
            "max_retries" => b.max_retries(u32::try_from(number()).expect("a u32")),
            "timeout_ms" => b.timeout(Duration::from_millis(number())),
            "deadline_ms" => b.deadline(Duration::from_millis(number())),
            "allow_insecure_http" => b.allow_insecure_http(value.as_bool().expect("a bool")),
            other => panic!("api_errors.json gives Rust an unknown option {other:?}"),
        };
    }
    b.build()
}

#[tokio::test]
async fn every_bad_call_is_refused_as_the_vectors_say() {
    let cases = vectors();
    assert!(cases.len() >= 60, "only {} cases", cases.len());
    let client = offline();
    let mut failures = Vec::new();
    let mut checked = 0;
    for case in &cases {
        let name = case["name"].as_str().expect("a case name");
        let (outcome, expected) = if let Some(method) = case["method"].as_str() {
            let map = case["params"].as_object().expect("params{}").clone();
            (call(&client, method, map).await, &case["error"])
        } else {
            let Some(options) = case["client"].get("rust") else {
                continue; // options Rust's typed builder cannot express
            };
            let expected = match case["error"].get("rust") {
                Some(e) => e,
                None => &case["error"],
            };
            let options = options.as_object().expect("client.rust{}");
            (build(options).map(drop), expected)
        };
        checked += 1;
        let actual = match outcome {
            Ok(()) => Value::String("no error".into()),
            Err(e) => shown(&e),
        };
        if &actual != expected {
            failures.push(format!(
                "{name}\n  expected {expected}\n  got      {actual}"
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {checked} cases differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
