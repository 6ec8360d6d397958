//! A small hand-written client that speaks protocol.md: sign, send, verify. Built from
//! tradepay-types and hyper-util only (not the project's transport), so that the sandbox
//! is checked against the contract and not against the client it serves.
#![allow(dead_code)]

use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde_json::{json, Map, Value};
use tradepay_sandbox::{Sandbox, SandboxConfig};
use tradepay_types::body::{encode_request, Stamp};
use tradepay_types::{Envelope, Secret, TransType};

pub type Http = Client<HttpConnector, Full<Bytes>>;

pub fn http() -> Http {
    Client::builder(TokioExecutor::new()).build(HttpConnector::new())
}

/// What came back, before any interpretation.
#[derive(Debug)]
pub struct Raw {
    pub status: u16,
    pub headers: http::HeaderMap,
    pub body: Vec<u8>,
}

impl Raw {
    pub fn signature(&self) -> Option<&str> {
        self.headers
            .get("x-signature")
            .and_then(|v| v.to_str().ok())
    }
    pub fn envelope(&self) -> Envelope {
        Envelope::parse(&self.body).unwrap_or_else(|e| {
            panic!(
                "not an envelope ({e}): {}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }
}

pub struct TestClient {
    pub url: String,
    pub access_no: String,
    pub secret: Secret,
    pub http: Http,
    counter: AtomicU64,
}

static NONCES: AtomicU64 = AtomicU64::new(0);

pub fn fresh_nonce() -> String {
    let n = NONCES.fetch_add(1, Ordering::Relaxed);
    format!("n{:016x}{:08x}", n, std::process::id())
}

impl TestClient {
    pub fn new(sb: &Sandbox) -> TestClient {
        TestClient {
            url: sb.url().to_owned(),
            access_no: sb.access_no().to_owned(),
            secret: Secret::new(sb.secret()),
            http: http(),
            counter: AtomicU64::new(0),
        }
    }

    /// The same credentials with its own connection pool.
    pub fn clone_of(&self) -> TestClient {
        TestClient {
            url: self.url.clone(),
            access_no: self.access_no.clone(),
            secret: self.secret.clone(),
            http: http(),
            counter: AtomicU64::new(0),
        }
    }

    pub fn stamp(&self) -> Stamp {
        self.counter.fetch_add(1, Ordering::Relaxed);
        Stamp {
            timestamp: tradepay_types::time::now_unix(),
            nonce: fresh_nonce(),
        }
    }

    pub fn body(&self, trans_type: &str, data: &Value) -> Vec<u8> {
        let data: Map<String, Value> = data.as_object().cloned().unwrap_or_default();
        encode_request(
            &TransType::from_wire(trans_type),
            &self.access_no,
            &self.stamp(),
            &data,
        )
    }

    /// POSTs raw bytes with the given signature header (or none) to a path.
    pub async fn post_raw(
        &self,
        path: &str,
        body: Vec<u8>,
        signature: Option<String>,
    ) -> Result<Raw, String> {
        let mut builder = http::Request::post(format!("{}{path}", self.url))
            .header("content-type", "application/json");
        if let Some(sig) = signature {
            builder = builder.header("x-signature", sig);
        }
        let req = builder
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| e.to_string())?;
        let res = self
            .http
            .request(req)
            .await
            .map_err(|e| format!("request: {e:?}"))?;
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let body = res
            .into_body()
            .collect()
            .await
            .map_err(|e| format!("body: {e:?}"))?
            .to_bytes()
            .to_vec();
        Ok(Raw {
            status,
            headers,
            body,
        })
    }

    /// Signs and sends one request; returns the raw answer.
    pub async fn send(&self, trans_type: &str, data: &Value) -> Result<Raw, String> {
        let body = self.body(trans_type, data);
        let sig = self.secret.sign(&body);
        self.post_raw("/v1/gateway", body, Some(sig)).await
    }

    /// Sends, checks HTTP 200 and the response signature (absent only on 1000xxxx codes).
    pub async fn call(&self, trans_type: &str, data: &Value) -> Envelope {
        let raw = self.send(trans_type, data).await.expect("request failed");
        assert_eq!(
            raw.status,
            200,
            "HTTP status; body {}",
            String::from_utf8_lossy(&raw.body)
        );
        let env = raw.envelope();
        if env.code.starts_with("1000") {
            assert!(raw.signature().is_none(), "auth errors are never signed");
        } else {
            let sig = raw.signature().expect("non-auth responses are signed");
            self.secret
                .verify(&raw.body, sig)
                .expect("response signature verifies");
        }
        env
    }

    /// `call`, then the code and `data` as JSON.
    pub async fn ok(&self, trans_type: &str, data: &Value) -> (String, Value) {
        let env = self.call(trans_type, data).await;
        (
            env.code.clone(),
            Value::Object(env.data.clone().unwrap_or_default()),
        )
    }
}

pub async fn sandbox() -> Sandbox {
    Sandbox::start(SandboxConfig::default())
        .await
        .expect("sandbox starts")
}

pub fn card(order_id: &str, number: &str) -> Value {
    json!({
        "merchant_id": "m_1", "order_id": order_id, "amount": "10.00", "currency": "USD",
        "payment_method": "card", "return_url": "https://shop.example/back",
        "payment_method_data": {"card": {"number": number, "exp_month": "12", "exp_year": "2030", "cvc": "123"}}
    })
}

pub fn micropay(order_id: &str, auth_code: &str) -> Value {
    json!({
        "merchant_id": "m_1", "order_id": order_id, "amount": "5.00", "currency": "USD",
        "payment_method": "micropay",
        "payment_method_data": {"micropay": {"auth_code": auth_code}}
    })
}

pub fn qr(order_id: &str) -> Value {
    json!({
        "merchant_id": "m_1", "order_id": order_id, "amount": "8.00", "currency": "USD",
        "payment_method": "qr"
    })
}

pub fn by_order(order_id: &str) -> Value {
    json!({"merchant_id": "m_1", "order_id": order_id})
}

pub fn refund(order_id: &str, refund_id: &str, amount: &str) -> Value {
    json!({"merchant_id": "m_1", "order_id": order_id, "refund_id": refund_id, "amount": amount})
}

pub fn s<'a>(v: &'a Value, k: &str) -> &'a str {
    v.get(k).and_then(Value::as_str).unwrap_or("")
}
