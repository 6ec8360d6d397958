//! Signed PAY+QUERY throughput of the sandbox on loopback, against a bare hyper server that
//! echoes JSON, measured in the same run with the same client so the machine cancels out.
//!
//! `cargo bench -p tradepay-sandbox --bench throughput` (or `cargo xtask bench sandbox`).
//! `TP_BENCH_SECS` sets the seconds per round (default 2), `TP_BENCH_ROUNDS` the number
//! of paired rounds (default 5), `TP_BENCH_CONCURRENCY` the number
//! of concurrent callers (default 32). Prints requests per second for each and the ratio; it
//! asserts nothing.

use std::convert::Infallible;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::service::service_fn;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioIo};
use serde_json::{json, Map, Value};
use tradepay_sandbox::{Sandbox, SandboxConfig};
use tradepay_types::body::{encode_request, Stamp};
use tradepay_types::{Secret, TransType};

type Http = Client<HttpConnector, Full<Bytes>>;

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A bare hyper 1 server answering every POST with its own body as JSON.
async fn echo_server() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                continue;
            };
            let _ = tcp.set_nodelay(true);
            let builder = builder.clone();
            tokio::spawn(async move {
                let svc = service_fn(|req: http::Request<hyper::body::Incoming>| async move {
                    let body = req
                        .into_body()
                        .collect()
                        .await
                        .map(|c| c.to_bytes())
                        .unwrap_or_default();
                    let mut res = http::Response::new(Full::new(body));
                    res.headers_mut().insert(
                        http::header::CONTENT_TYPE,
                        http::HeaderValue::from_static("application/json"),
                    );
                    Ok::<_, Infallible>(res)
                });
                let _ = builder.serve_connection(TokioIo::new(tcp), svc).await;
            });
        }
    });
    url
}

struct Target {
    url: String,
    access_no: String,
    secret: Secret,
    /// True for the sandbox: verify the answer's signature and check its code.
    verify: bool,
}

static NONCE: AtomicU64 = AtomicU64::new(0);

fn signed(target: &Target, trans_type: TransType, data: &Value) -> (Vec<u8>, String) {
    let stamp = Stamp {
        timestamp: tradepay_types::time::now_unix(),
        nonce: format!("bench{:020}", NONCE.fetch_add(1, Ordering::Relaxed)),
    };
    let data: Map<String, Value> = data.as_object().cloned().unwrap_or_default();
    let body = encode_request(&trans_type, &target.access_no, &stamp, &data);
    let sig = target.secret.sign(&body);
    (body, sig)
}

async fn exchange(http: &Http, target: &Target, trans_type: TransType, data: &Value) -> bool {
    let (body, sig) = signed(target, trans_type, data);
    let req = http::Request::post(format!("{}/v1/gateway", target.url))
        .header("content-type", "application/json")
        .header("x-signature", sig)
        .body(Full::new(Bytes::from(body)))
        .unwrap();
    let Ok(res) = http.request(req).await else {
        return false;
    };
    let sig = res
        .headers()
        .get("x-signature")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let Ok(bytes) = res.into_body().collect().await.map(|c| c.to_bytes()) else {
        return false;
    };
    let Ok(value) = serde_json::from_slice::<Value>(&bytes) else {
        return false;
    };
    if !target.verify {
        return value.is_object();
    }
    let Some(sig) = sig else { return false };
    target.secret.verify(&bytes, &sig).is_ok()
        && value["code"].as_str().is_some_and(|c| c == "00000000")
}

/// Runs `concurrency` callers doing PAY then QUERY for `secs`; returns requests per second.
async fn round(target: Arc<Target>, concurrency: u64, secs: u64, tag: &str) -> (f64, u64) {
    let stop = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::new();
    for worker in 0..concurrency {
        let (target, stop, done, failed) =
            (target.clone(), stop.clone(), done.clone(), failed.clone());
        let tag = tag.to_owned();
        tasks.push(tokio::spawn(async move {
            let mut connector = HttpConnector::new();
            connector.set_nodelay(true);
            let http: Http = Client::builder(TokioExecutor::new()).build(connector);
            let mut i = 0u64;
            while !stop.load(Ordering::Relaxed) {
                let order_id = format!("o_{tag}_{worker}_{i}");
                let pay = json!({
                    "merchant_id": "m_bench", "order_id": order_id, "amount": "10.00", "currency": "USD",
                    "payment_method": "card", "return_url": "https://shop.example/back",
                    "payment_method_data": {"card": {"number": "4242424242424242", "exp_month": "12", "exp_year": "2030", "cvc": "123"}}
                });
                let query = json!({"merchant_id": "m_bench", "order_id": order_id});
                for (tt, data) in [(TransType::Pay, &pay), (TransType::Query, &query)] {
                    if exchange(&http, &target, tt, data).await {
                        done.fetch_add(1, Ordering::Relaxed);
                    } else {
                        failed.fetch_add(1, Ordering::Relaxed);
                    }
                }
                i += 1;
            }
        }));
    }
    let start = Instant::now();
    tokio::time::sleep(Duration::from_secs(secs)).await;
    stop.store(true, Ordering::Relaxed);
    let elapsed = start.elapsed().as_secs_f64();
    let count = done.load(Ordering::Relaxed);
    for t in tasks {
        let _ = t.await;
    }
    (count as f64 / elapsed, failed.load(Ordering::Relaxed))
}

fn main() {
    let secs = env_or("TP_BENCH_SECS", 2);
    let rounds = env_or("TP_BENCH_ROUNDS", 5).max(1);
    let concurrency = env_or("TP_BENCH_CONCURRENCY", 32);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async move {
        let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
        let echo_url = echo_server().await;
        let sandbox_target = Arc::new(Target {
            url: sandbox.url().to_owned(),
            access_no: sandbox.access_no().to_owned(),
            secret: Secret::new(sandbox.secret()),
            verify: true,
        });
        let echo_target = Arc::new(Target {
            url: echo_url,
            access_no: sandbox.access_no().to_owned(),
            secret: Secret::new(sandbox.secret()),
            verify: false,
        });
        // Warm up both, then alternate short rounds: the machine's load drifts, so each
        // sandbox round is compared with the echo round just before it, and the median of
        // those ratios is the result.
        round(echo_target.clone(), concurrency, 1, "warm_e").await;
        round(sandbox_target.clone(), concurrency, 1, "warm_s").await;
        let (mut echo_rates, mut sandbox_rates, mut ratios, mut failures) = (vec![], vec![], vec![], 0u64);
        for r in 0..rounds {
            let (e, fe) = round(echo_target.clone(), concurrency, secs, &format!("e{r}")).await;
            let (s, fs) = round(sandbox_target.clone(), concurrency, secs, &format!("s{r}")).await;
            echo_rates.push(e);
            sandbox_rates.push(s);
            ratios.push(s / e.max(1.0));
            println!("  round {r}: echo {e:>8.0}/s, sandbox {s:>8.0}/s, ratio {:>5.1} %", 100.0 * s / e.max(1.0));
            failures += fe + fs;
        }
        let median = |v: &mut Vec<f64>| {
            v.sort_by(f64::total_cmp);
            v[v.len() / 2]
        };
        let (best_echo, best_sandbox) = (median(&mut echo_rates), median(&mut sandbox_rates));
        let ratio = median(&mut ratios);
        let orders = sandbox.ledger();
        let double = orders.iter().filter(|e| e.charges > 1).count();
        println!(
            "sandbox throughput benchmark ({concurrency} concurrent callers, {rounds} x {secs} s rounds each, loopback HTTP/1.1)"
        );
        println!("  bare hyper JSON echo : {best_echo:>10.0} requests/s (median round)");
        println!("  sandbox PAY+QUERY    : {best_sandbox:>10.0} requests/s (median round; signed, verified)");
        println!("  ratio sandbox/echo   : {:>10.1} % (median of paired rounds)", 100.0 * ratio);
        println!("  orders created       : {:>10} ({double} charged more than once, {failures} failed requests)", orders.len());
        sandbox.shutdown().await;
    });
}
