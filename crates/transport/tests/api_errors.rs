//! tests/vectors/api_errors.json through the Rust client: every bad call is refused with
//! the class, code and message the Python and Node suites check for the same input.
//!
//! Each request is read as the bindings read it (`tradepay_types::params`) and sent with
//! the transport client's method that the bindings call, so a case that wrongly passed
//! validation would reach the client aimed at a closed port and fail as a NetworkError.

use std::time::Duration;

use serde_json::{Map, Value};
use tradepay_transport::options::{self, Spelling};
use tradepay_transport::{Call, Client, Error};

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

/// One method case, as both bindings run it: the core's `Call::read` (Python's names and
/// units), then `Client::execute`.
async fn call(client: &Client, method: &str, map: Map<String, Value>) -> Result<(), Error> {
    let call = Call::read(method, map, None, Spelling::Python)?;
    client.run_call(call).await.map(drop)
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
        let option = case
            .get("options")
            .and_then(|o| o["python"].as_object())
            .and_then(|o| o.values().next());
        if let Some(given) = option {
            // A call's own duration: a number goes through the core's reader as the
            // bindings pass it; any other type is refused by the binding before that (with
            // `duration::not_a_number`), which a Rust caller cannot get wrong.
            let Some(n) = given.as_f64().filter(|_| !given.is_boolean()) else {
                continue;
            };
            let method = case["method"].as_str().expect("a method");
            let map = case["params"].as_object().expect("params{}").clone();
            let outcome = Call::read(method, map, Some(n), Spelling::Python).map(drop);
            checked += 1;
            let actual = outcome.map_or_else(|e| shown(&e), |()| Value::from("no error"));
            if actual != case["error"]["python"] {
                failures.push(format!(
                    "{name}\n  expected {}\n  got      {actual}",
                    case["error"]["python"]
                ));
            }
            continue;
        }
        let (outcome, expected) = if let Some(given) = case.get("with_options") {
            // What `with_options(**kwargs)` / `withOptions({...})` run: the core's reader of
            // per-call options, then the client's own check.
            let map = given["python"].as_object().expect("with_options.python{}");
            let outcome = options::call_options(map, &[], Spelling::Python)
                .and_then(|o| client.with_options(&o))
                .map(drop);
            (outcome, &case["error"]["python"])
        } else if case["closed"] == true {
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
