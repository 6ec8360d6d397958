//! A scripted HTTP/1.1 gateway on raw TCP, for answer shapes a real gateway rarely gives
//! (cut bodies, oversized bodies, redirects, bad signatures, stalls).
#![allow(dead_code)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tradepay_types::Secret;

pub const SECRET: &str = "test-secret-0123456789";
pub const ACCESS_NO: &str = "acc_test";

/// What the server does with one request.
pub enum Reply {
    /// A complete response.
    Full {
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    },
    /// Headers announcing `declared` bytes, then only `body`, then close.
    Truncated { declared: usize, body: Vec<u8> },
    /// Close the connection without answering.
    Close,
    /// Wait, then reply.
    Delay(Duration, Box<Reply>),
}

/// One request as received.
#[derive(Clone, Debug)]
pub struct Received {
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub json: Value,
}

impl Received {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

type Handler = Arc<dyn Fn(usize, &Received) -> Reply + Send + Sync>;

pub struct Scripted {
    pub url: String,
    pub received: Arc<Mutex<Vec<Received>>>,
}

impl Scripted {
    pub fn count(&self) -> usize {
        self.received.lock().unwrap().len()
    }
    pub fn requests(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }
}

pub async fn serve(
    handler: impl Fn(usize, &Received) -> Reply + Send + Sync + 'static,
) -> Scripted {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let received = Arc::new(Mutex::new(Vec::new()));
    let handler: Handler = Arc::new(handler);
    let rec = received.clone();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let handler = handler.clone();
            let rec = rec.clone();
            tokio::spawn(async move {
                let _ = connection(stream, handler, rec).await;
            });
        }
    });
    Scripted { url, received }
}

async fn connection(
    mut stream: TcpStream,
    handler: Handler,
    rec: Arc<Mutex<Vec<Received>>>,
) -> std::io::Result<()> {
    let mut buf = Vec::new();
    loop {
        let mut chunk = [0u8; 8192];
        let header_end = loop {
            if let Some(pos) = find(&buf, b"\r\n\r\n") {
                break pos;
            }
            let n = stream.read(&mut chunk).await?;
            if n == 0 {
                return Ok(());
            }
            buf.extend_from_slice(&chunk[..n]);
        };
        let head = String::from_utf8_lossy(&buf[..header_end]).to_string();
        let mut headers = Vec::new();
        for line in head.split("\r\n").skip(1) {
            if let Some((k, v)) = line.split_once(':') {
                headers.push((k.trim().to_ascii_lowercase(), v.trim().to_owned()));
            }
        }
        let len: usize = headers
            .iter()
            .find(|(k, _)| k == "content-length")
            .and_then(|(_, v)| v.parse().ok())
            .unwrap_or(0);
        let start = header_end + 4;
        while buf.len() < start + len {
            let n = stream.read(&mut chunk).await?;
            if n == 0 {
                return Ok(());
            }
            buf.extend_from_slice(&chunk[..n]);
        }
        let body = buf[start..start + len].to_vec();
        buf.drain(..start + len);
        let json = serde_json::from_slice(&body).unwrap_or(Value::Null);
        let received = Received {
            headers,
            body,
            json,
        };
        let index = {
            let mut r = rec.lock().unwrap();
            r.push(received.clone());
            r.len() - 1
        };
        let mut reply = handler(index, &received);
        while let Reply::Delay(d, inner) = reply {
            tokio::time::sleep(d).await;
            reply = *inner;
        }
        match reply {
            Reply::Full {
                status,
                headers,
                body,
            } => {
                let mut out = format!("HTTP/1.1 {status} X\r\ncontent-length: {}\r\n", body.len());
                for (k, v) in headers {
                    out.push_str(&format!("{k}: {v}\r\n"));
                }
                out.push_str("\r\n");
                stream.write_all(out.as_bytes()).await?;
                stream.write_all(&body).await?;
            }
            Reply::Truncated { declared, body } => {
                let out = format!("HTTP/1.1 200 OK\r\ncontent-length: {declared}\r\n\r\n");
                stream.write_all(out.as_bytes()).await?;
                stream.write_all(&body).await?;
                stream.flush().await?;
                return Ok(());
            }
            Reply::Close | Reply::Delay(..) => return Ok(()),
        }
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// A signed 200 answer.
pub fn signed(body: Value) -> Reply {
    let bytes = serde_json::to_vec(&body).unwrap();
    let sig = Secret::new(SECRET).sign(&bytes);
    Reply::Full {
        status: 200,
        headers: vec![
            ("content-type".into(), "application/json".into()),
            ("x-signature".into(), sig),
        ],
        body: bytes,
    }
}

/// An unsigned answer with any status.
pub fn unsigned(status: u16, body: Value, extra: &[(&str, &str)]) -> Reply {
    Reply::Full {
        status,
        headers: extra
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        body: serde_json::to_vec(&body).unwrap(),
    }
}

pub fn envelope(code: &str, data: Value) -> Value {
    json!({"code": code, "message": if code == "00000000" { "SUCCESS" } else { "failed" }, "traceId": "tr_test", "data": data})
}

/// An order of merchant `m_1`. Amount and currency are left out (an answer that leaves a
/// field out contradicts nothing); [`echo`] answers with the request's own.
pub fn trade(order_id: &str, status: &str) -> Value {
    json!({"status": status, "trade_id": "t_1", "order_id": order_id, "merchant_id": "m_1"})
}

/// A signed answer about the order the request names, with its amount and currency.
pub fn echo(r: &Received, status: &str) -> Reply {
    let data = &r.json["data"];
    let mut t = trade(data["order_id"].as_str().unwrap_or("o"), status);
    for k in ["merchant_id", "amount", "currency"] {
        if let Some(v) = data.get(k) {
            t[k] = v.clone();
        }
    }
    let code = if status == "PENDING" {
        "00000003"
    } else {
        "00000000"
    };
    signed(envelope(code, t))
}

pub fn ok_trade(order_id: &str, status: &str) -> Reply {
    let code = if status == "PENDING" {
        "00000003"
    } else {
        "00000000"
    };
    signed(envelope(code, trade(order_id, status)))
}

pub fn builder(url: &str) -> tradepay_transport::ClientBuilder {
    tradepay_transport::Client::builder()
        .base_url(url)
        .access_no(ACCESS_NO)
        .secret(SECRET)
        .retry_backoff(Duration::from_millis(5), Duration::from_millis(20))
}
