//! Verifies webhook deliveries signed by another implementation (the cross-check of
//! `cargo xtask test`): `cargo run -p tradepay-types --example verify_webhook -- FILE`.
//!
//! FILE is JSON `{"deliveries": [{secret, now, body, headers, type}]}`; every delivery must
//! verify with its secret at its `now`, give back its `webhook-id` and `type`, and fail
//! once its body is changed by one byte.

use std::process::ExitCode;
use std::time::Duration;

use serde_json::Value;
use tradepay_types::webhook::{self, WebhookSecret, DEFAULT_TOLERANCE};

fn main() -> ExitCode {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: verify_webhook FILE");
        return ExitCode::from(2);
    };
    let doc: Value = match std::fs::read_to_string(&path)
        .map_err(|e| e.to_string())
        .and_then(|t| serde_json::from_str(&t).map_err(|e| e.to_string()))
    {
        Ok(doc) => doc,
        Err(e) => {
            eprintln!("cannot read {path}: {e}");
            return ExitCode::from(2);
        }
    };
    let deliveries = doc["deliveries"].as_array().cloned().unwrap_or_default();
    let mut failures = 0;
    for (i, d) in deliveries.iter().enumerate() {
        if let Err(e) = check(d) {
            eprintln!("delivery {i}: {e}");
            failures += 1;
        }
    }
    println!(
        "tradepay verified {} of {} deliveries signed by the other implementation",
        deliveries.len() - failures,
        deliveries.len()
    );
    if failures > 0 || deliveries.is_empty() {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

fn check(d: &Value) -> Result<(), String> {
    let text = |k: &str| d[k].as_str().ok_or(format!("{k} missing"));
    let secret = WebhookSecret::parse(text("secret")?).map_err(|e| e.to_string())?;
    let now = d["now"].as_i64().ok_or("now missing")?;
    let headers: Vec<(String, String)> = d["headers"]
        .as_object()
        .ok_or("headers missing")?
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
        .collect();
    let body = text("body")?.as_bytes();
    let event = webhook::verify(&secret, &headers, body, DEFAULT_TOLERANCE, now)
        .map_err(|e| format!("rejected: {e}"))?;
    if event.event_type.as_str() != text("type")? {
        return Err(format!(
            "type {} read as {}",
            text("type")?,
            event.event_type
        ));
    }
    let id = d["headers"]["webhook-id"].as_str().unwrap_or_default();
    if event.id != id {
        return Err(format!("id {id} read as {}", event.id));
    }
    let mut tampered = body.to_vec();
    tampered.push(b' ');
    if webhook::verify_signature(&secret, &headers, &tampered, DEFAULT_TOLERANCE, now).is_ok() {
        return Err("a changed body still verifies".into());
    }
    if webhook::verify_signature(&secret, &headers, body, Duration::ZERO, now + 400).is_ok() {
        return Err("an expired delivery still verifies".into());
    }
    Ok(())
}
