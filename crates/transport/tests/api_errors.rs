//! tests/vectors/api_errors.json through the Rust client: every bad call is refused with
//! the class, code and message the Python and Node suites check for the same input.
//!
//! Each request is read as the bindings read it (`tradepay_types::params`) and sent with
//! the transport client's method that the bindings call, so a case that wrongly passed
//! validation would reach the client aimed at a closed port and fail as a NetworkError.

use std::time::Duration;

use serde_json::{Map, Value};
use tradepay_transport::options::{self, Spelling};
use tradepay_transport::{Client, Error};
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

/// What a binding shows of an error: the core's class, code and message.
fn shown(e: &Error) -> Value {
    serde_json::json!({ "class": e.class_name(), "code": e.code(), "message": e.shown_message() })
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

/// A client case's options as Python gives them, read by the core's reader of options
/// (the one both bindings call) and built by the Rust builder.
fn build(options: &Map<String, Value>) -> Result<Client, Error> {
    let builder = options::client_builder(options, &[], Spelling::Python)?;
    options::build(builder, Spelling::Python)
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
        if case.get("options").is_some() {
            // A call's own options (wait_final's timeout, micropay's deadline) are the
            // bindings' spelling of a Duration argument, which a Rust caller cannot get wrong.
            continue;
        }
        let (outcome, expected) = if case["closed"] == true {
            // Closing is the bindings' (a Rust client is closed by dropping it); what they
            // raise is this constructor.
            (Err(Error::client_closed()), &case["error"])
        } else if let Some(method) = case["method"].as_str() {
            let map = case["params"].as_object().expect("params{}").clone();
            (call(&client, method, map).await, &case["error"])
        } else {
            let options = case["client"]["python"]
                .as_object()
                .expect("client.python{}");
            let expected = &case["error"]["python"];
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
