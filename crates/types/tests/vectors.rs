//! Checks every conformance vector in `tests/vectors/*.json` (repo root) against this crate.
//! The Python and Node suites read the same files; their format is in tests/vectors/README.md.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use serde_json::{Map, Value};
use tradepay_types::code::{self, CodeClass};
use tradepay_types::open_enum::TransType;
use tradepay_types::request::{
    CloseRequest, PayRequest, QueryRequest, RefundQueryRequest, RefundRequest, ReversalRequest,
};
use tradepay_types::response::open_response;
use tradepay_types::webhook::{self, EventData, WebhookSecret};
use tradepay_types::{
    Amount, Currency, Envelope, ErrorKind, IncomingRequest, Metadata, Refund, Secret, Stamp, Trade,
};

fn load(name: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/vectors")
        .join(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name} is not JSON: {e}"))
}

fn s<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("{key} is not a string in {v}"))
}

fn arr<'a>(v: &'a Value, key: &str) -> &'a Vec<Value> {
    v[key]
        .as_array()
        .unwrap_or_else(|| panic!("{key} is not an array"))
}

#[test]
fn amounts() {
    let doc = load("amounts.json");
    let code = s(&doc, "code");
    for case in arr(&doc, "valid") {
        let input = s(case, "input");
        let amount = Amount::parse(input).unwrap_or_else(|e| panic!("{input:?}: {e}"));
        assert_eq!(amount.to_string(), s(case, "wire"), "{input:?}");
        assert_eq!(amount.hundredths(), case["hundredths"].as_u64().unwrap());
        assert_eq!(input.parse::<Amount>().unwrap(), amount);
        let json = serde_json::to_value(amount).unwrap();
        assert_eq!(json, Value::String(s(case, "wire").into()));
    }
    assert!(arr(&doc, "invalid").len() >= 40);
    for case in arr(&doc, "invalid") {
        let input = s(case, "input");
        let err = Amount::parse(input).expect_err(input);
        assert_eq!(err.kind(), ErrorKind::Validation, "{input:?}");
        assert_eq!(err.code(), Some(code), "{input:?}");
        assert_eq!(err.field(), Some("amount"), "{input:?}");
        assert_eq!(
            err.message(),
            s(case, "message"),
            "{input:?} ({})",
            s(case, "rule")
        );
        assert_eq!(err.to_string(), format!("amount: {}", s(case, "message")));
    }
    for case in arr(&doc, "totals") {
        let input = s(case, "input");
        let amount = Amount::parse_total(input).unwrap();
        assert_eq!(amount.to_string(), s(case, "wire"));
        assert_eq!(amount.hundredths(), case["hundredths"].as_u64().unwrap());
        let read: Amount = serde_json::from_value(Value::String(input.into())).unwrap();
        assert_eq!(read, amount);
    }
    for case in arr(&doc, "with_currency") {
        let amount = Amount::parse(s(case, "amount")).unwrap();
        let currency = Currency::from_wire(s(case, "currency")).unwrap();
        let outcome = amount.check_currency(&currency);
        if case["ok"].as_bool().unwrap() {
            assert!(outcome.is_ok(), "{case}");
        } else {
            let err = outcome.expect_err("zero-decimal");
            assert_eq!(err.code(), Some(s(case, "code")));
            assert_eq!(err.field(), Some("amount"));
            assert_eq!(err.message(), s(case, "message"));
        }
    }
    let zero: Vec<&str> = arr(&doc, "zero_decimal_currencies")
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    for c in &zero {
        assert_eq!(Currency::from_wire(c).unwrap().exponent(), 0, "{c}");
    }
}

#[test]
fn currencies() {
    let doc = load("currencies.json");
    for case in arr(&doc, "valid") {
        let input = s(case, "input");
        let cur = match s(case, "from") {
            "user" => Currency::from_user(input),
            _ => Currency::from_wire(input),
        }
        .unwrap_or_else(|e| panic!("{input:?}: {e}"));
        assert_eq!(cur.code(), s(case, "wire"));
        assert_eq!(
            u64::from(cur.exponent()),
            case["exponent"].as_u64().unwrap()
        );
        assert_eq!(
            serde_json::to_value(cur).unwrap(),
            Value::String(s(case, "wire").into())
        );
    }
    for case in arr(&doc, "invalid") {
        let input = s(case, "input");
        let err = match s(case, "from") {
            "user" => Currency::from_user(input),
            _ => Currency::from_wire(input),
        }
        .expect_err(input);
        assert_eq!(err.code(), Some(s(&doc, "code")), "{input:?}");
        assert_eq!(err.field(), Some("currency"), "{input:?}");
        assert!(
            serde_json::from_value::<Currency>(Value::String(input.into())).is_err()
                || s(case, "from") == "user"
        );
    }
}

#[test]
fn metadata() {
    let doc = load("metadata.json");
    for case in arr(&doc, "cases") {
        let name = s(case, "name");
        let map: BTreeMap<String, String> =
            serde_json::from_value(case["metadata"].clone()).unwrap();
        let md = Metadata(map);
        assert_eq!(
            md.to_compact_json().len() as u64,
            case["json_bytes"].as_u64().unwrap(),
            "{name}"
        );
        let outcome = md.validate();
        // The same map inside a PAY request, as the gateway reads it.
        let mut data = pay_qr();
        data.insert("metadata".into(), case["metadata"].clone());
        let gateway = PayRequest::from_data(&data);
        if case["ok"].as_bool().unwrap() {
            assert!(outcome.is_ok(), "{name}: {outcome:?}");
            assert!(gateway.is_ok(), "{name}: {gateway:?}");
        } else {
            for err in [outcome.expect_err(name), gateway.expect_err(name)] {
                assert_eq!(err.code(), Some(s(case, "code")), "{name}");
                assert_eq!(err.field(), Some("metadata"), "{name}");
                assert_eq!(err.message(), s(case, "message"), "{name}");
            }
        }
    }
}

fn pay_qr() -> Map<String, Value> {
    serde_json::json!({"merchant_id": "m_1", "order_id": "o_1", "amount": "1.00",
                       "currency": "USD", "payment_method": "qr"})
    .as_object()
    .unwrap()
    .clone()
}

fn class_name(class: CodeClass) -> &'static str {
    match class {
        CodeClass::Success => "success",
        CodeClass::Accepted => "accepted",
        CodeClass::Authentication => "authentication",
        CodeClass::InvalidRequest => "invalid_request",
        CodeClass::Business => "business",
        CodeClass::Gateway => "gateway",
        CodeClass::Other => "other",
    }
}

#[test]
fn envelopes() {
    let doc = load("envelopes.json");
    let mut typed_checked = 0;
    for case in arr(&doc, "cases") {
        let name = s(case, "name");
        let parsed = Envelope::parse(s(case, "body").as_bytes());
        if !case["ok"].as_bool().unwrap() {
            let err = parsed.expect_err(name);
            assert_eq!(err.kind(), ErrorKind::Protocol, "{name}");
            continue;
        }
        let env = parsed.unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(env.code, s(case, "code"), "{name}");
        assert_eq!(env.message, s(case, "message"), "{name}");
        assert_eq!(env.trace_id, s(case, "trace_id"), "{name}");
        assert_eq!(class_name(env.class()), s(case, "class"), "{name}");
        assert_eq!(
            code::is_retryable(&env.code),
            case["retryable"].as_bool().unwrap()
        );
        assert_eq!(
            code::is_outcome_unknown(&env.code),
            case["outcome_unknown"].as_bool().unwrap()
        );
        assert_eq!(
            env.data.is_some(),
            case["has_data"].as_bool().unwrap(),
            "{name}"
        );
        assert_eq!(
            env.status().map(|st| st.as_str().to_owned()),
            case["status"].as_str().map(str::to_owned),
            "{name}"
        );
        // What we write back parses to the same envelope.
        assert_eq!(Envelope::parse(&env.to_vec()).unwrap(), env, "{name}");
        let data = env.data.clone().map(Value::Object);
        match case["typed"].as_str() {
            Some("trade") => {
                typed_checked += 1;
                let typed = env.data_as::<Trade>();
                assert_eq!(typed.is_ok(), case["typed_ok"].as_bool().unwrap(), "{name}");
                if let Ok(trade) = typed {
                    assert_known_fields_kept(&trade, data.as_ref().unwrap(), name);
                }
            }
            Some("refund") => {
                typed_checked += 1;
                let typed = env.data_as::<Refund>();
                assert_eq!(typed.is_ok(), case["typed_ok"].as_bool().unwrap(), "{name}");
                let refund = typed.unwrap();
                let back = serde_json::to_value(&refund).unwrap();
                assert_eq!(&back, data.as_ref().unwrap(), "{name}");
            }
            _ => {}
        }
    }
    assert!(typed_checked >= 8);
}

/// Every field comes back exactly as the gateway wrote it, unknown enum values and fields
/// this version does not know (`new_field`) included; a null known field reads as absent.
fn assert_known_fields_kept(trade: &Trade, data: &Value, name: &str) {
    let back = serde_json::to_value(trade).unwrap();
    let back = back.as_object().unwrap();
    let mut kept = 0;
    for (key, value) in data.as_object().unwrap() {
        if value.is_null() && key != "new_field" {
            assert!(
                !back.contains_key(key),
                "{name}: null {key} must read as absent"
            );
        } else {
            assert_eq!(back.get(key), Some(value), "{name}: field {key}");
            kept += 1;
        }
    }
    assert_eq!(back.len(), kept, "{name}: {back:?}");
    if data.get("new_field").is_some() {
        assert_eq!(
            trade.extra.get("new_field"),
            data.get("new_field"),
            "{name}"
        );
    }
}

#[test]
fn signatures() {
    let doc = load("signatures.json");
    let secret = Secret::new(s(&doc, "secret"));
    for case in arr(&doc, "sign") {
        let body = s(case, "body").as_bytes();
        assert_eq!(
            secret.sign(body),
            s(case, "signature"),
            "{}",
            s(case, "name")
        );
        assert!(secret.verify(body, s(case, "signature")).is_ok());
    }
    for case in arr(&doc, "verify") {
        let name = s(case, "name");
        let outcome = secret.verify(s(case, "body").as_bytes(), s(case, "signature"));
        assert_eq!(outcome.is_ok(), case["ok"].as_bool().unwrap(), "{name}");
        if let Err(e) = outcome {
            assert_eq!(e.kind(), ErrorKind::Signature, "{name}");
        }
    }
    for case in arr(&doc, "responses") {
        let name = s(case, "name");
        let opened = open_response(
            &secret,
            s(case, "body").as_bytes(),
            case["signature"].as_str(),
        );
        let outcome = match &opened {
            Ok(env) if env.class() == CodeClass::Authentication => "authentication",
            Ok(_) => "trusted",
            Err(e) if e.kind() == ErrorKind::Signature => "signature_error",
            Err(e) if e.kind() == ErrorKind::Protocol => "protocol_error",
            Err(e) => panic!("{name}: unexpected {e:?}"),
        };
        assert_eq!(outcome, s(case, "outcome"), "{name}");
        if let (Ok(env), Some(code)) = (&opened, case["code"].as_str()) {
            assert_eq!(env.code, code, "{name}");
        }
    }
    for case in arr(&doc, "requests") {
        let stamp = Stamp {
            timestamp: case["timestamp"].as_i64().unwrap(),
            nonce: s(case, "nonce").into(),
        };
        let data = case["data"].as_object().unwrap();
        let body = tradepay_types::body::encode_request(
            &TransType::from_wire(s(case, "trans_type")),
            s(case, "access_no"),
            &stamp,
            data,
        );
        assert_eq!(String::from_utf8(body.clone()).unwrap(), s(case, "body"));
        assert_eq!(secret.sign(&body), s(case, "signature"));
        let incoming = IncomingRequest::parse(&body).unwrap();
        assert_eq!(incoming.access_no, s(case, "access_no"));
        assert_eq!(incoming.nonce, stamp.nonce);
        assert_eq!(incoming.timestamp, stamp.timestamp);
        assert_eq!(incoming.data().unwrap(), data);
    }
}

#[test]
fn webhooks() {
    let doc = load("webhooks.json");
    let secret = WebhookSecret::parse(s(&doc, "secret")).unwrap();
    for case in arr(&doc, "cases") {
        let name = s(case, "name");
        let headers: Vec<(String, String)> = case["headers"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
            .collect();
        let body = s(case, "body").as_bytes();
        let now = case["now"].as_i64().unwrap();
        let tolerance = Duration::from_secs(case["tolerance"].as_u64().unwrap());
        let sig_only = webhook::verify_signature(&secret, &headers, body, tolerance, now);
        assert_eq!(
            sig_only.is_ok(),
            case["signature_ok"].as_bool().unwrap(),
            "{name}: {sig_only:?}"
        );
        let verified = webhook::verify(&secret, &headers, body, tolerance, now);
        if case["ok"].as_bool().unwrap() {
            let event = verified.unwrap_or_else(|e| panic!("{name}: {e}"));
            let want = &case["event"];
            assert_eq!(event.id, s(want, "id"), "{name}");
            assert_eq!(event.event_type.as_str(), s(want, "type"), "{name}");
            assert_eq!(event.timestamp, s(want, "timestamp"), "{name}");
            let (kind, status) = match &event.data {
                EventData::Trade(t) => ("trade", Some(t.status.as_str().to_owned())),
                EventData::Refund(r) => ("refund", Some(r.status.as_str().to_owned())),
                EventData::Unknown(_) => ("unknown", None),
            };
            assert_eq!(kind, s(want, "data_kind"), "{name}");
            assert_eq!(status.as_deref(), want["status"].as_str(), "{name}");
        } else {
            let err = verified.expect_err(name);
            assert_eq!(err.kind(), ErrorKind::Webhook, "{name}");
            let expected = match s(case, "error") {
                "expired" => "too old",
                "future" => "in the future",
                "signature" => "no webhook signature matches",
                "no_v1" => "has no v1 signature",
                "missing_header" => "is missing",
                "bad_timestamp" => "is not Unix seconds",
                "body" => "webhook",
                other => panic!("unknown error class {other}"),
            };
            assert!(err.message().contains(expected), "{name}: {err}");
        }
    }
    for case in arr(&doc, "secrets") {
        let input = s(case, "input");
        let parsed = WebhookSecret::parse(input);
        if case["ok"].as_bool().unwrap() {
            let parsed = parsed.unwrap();
            assert_eq!(
                parsed.to_whsec(),
                format!("whsec_{}", s(case, "key_base64"))
            );
        } else {
            assert_eq!(parsed.expect_err(input).kind(), ErrorKind::Webhook);
        }
    }
}

/// Runs the gateway-side check of one operation, returning the code and field, or "OK".
fn gateway_check(trans: &str, data: &Map<String, Value>) -> (String, Option<String>) {
    let outcome = match trans {
        "PAY" => PayRequest::from_data(data).map(|_| ()),
        "QUERY" => QueryRequest::from_data(data).map(|_| ()),
        "REFUND" => RefundRequest::from_data(data).map(|_| ()),
        "REFUND_QUERY" => RefundQueryRequest::from_data(data).map(|_| ()),
        "REVERSAL" => ReversalRequest::from_data(data).map(|_| ()),
        "CLOSE" => CloseRequest::from_data(data).map(|_| ()),
        other => panic!("no operation {other}"),
    };
    match outcome {
        Ok(()) => ("OK".into(), None),
        Err(e) => {
            assert_eq!(e.kind(), ErrorKind::Validation);
            (e.code().unwrap().to_owned(), e.field().map(str::to_owned))
        }
    }
}

#[test]
fn request_operations() {
    let doc = load("requests.json");
    let mut by_code: BTreeMap<String, usize> = BTreeMap::new();
    for case in arr(&doc, "operations") {
        let name = s(case, "name");
        let data = case["data"].as_object().unwrap();
        let (code, field) = gateway_check(s(case, "trans_type"), data);
        assert_eq!(code, s(case, "code"), "{name}: field {field:?}");
        assert_eq!(field.as_deref(), case["field"].as_str(), "{name}");
        *by_code.entry(code).or_default() += 1;
    }
    for code in [
        "OK", "22070001", "22070010", "22070011", "22070012", "22070013",
    ] {
        assert!(
            by_code.get(code).copied().unwrap_or(0) >= 1,
            "no vector for {code}"
        );
    }
}

#[test]
fn request_bodies() {
    let doc = load("requests.json");
    for case in arr(&doc, "bodies") {
        let name = s(case, "name");
        let outcome = (|| {
            let req = IncomingRequest::parse(s(case, "body").as_bytes())?;
            let trans = req.trans_type()?;
            let data = req.data()?;
            let (code, field) = gateway_check(trans.as_str(), data);
            Ok::<_, tradepay_types::Error>((trans, code, field))
        })();
        match outcome {
            Ok((trans, code, field)) => {
                assert_eq!(code, s(case, "code"), "{name}");
                assert_eq!(field.as_deref(), case["field"].as_str(), "{name}");
                if code == "OK" {
                    assert_eq!(trans.as_str(), s(case, "trans_type"), "{name}");
                }
            }
            Err(e) => {
                assert_eq!(e.code(), Some(s(case, "code")), "{name}: {e}");
                assert_eq!(e.field(), case["field"].as_str(), "{name}");
            }
        }
    }
}
