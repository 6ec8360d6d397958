//! Transport and surroundings: HTTP/2, TLS, the control API over HTTP, the next_action page
//! and the binary.

mod common;

use std::io::{BufRead, BufReader};
use std::sync::Arc;

use bytes::Bytes;
use common::*;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde_json::{json, Value};
use tradepay_sandbox::{Sandbox, SandboxConfig, TlsConfig};
use tradepay_types::Secret;

async fn signed_exchange<C>(
    client: &Client<C, Full<Bytes>>,
    url: &str,
    access_no: &str,
    secret: &Secret,
    tt: &str,
    data: &Value,
) -> (u16, Value, Option<String>, http::Version)
where
    C: hyper_util::client::legacy::connect::Connect + Clone + Send + Sync + 'static,
{
    let stamp = tradepay_types::Stamp {
        timestamp: tradepay_types::time::now_unix(),
        nonce: fresh_nonce(),
    };
    let body = tradepay_types::body::encode_request(
        &tradepay_types::TransType::from_wire(tt),
        access_no,
        &stamp,
        data.as_object().unwrap(),
    );
    let req = http::Request::post(format!("{url}/v1/gateway"))
        .header("content-type", "application/json")
        .header("x-signature", secret.sign(&body))
        .body(Full::new(Bytes::from(body)))
        .unwrap();
    let res = client.request(req).await.unwrap();
    let status = res.status().as_u16();
    let version = res.version();
    let sig = res
        .headers()
        .get("x-signature")
        .map(|v| v.to_str().unwrap().to_owned());
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    if let Some(sig) = &sig {
        secret.verify(&bytes, sig).unwrap();
    }
    (
        status,
        serde_json::from_slice(&bytes).unwrap(),
        sig,
        version,
    )
}

#[tokio::test]
async fn http2_cleartext_is_served() {
    let sb = sandbox().await;
    let client: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new())
        .http2_only(true)
        .build(hyper_util::client::legacy::connect::HttpConnector::new());
    let secret = Secret::new(sb.secret());
    let (status, env, sig, version) = signed_exchange(
        &client,
        sb.url(),
        sb.access_no(),
        &secret,
        "PAY",
        &card("o_h2", "4242424242424242"),
    )
    .await;
    assert_eq!((status, version), (200, http::Version::HTTP_2));
    assert_eq!(env["code"], "00000000");
    assert!(sig.is_some());
}

#[tokio::test]
async fn tls_with_http1_and_http2() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let certified =
        rcgen::generate_simple_self_signed(vec!["127.0.0.1".into(), "localhost".into()]).unwrap();
    let tls = TlsConfig {
        cert_pem: certified.cert.pem().into_bytes(),
        key_pem: certified.signing_key.serialize_pem().into_bytes(),
    };
    let sb = Sandbox::start(SandboxConfig {
        tls: Some(tls),
        ..Default::default()
    })
    .await
    .unwrap();
    assert!(sb.url().starts_with("https://127.0.0.1:"));
    let mut roots = rustls::RootCertStore::empty();
    roots.add(certified.cert.der().clone()).unwrap();
    let secret = Secret::new(sb.secret());
    for h2 in [false, true] {
        let config = rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots.clone())
        .with_no_client_auth();
        let builder = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(config)
            .https_only();
        let connector = if h2 {
            builder.enable_http2().build()
        } else {
            builder.enable_http1().build()
        };
        let client: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new())
            .http2_only(h2)
            .build(connector);
        let order = format!("o_tls_{h2}");
        let (status, env, _, version) = signed_exchange(
            &client,
            sb.url(),
            sb.access_no(),
            &secret,
            "PAY",
            &card(&order, "4242424242424242"),
        )
        .await;
        assert_eq!(status, 200);
        assert_eq!(env["code"], "00000000");
        assert_eq!(
            version,
            if h2 {
                http::Version::HTTP_2
            } else {
                http::Version::HTTP_11
            }
        );
    }
    let bad = TlsConfig {
        cert_pem: b"nope".to_vec(),
        key_pem: b"nope".to_vec(),
    };
    assert!(Sandbox::start(SandboxConfig {
        tls: Some(bad),
        ..Default::default()
    })
    .await
    .is_err());
}

async fn get(c: &TestClient, path: &str) -> (u16, http::HeaderMap, String) {
    let req = http::Request::get(format!("{}{path}", c.url))
        .body(Full::new(Bytes::new()))
        .unwrap();
    let res = c.http.request(req).await.unwrap();
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    let body = res.into_body().collect().await.unwrap().to_bytes();
    (status, headers, String::from_utf8_lossy(&body).into_owned())
}

#[tokio::test]
async fn control_api_over_http() {
    let sb = sandbox().await;
    let c = TestClient::new(&sb);
    let (_, d) = c.ok("PAY", &qr("o_ctl")).await;
    let trade_id = s(&d, "trade_id").to_owned();
    c.ok("PAY", &card("o_ctl_card", "4242424242424242")).await;
    c.ok("REFUND", &refund("o_ctl_card", "r_ctl", "1.00")).await;

    let (status, _, body) = get(&c, "/sandbox/orders").await;
    assert_eq!(status, 200);
    let orders: Vec<Value> = serde_json::from_str(&body).unwrap();
    assert_eq!(orders.len(), 2);
    let (_, _, body) = get(&c, "/sandbox/refunds").await;
    assert_eq!(serde_json::from_str::<Vec<Value>>(&body).unwrap().len(), 1);
    let (_, _, body) = get(&c, "/sandbox/ledger").await;
    let ledger: Vec<Value> = serde_json::from_str(&body).unwrap();
    assert_eq!(ledger[1]["charges"], 1);
    assert_eq!(ledger[1]["refunded"], "1.00");
    let (_, _, body) = get(&c, "/sandbox/webhooks").await;
    assert_eq!(body, "[]");
    let (_, _, body) = get(&c, "/sandbox/info").await;
    let info: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(info["access_no"], sb.access_no());
    assert_eq!(info["url"], sb.url());

    let post = |path: &'static str, v: Value| {
        let c = &c;
        async move {
            c.post_raw(path, serde_json::to_vec(&v).unwrap(), None)
                .await
                .unwrap()
        }
    };
    let raw = post(
        "/sandbox/complete",
        json!({"trade_id": trade_id, "outcome": "succeeded"}),
    )
    .await;
    assert_eq!(raw.status, 200);
    let trade: Value = serde_json::from_slice(&raw.body).unwrap();
    assert_eq!(trade["status"], "SUCCESS");
    let raw = post(
        "/sandbox/complete",
        json!({"trade_id": trade_id, "outcome": "succeeded"}),
    )
    .await;
    assert_eq!(raw.status, 409);
    let raw = post(
        "/sandbox/complete",
        json!({"trade_id": "tr_none", "outcome": "failed"}),
    )
    .await;
    assert_eq!(raw.status, 404);
    let raw = post(
        "/sandbox/complete",
        json!({"trade_id": trade_id, "outcome": "maybe"}),
    )
    .await;
    assert_eq!(raw.status, 400);

    c.ok("PAY", &qr("o_ctl_exp")).await;
    let raw = post("/sandbox/clock/advance", json!({"seconds": 120.5})).await;
    assert_eq!(raw.status, 200);
    assert_eq!(
        s(&c.ok("QUERY", &by_order("o_ctl_exp")).await.1, "status"),
        "CLOSED"
    );
    assert_eq!(
        post("/sandbox/clock/advance", json!({"seconds": -1}))
            .await
            .status,
        400
    );
    assert_eq!(
        c.post_raw("/sandbox/clock/advance", b"{".to_vec(), None)
            .await
            .unwrap()
            .status,
        400
    );

    assert_eq!(post("/sandbox/reset", json!({})).await.status, 200);
    assert!(sb.orders().is_empty());
}

#[tokio::test]
async fn next_action_page_approves_and_redirects() {
    let sb = sandbox().await;
    let c = TestClient::new(&sb);
    let mut pay = card("o_page", "4000000000003220");
    pay["merchant_id"] = json!("shop_42");
    pay["amount"] = json!("12.34");
    pay["currency"] = json!("EUR");
    let (code, d) = c.ok("PAY", &pay).await;
    assert_eq!(code, "00000003");
    let url = d["next_action"]["redirect"]["url"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = url.strip_prefix(sb.url()).unwrap().to_owned();
    let (status, headers, html) = get(&c, &path).await;
    assert_eq!(status, 200);
    assert!(headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    for needle in ["shop_42", "12.34", "EUR", "Approve", "Fail"] {
        assert!(html.contains(needle), "{needle} in {html}");
    }
    // The customer (and a tester with several tabs open) sees which order this is.
    assert!(
        html.contains(r#"<dd id="order">o_page</dd>"#),
        "order id in {html}"
    );
    let raw = c
        .post_raw(&path, b"action=approve".to_vec(), None)
        .await
        .unwrap();
    assert_eq!(raw.status, 303);
    assert_eq!(raw.headers["location"], "https://shop.example/back");
    let q = json!({"merchant_id": "shop_42", "order_id": "o_page"});
    assert_eq!(s(&c.ok("QUERY", &q).await.1, "status"), "SUCCESS");
    // A second click changes nothing and still goes back.
    let raw = c
        .post_raw(&path, b"action=fail".to_vec(), None)
        .await
        .unwrap();
    assert_eq!(raw.status, 303);
    assert_eq!(s(&c.ok("QUERY", &q).await.1, "status"), "SUCCESS");
    let (_, _, html) = get(&c, &path).await;
    assert!(!html.contains("Approve") && html.contains("SUCCESS"));

    // Fail on a QR order (no return_url): a result page.
    let (_, d) = c.ok("PAY", &qr("o_page_qr")).await;
    let path = d["next_action"]["redirect"]["url"]
        .as_str()
        .unwrap()
        .strip_prefix(sb.url())
        .unwrap()
        .to_owned();
    let raw = c
        .post_raw(&path, b"action=fail".to_vec(), None)
        .await
        .unwrap();
    assert_eq!(raw.status, 200);
    assert!(String::from_utf8_lossy(&raw.body).contains("FAILED"));
    assert_eq!(
        s(&c.ok("QUERY", &by_order("o_page_qr")).await.1, "status"),
        "FAILED"
    );
    assert_eq!(get(&c, "/sandbox/pay/tr_nope").await.0, 404);
}

#[tokio::test]
async fn binary_prints_one_line_serves_and_exits_cleanly_on_sigterm() {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_tradepay-sandbox"))
        .args([
            "--port",
            "0",
            "--access-no",
            "acc_bin",
            "--secret",
            "sk_bin",
            "--seed",
            "3",
        ])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let info: Value = serde_json::from_str(&line).unwrap();
    assert_eq!(info["access_no"], "acc_bin");
    assert_eq!(info["secret"], "sk_bin");
    assert!(info["webhook_secret"]
        .as_str()
        .unwrap()
        .starts_with("whsec_"));
    let url = info["url"].as_str().unwrap().to_owned();
    let client: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new())
        .build(hyper_util::client::legacy::connect::HttpConnector::new());
    let (status, env, _, _) = signed_exchange(
        &client,
        &url,
        "acc_bin",
        &Secret::new("sk_bin"),
        "PAY",
        &card("o_bin", "4242424242424242"),
    )
    .await;
    assert_eq!((status, env["code"].as_str()), (200, Some("00000000")));
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    assert!(status.success(), "exit status {status:?}");

    let bad = std::process::Command::new(env!("CARGO_BIN_EXE_tradepay-sandbox"))
        .args(["--bogus"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    let help = std::process::Command::new(env!("CARGO_BIN_EXE_tradepay-sandbox"))
        .arg("--help")
        .output()
        .unwrap();
    assert!(help.status.success());
    assert!(String::from_utf8_lossy(&help.stdout).contains("--tls-cert"));
}

#[tokio::test]
async fn shutdown_stops_serving() {
    let sb = sandbox().await;
    let url = sb.url().to_owned();
    sb.shutdown().await;
    let addr = url.trim_start_matches("http://");
    assert!(tokio::net::TcpStream::connect(addr).await.is_err());
    let sb = sandbox().await;
    let addr = sb.url().trim_start_matches("http://").to_owned();
    drop(sb);
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert!(
        tokio::net::TcpStream::connect(addr).await.is_err(),
        "drop stops it too"
    );
}

#[test]
fn binary_serves_https_with_the_given_pem_files() {
    let certified = rcgen::generate_simple_self_signed(vec!["127.0.0.1".into()]).unwrap();
    let dir = std::env::temp_dir().join(format!("tp-sandbox-tls-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    std::fs::write(&cert, certified.cert.pem()).unwrap();
    std::fs::write(&key, certified.signing_key.serialize_pem()).unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_tradepay-sandbox"))
        .arg("--tls-cert")
        .arg(&cert)
        .arg("--tls-key")
        .arg(&key)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let info: Value = serde_json::from_str(&line).unwrap();
    assert!(info["url"]
        .as_str()
        .unwrap()
        .starts_with("https://127.0.0.1:"));
    let _ = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status();
    assert!(child.wait().unwrap().success(), "SIGINT exits 0 too");
    let missing = std::process::Command::new(env!("CARGO_BIN_EXE_tradepay-sandbox"))
        .arg("--tls-cert")
        .arg(&cert)
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(2), "cert without key");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_client_written_from_the_protocol_alone_can_pay_query_refund_and_reverse() {
    let python = std::process::Command::new("python3")
        .arg("--version")
        .output();
    if !python.is_ok_and(|o| o.status.success()) {
        println!("SKIPPED: handwritten Python client, python3 not installed");
        return;
    }
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_tradepay-sandbox"))
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let info: Value = serde_json::from_str(&line).unwrap();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/handwritten_client.py");
    let out = std::process::Command::new("python3")
        .arg(script)
        .arg(info["url"].as_str().unwrap())
        .arg(info["access_no"].as_str().unwrap())
        .arg(info["secret"].as_str().unwrap())
        .output()
        .unwrap();
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
