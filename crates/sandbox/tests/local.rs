//! The sandbox stays local (protocol §9): loopback binds, the Host/Origin guard of the
//! control API and the page, the connection cap, read timeouts, and https webhooks.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::*;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tradepay_sandbox::{Sandbox, SandboxConfig};

fn addr(sb: &Sandbox) -> String {
    sb.url().trim_start_matches("http://").to_owned()
}

/// Sends raw HTTP/1.1 bytes and returns the status code of the answer (0 when the
/// connection closed without one).
async fn raw(sb: &Sandbox, request: String) -> (u16, String) {
    let mut tcp = TcpStream::connect(addr(sb)).await.unwrap();
    tcp.write_all(request.as_bytes()).await.unwrap();
    let mut out = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), tcp.read_to_end(&mut out)).await;
    let text = String::from_utf8_lossy(&out).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, text)
}

fn request(method: &str, path: &str, headers: &[(&str, String)], body: &str) -> String {
    let mut r = format!("{method} {path} HTTP/1.1\r\nconnection: close\r\n");
    for (k, v) in headers {
        r.push_str(&format!("{k}: {v}\r\n"));
    }
    r.push_str(&format!("content-length: {}\r\n\r\n{body}", body.len()));
    r
}

#[tokio::test]
async fn a_non_loopback_address_needs_allow_remote() {
    let e = Sandbox::start(SandboxConfig {
        host: "0.0.0.0".parse().unwrap(),
        ..Default::default()
    })
    .await
    .unwrap_err();
    assert!(e.to_string().contains("allow_remote"), "{e}");
    let sb = Sandbox::start(SandboxConfig {
        host: "0.0.0.0".parse().unwrap(),
        allow_remote: true,
        ..Default::default()
    })
    .await
    .unwrap();
    sb.shutdown().await;

    // The binary: refused without the flag, a warning on stderr with it.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_tradepay-sandbox"))
        .args(["--host", "0.0.0.0"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--allow-remote"));
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_tradepay-sandbox"))
        .args(["--host", "0.0.0.0", "--allow-remote"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(child.stdout.take().unwrap()),
        &mut line,
    )
    .unwrap();
    let info: Value = serde_json::from_str(&line).unwrap();
    assert!(info["url"].as_str().unwrap().starts_with("http://0.0.0.0:"));
    let _ = std::process::Command::new("kill")
        .arg(child.id().to_string())
        .status();
    let out = child.wait_with_output().unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("WARNING"));
}

#[tokio::test]
async fn the_control_api_answers_only_its_own_host_and_origin() {
    let sb = sandbox().await;
    let port = sb.url().rsplit(':').next().unwrap().to_owned();
    let own = format!("127.0.0.1:{port}");
    let get = |host: Option<String>| {
        let headers: Vec<(&str, String)> = host.into_iter().map(|h| ("host", h)).collect();
        request("GET", "/sandbox/info", &headers, "")
    };
    for host in [
        own.clone(),
        format!("localhost:{port}"),
        format!("LOCALHOST:{port}"),
        format!("[::1]:{port}"),
    ] {
        assert_eq!(raw(&sb, get(Some(host.clone()))).await.0, 200, "{host}");
    }
    for host in [
        format!("evil.example:{port}"),
        format!("127.0.0.1.nip.io:{port}"),
        "127.0.0.1".to_owned(),
        "127.0.0.1:1".to_owned(),
        "localhost".to_owned(),
    ] {
        let (status, text) = raw(&sb, get(Some(host.clone()))).await;
        assert_eq!(status, 403, "{host}: {text}");
        assert!(
            !text.contains(sb.secret()),
            "no credentials to a foreign host"
        );
    }
    assert_eq!(raw(&sb, get(None)).await.0, 403);

    // A cross-origin POST (a drive-by page) is refused and changes nothing.
    let c = TestClient::new(&sb);
    c.ok("PAY", &card("o_guard", "4242424242424242")).await;
    let json_ct = ("content-type", "application/json".to_owned());
    for origin in [
        "http://evil.example",
        "null",
        "https://127.0.0.1:1",
        "http://127.0.0.1:1",
    ] {
        let r = request(
            "POST",
            "/sandbox/reset",
            &[
                ("host", own.clone()),
                ("origin", origin.into()),
                json_ct.clone(),
            ],
            "{}",
        );
        assert_eq!(raw(&sb, r).await.0, 403, "{origin}");
    }
    assert_eq!(sb.orders().len(), 1, "nothing was reset");
    // Bodies a page can send without a preflight.
    let rules = r#"[{"kind":"http_503"}]"#;
    for ct in [
        "text/plain",
        "text/plain;charset=UTF-8",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
    ] {
        let r = request(
            "POST",
            "/sandbox/faults",
            &[("host", own.clone()), ("content-type", ct.into())],
            rules,
        );
        assert_eq!(raw(&sb, r).await.0, 403, "{ct}");
    }
    assert_eq!(
        c.ok("PAY", &card("o_guard2", "4242424242424242")).await.0,
        "00000000",
        "no fault rule was set"
    );
    // Its own origin, JSON: fine.
    let r = request(
        "POST",
        "/sandbox/faults",
        &[
            ("host", own.clone()),
            ("origin", format!("http://{own}")),
            json_ct.clone(),
        ],
        "[]",
    );
    assert_eq!(raw(&sb, r).await.0, 200);
    // The gateway itself is for any client: a Host the guard refuses is fine there.
    let body = c.body("QUERY", &by_order("o_guard"));
    let sig = c.secret.sign(&body);
    let r = request(
        "POST",
        "/v1/gateway",
        &[
            ("host", "evil.example".into()),
            ("x-signature", sig),
            json_ct.clone(),
        ],
        std::str::from_utf8(&body).unwrap(),
    );
    assert_eq!(raw(&sb, r).await.0, 200);
}

#[tokio::test]
async fn the_next_action_page_refuses_rebinding_and_foreign_posts() {
    let sb = sandbox().await;
    let c = TestClient::new(&sb);
    let port = sb.url().rsplit(':').next().unwrap().to_owned();
    let own = format!("127.0.0.1:{port}");
    let (_, d) = c.ok("PAY", &card("o_page_guard", "4000000000003220")).await;
    let url = d["next_action"]["redirect"]["url"].as_str().unwrap();
    let path = url.strip_prefix(sb.url()).unwrap().to_owned();
    let form = (
        "content-type",
        "application/x-www-form-urlencoded".to_owned(),
    );
    let get = request(
        "GET",
        &path,
        &[("host", format!("rebound.example:{port}"))],
        "",
    );
    assert_eq!(raw(&sb, get).await.0, 403);
    let post = request(
        "POST",
        &path,
        &[
            ("host", own.clone()),
            ("origin", "http://evil.example".into()),
            form.clone(),
        ],
        "action=approve",
    );
    assert_eq!(raw(&sb, post).await.0, 403);
    assert_eq!(
        s(&c.ok("QUERY", &by_order("o_page_guard")).await.1, "status"),
        "PENDING"
    );
    // The page's own form: its own origin, form-encoded.
    let post = request(
        "POST",
        &path,
        &[
            ("host", own.clone()),
            ("origin", format!("http://{own}")),
            form,
        ],
        "action=approve",
    );
    assert_eq!(raw(&sb, post).await.0, 303);
    assert_eq!(
        s(&c.ok("QUERY", &by_order("o_page_guard")).await.1, "status"),
        "SUCCESS"
    );
}

#[tokio::test]
async fn connections_over_the_cap_are_closed_at_once() {
    let sb = Sandbox::start(SandboxConfig {
        max_connections: 4,
        ..Default::default()
    })
    .await
    .unwrap();
    let mut held = Vec::new();
    for _ in 0..4 {
        let mut tcp = TcpStream::connect(addr(&sb)).await.unwrap();
        tcp.write_all(b"POST /v1/gateway HTTP/1.1\r\nhost: x\r\n")
            .await
            .unwrap();
        held.push(tcp);
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut extra = TcpStream::connect(addr(&sb)).await.unwrap();
    let _ = extra.write_all(b"GET /sandbox/info HTTP/1.1\r\n\r\n").await;
    let mut buf = [0u8; 64];
    let read = tokio::time::timeout(Duration::from_secs(5), extra.read(&mut buf))
        .await
        .expect("the fifth connection is closed, not left hanging");
    assert!(matches!(read, Ok(0) | Err(_)), "{read:?}");
    // Once the held ones go, the sandbox serves again.
    drop(held);
    let c = TestClient::new(&sb);
    let mut served = false;
    for _ in 0..50 {
        if c.send("QUERY", &by_order("o_none")).await.is_ok() {
            served = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(served);
}

async fn closed_within(tcp: &mut TcpStream, limit: Duration) -> bool {
    let mut buf = [0u8; 256];
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        match tokio::time::timeout_at(deadline, tcp.read(&mut buf)).await {
            Err(_) => return false,
            Ok(Ok(0)) | Ok(Err(_)) => return true,
            Ok(Ok(_)) => continue,
        }
    }
}

#[tokio::test]
async fn silent_and_slow_clients_are_dropped() {
    let sb = Sandbox::start(SandboxConfig {
        read_timeout: Duration::from_secs(1),
        ..Default::default()
    })
    .await
    .unwrap();
    // Connects and sends nothing.
    let mut silent = TcpStream::connect(addr(&sb)).await.unwrap();
    assert!(closed_within(&mut silent, Duration::from_secs(5)).await);

    // Slowloris: the headers one byte at a time, never finished.
    let mut slow = TcpStream::connect(addr(&sb)).await.unwrap();
    let head = b"POST /v1/gateway HTTP/1.1\r\nhost: 127.0.0.1\r\nx-padding: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    let mut dropped = false;
    for byte in head.iter() {
        if slow.write_all(&[*byte]).await.is_err() {
            dropped = true;
            break;
        }
        let mut buf = [0u8; 64];
        match tokio::time::timeout(Duration::from_millis(200), slow.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => {
                dropped = true;
                break;
            }
            _ => {}
        }
    }
    assert!(dropped, "a trickled head is dropped at the read timeout");

    // Headers in full, then the body trickled: 408.
    let mut body_slow = TcpStream::connect(addr(&sb)).await.unwrap();
    body_slow
        .write_all(b"POST /v1/gateway HTTP/1.1\r\nhost: x\r\ncontent-length: 100\r\n\r\n{")
        .await
        .unwrap();
    let mut out = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), body_slow.read_to_end(&mut out)).await;
    let text = String::from_utf8_lossy(&out);
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    assert!(text.contains("10000001"), "{text}");

    // And the sandbox still serves.
    let c = TestClient::new(&sb);
    assert_eq!(c.call("QUERY", &by_order("o_x")).await.code, "30000001");
}

#[tokio::test]
async fn the_clock_cannot_be_advanced_into_an_overflow() {
    let sb = sandbox().await;
    let c = TestClient::new(&sb);
    sb.advance_clock(Duration::MAX);
    sb.advance_clock(Duration::MAX);
    for (i, data) in [
        qr("o_far_qr"),
        micropay("o_far_mp", "28763443825664731"),
        card("o_far_3ds", "4000000000003220"),
    ]
    .into_iter()
    .enumerate()
    {
        let (code, d) = c.ok("PAY", &data).await;
        assert_eq!(code, "00000003", "{i}: {d}");
        assert!(s(&d, "created_at").starts_with('2'), "{d}");
    }
    let (_, d) = c.ok("PAY", &card("o_far_paid", "4242424242424242")).await;
    assert_eq!(s(&d, "status"), "SUCCESS");
    let mut pending = refund("o_far_paid", "r_far", "1.00");
    pending["reason"] = json!("sandbox_pending");
    assert_eq!(s(&c.ok("REFUND", &pending).await.1, "status"), "PENDING");
    // Over HTTP as well.
    let ctl = TestClient::new(&sb);
    for _ in 0..3 {
        let raw = ctl
            .post_raw(
                "/sandbox/clock/advance",
                br#"{"seconds": 1e300}"#.to_vec(),
                None,
            )
            .await
            .unwrap();
        assert_eq!(raw.status, 200);
    }
    assert_eq!(
        c.call("QUERY", &by_order("o_far_qr")).await.code,
        "00000000"
    );
}

#[tokio::test]
async fn a_delivery_debug_does_not_show_the_payment_token() {
    let sb = sandbox().await;
    let c = TestClient::new(&sb);
    let mut sub = card("o_sub_dbg", "4242424242424242");
    sub["payment_mode"] = json!("subscription");
    sub["notify_url"] = json!("http://127.0.0.1:9/hook");
    let (_, d) = c.ok("PAY", &sub).await;
    let token = s(&d, "payment_token").to_owned();
    assert!(token.starts_with("tok_"));
    let deliveries = sb.webhook_deliveries();
    assert_eq!(deliveries.len(), 1);
    assert!(
        deliveries[0].body.contains(&token),
        "the body itself is exact"
    );
    let text = format!("{deliveries:?}");
    assert!(!text.contains(&token), "{text}");
    assert!(text.contains("trade.succeeded"));
}

/// What the https receiver got: the request head and body of each delivery.
type Got = Arc<Mutex<Vec<(String, Vec<u8>)>>>;

/// A one-shot https receiver: answers 200 to every request and records each body.
async fn tls_receiver(cert_pem: String, key_pem: String) -> (String, Got) {
    use rustls_pki_types::pem::PemObject;
    let certs = rustls_pki_types::CertificateDer::pem_slice_iter(cert_pem.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    let key = rustls_pki_types::PrivateKeyDer::from_pem_slice(key_pem.as_bytes()).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("https://{}/hook", listener.local_addr().unwrap());
    let got: Got = Arc::default();
    let store = got.clone();
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            let (acceptor, store) = (acceptor.clone(), store.clone());
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let mut data = Vec::new();
                let mut buf = [0u8; 4096];
                loop {
                    let Ok(n) = tls.read(&mut buf).await else {
                        return;
                    };
                    if n == 0 {
                        return;
                    }
                    data.extend_from_slice(&buf[..n]);
                    let text = String::from_utf8_lossy(&data).into_owned();
                    let Some(end) = text.find("\r\n\r\n") else {
                        continue;
                    };
                    let head = text[..end].to_ascii_lowercase();
                    let len: usize = head
                        .lines()
                        .find_map(|l| l.strip_prefix("content-length:"))
                        .and_then(|v| v.trim().parse().ok())
                        .unwrap_or(0);
                    if data.len() >= end + 4 + len {
                        let body = data[end + 4..end + 4 + len].to_vec();
                        store.lock().unwrap().push((text[..end].to_owned(), body));
                        let _ = tls
                            .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
                            .await;
                        let _ = tls.shutdown().await;
                        return;
                    }
                }
            });
        }
    });
    (url, got)
}

#[tokio::test]
async fn https_notify_urls_are_delivered_to_a_trusted_ca_only() {
    use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca_cert = ca_params.clone().self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca_params, ca_key);
    let leaf_key = KeyPair::generate().unwrap();
    let leaf = CertificateParams::new(vec!["127.0.0.1".to_owned()])
        .unwrap()
        .signed_by(&leaf_key, &issuer)
        .unwrap();
    let (url, got) = tls_receiver(leaf.pem(), leaf_key.serialize_pem()).await;

    let sb = Sandbox::start(SandboxConfig {
        webhook_ca: Some(ca_cert.pem().into_bytes()),
        webhook_retry_base: Duration::from_millis(10),
        ..Default::default()
    })
    .await
    .unwrap();
    let c = TestClient::new(&sb);
    let mut pay = card("o_https_hook", "4242424242424242");
    pay["notify_url"] = json!(url);
    c.ok("PAY", &pay).await;
    let mut delivered = None;
    for _ in 0..100 {
        if let Some(d) = got.lock().unwrap().first().cloned() {
            delivered = Some(d);
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (head, body) = delivered.expect("delivered over https");
    let headers: Vec<(String, String)> = head
        .lines()
        .skip(1)
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let secret = tradepay_types::WebhookSecret::parse(sb.webhook_secret()).unwrap();
    let event = tradepay_types::webhook::verify(
        &secret,
        &headers,
        &body,
        Duration::from_secs(300),
        tradepay_types::time::now_unix(),
    )
    .unwrap();
    assert_eq!(event.event_type.as_str(), "trade.succeeded");
    for _ in 0..100 {
        if sb.webhook_deliveries()[0].delivered {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(sb.webhook_deliveries()[0].delivered);

    // Without the CA the receiver is not trusted: every attempt fails, saying why.
    let untrusting = Sandbox::start(SandboxConfig {
        webhook_retry_base: Duration::from_millis(10),
        ..Default::default()
    })
    .await
    .unwrap();
    let c = TestClient::new(&untrusting);
    c.ok("PAY", &pay).await;
    let mut last = None;
    for _ in 0..200 {
        let d = untrusting.webhook_deliveries()[0].clone();
        if d.attempts >= 5 {
            last = Some(d);
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let last = last.expect("five attempts made");
    assert!(!last.delivered);
    let why = last.last_error.unwrap_or_default();
    assert!(why.to_ascii_lowercase().contains("certificate"), "{why}");
    assert_eq!(got.lock().unwrap().len(), 1, "nothing reached the receiver");
}
