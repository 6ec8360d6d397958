//! Client CPU time per request against a raw hyper client that sends the same bytes to the
//! same server in the same run. Both run one request at a time on a current-thread runtime
//! on this thread, whose CPU time is what is measured; the server runs on its own thread
//! and is not counted. Prints the ratio; asserts nothing.
//!
//! Run with `cargo xtask bench client` (or `cargo bench -p tradepay-transport --bench client_overhead`).

use std::alloc::{GlobalAlloc, Layout, System};
use std::convert::Infallible;
use std::future::Future;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use serde_json::json;
use tradepay_transport::Client;
use tradepay_types::body::{encode_request, StampSource, SystemStamps};
use tradepay_types::{
    Amount, Operation, OrderRef, PayRequest, PaymentMethodData, QueryRequest, Secret,
};

const SECRET: &str = "bench-secret-0123456789abcdef";
const ACCESS_NO: &str = "acc_bench";

fn thread_cpu() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes into the timespec we own.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    if rc != 0 {
        return Duration::ZERO;
    }
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

/// The canned answer: a signed success envelope with a full order, as the gateway sends it.
fn answer() -> (Bytes, String) {
    let body = serde_json::to_vec(&json!({
        "code": "00000000", "message": "SUCCESS", "traceId": "cfef69feec8d25aa",
        "data": {
            "status": "SUCCESS", "trade_id": "tr_4395defa07a7ba2ae78f9f2a", "access_no": ACCESS_NO,
            "merchant_id": "m_bench", "order_id": "bench_order_1", "amount": "25.00",
            "currency": "USD", "paid_at": "2026-11-22T00:03:40Z", "metadata": {"cart": "42"},
            "last_trans_id": "tx_1", "payment_method": "card", "payment_channel": "sandbox",
            "return_url": "https://shop.example/return", "trade_status": "succeeded",
            "txn_time": "2026-11-22T00:03:40Z", "created_at": "2026-11-22T00:03:40Z",
            "refund_status": "no_refund", "total_refunded_amount": "0.00"
        }
    }))
    .unwrap();
    let sig = Secret::new(SECRET).sign(&body);
    (Bytes::from(body), sig)
}

fn start_server() -> String {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send(format!("http://{}", listener.local_addr().unwrap()))
                .unwrap();
            let (body, sig) = answer();
            loop {
                let (stream, _) = listener.accept().await.unwrap();
                let body = body.clone();
                let sig = sig.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |req: Request<Incoming>| {
                        let body = body.clone();
                        let sig = sig.clone();
                        async move {
                            let _ = req.into_body().collect().await;
                            let res = Response::builder()
                                .header("content-type", "application/json")
                                .header("x-signature", sig)
                                .body(Full::new(body))
                                .unwrap();
                            Ok::<_, Infallible>(res)
                        }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
    });
    rx.recv().unwrap()
}

fn pay_request() -> PayRequest {
    PayRequest {
        merchant_id: "m_bench".into(),
        order_id: "bench_order_1".into(),
        amount: Amount::parse("25.00").unwrap(),
        currency: "USD".into(),
        payment_method: Some("card".into()),
        return_url: Some("https://shop.example/return".into()),
        txn_time: Some("2026-11-22T00:03:40Z".into()),
        payment_method_data: Some(PaymentMethodData::card(
            "4242424242424242",
            "12",
            "2030",
            "123",
        )),
        ..Default::default()
    }
}

/// Counts the allocator calls (alloc, alloc_zeroed, realloc) made on the calling thread, so
/// that the server thread's allocations are never mixed into the client's.
struct CountingAlloc;

thread_local! {
    // `const` and without a destructor: usable from the allocator at any point of a
    // thread's life, and never allocates itself.
    static ALLOCS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

fn count_alloc() {
    let _ = ALLOCS.try_with(|c| c.set(c.get() + 1));
}

fn thread_allocs() -> u64 {
    ALLOCS.try_with(|c| c.get()).unwrap_or(0)
}

// SAFETY: every call is forwarded to the system allocator unchanged; counting touches only a
// thread-local counter.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count_alloc();
        System.alloc(layout)
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count_alloc();
        System.alloc_zeroed(layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count_alloc();
        System.realloc(ptr, layout, new_size)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout)
    }
}

#[global_allocator]
static GLOBAL: CountingAlloc = CountingAlloc;

/// One round of `n` requests: CPU time, wall time and allocator calls on this thread.
#[derive(Clone, Copy)]
struct Sample {
    cpu: Duration,
    wall: Duration,
    allocs: u64,
}

/// The loop that is measured, kept out of line so that callgrind can count only it
/// (`--toggle-collect=*measured_loop*`).
#[inline(never)]
fn measured_loop<F: Future<Output = ()>>(
    rt: &tokio::runtime::Runtime,
    n: u32,
    mut f: impl FnMut() -> F,
) -> Sample {
    let (c0, w0, a0) = (thread_cpu(), Instant::now(), thread_allocs());
    rt.block_on(async {
        for _ in 0..n {
            f().await;
        }
    });
    Sample {
        cpu: thread_cpu() - c0,
        wall: w0.elapsed(),
        allocs: thread_allocs() - a0,
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// min / median / max of a list, as printed.
fn spread(v: &[f64]) -> (f64, f64, f64) {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    (s[0], s[s.len() / 2], s[s.len() - 1])
}

fn arg_value(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn main() {
    let url = start_server();
    let endpoint = format!("{url}/v1/gateway");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let quick = std::env::args().any(|a| a == "--quick");
    // `--only raw-query|client-query|raw-pay|client-pay`: one kind of request only, for
    // callgrind (see `cargo xtask bench client --callgrind`).
    let only = arg_value("--only");
    let n: u32 = arg_value("--n")
        .and_then(|v| v.parse().ok())
        .unwrap_or(if quick { 500 } else { 4000 });
    let rounds = if quick { 3 } else { 7 };

    let client = Client::builder()
        .base_url(&url)
        .access_no(ACCESS_NO)
        .secret(SECRET)
        .build()
        .unwrap();
    // The same TCP settings as the client (TCP_NODELAY), so that only the SDK's work differs.
    let mut raw_connector = HttpConnector::new();
    raw_connector.set_nodelay(true);
    let raw = hyper_util::client::legacy::Client::builder(TokioExecutor::new())
        .pool_timer(TokioTimer::new())
        .timer(TokioTimer::new())
        .build::<_, Full<Bytes>>(raw_connector);

    let pay = pay_request();
    let query = QueryRequest::new(OrderRef::OrderId("bench_order_1".into()), "m_bench");

    if only.is_none() {
        println!("client CPU time per request vs a raw hyper client, same server, same bytes");
        println!(
            "({n} sequential requests per round, {rounds} rounds; a raw round then a tradepay \
             round, each pair gives one ratio)\n"
        );
    }
    let mut worst: f64 = 0.0;
    for (name, data, trans) in [
        ("QUERY", query.to_data().unwrap(), query.trans_type()),
        ("PAY (card)", pay.to_data().unwrap(), pay.trans_type()),
    ] {
        let kind = if trans.as_str() == "PAY" { "pay" } else { "query" };
        // The exact bytes the client sends (same size; the nonce differs per request).
        let secret = Secret::new(SECRET);
        let body = Bytes::from(encode_request(
            &trans,
            ACCESS_NO,
            &SystemStamps.stamp(),
            &data,
        ));
        let sig = secret.sign(&body);
        let send_raw = || {
            let req = Request::post(endpoint.as_str())
                .header("content-type", "application/json")
                .header("accept", "application/json")
                .header("user-agent", "raw-hyper")
                .header("x-signature", sig.as_str())
                .body(Full::new(body.clone()))
                .unwrap();
            let raw = raw.clone();
            async move {
                let res = raw.request(req).await.unwrap();
                assert_eq!(res.status(), 200);
                std::hint::black_box(res.into_body().collect().await.unwrap().to_bytes());
            }
        };
        let run_client = || async {
            if kind == "pay" {
                // `execute(&pay)` is what `pay(pay)` runs; cloning the request here would
                // charge the bench's reuse of one request to the client.
                std::hint::black_box(client.execute(&pay).await.unwrap());
            } else {
                std::hint::black_box(client.execute(&query).await.unwrap());
            }
        };

        if let Some(only) = only.as_deref() {
            let raw_side = match only.split_once('-') {
                Some((side, k)) if k == kind => side == "raw",
                _ => continue,
            };
            // Warm both (connections open, pools filled), then measure one side.
            let _ = warmup(&rt, n / 4 + 1, &send_raw, &run_client);
            let s = if raw_side {
                measured_loop(&rt, n, send_raw)
            } else {
                measured_loop(&rt, n, run_client)
            };
            println!(
                "{only}: {n} requests, {:.2} µs CPU/req, {:.1} allocs/req",
                s.cpu.as_secs_f64() * 1e6 / n as f64,
                s.allocs as f64 / n as f64
            );
            continue;
        }

        let _ = warmup(&rt, n / 4, &send_raw, &run_client);
        let mut raw_samples = Vec::new();
        let mut client_samples = Vec::new();
        for _ in 0..rounds {
            raw_samples.push(measured_loop(&rt, n, send_raw));
            client_samples.push(measured_loop(&rt, n, run_client));
        }
        let per = |s: &Sample| s.cpu.as_secs_f64() * 1e6 / n as f64;
        let ratios: Vec<f64> = raw_samples
            .iter()
            .zip(&client_samples)
            .map(|(r, c)| per(c) / per(r))
            .collect();
        let raw_cpu = median(raw_samples.iter().map(per).collect());
        let cl_cpu = median(client_samples.iter().map(per).collect());
        let wall = |v: &[Sample]| {
            median(
                v.iter()
                    .map(|s| s.wall.as_secs_f64() * 1e6 / n as f64)
                    .collect(),
            )
        };
        let allocs = |v: &[Sample]| median(v.iter().map(|s| s.allocs as f64 / n as f64).collect());
        let (lo, ratio, hi) = spread(&ratios);
        let (rlo, _, rhi) = spread(&raw_samples.iter().map(per).collect::<Vec<_>>());
        worst = worst.max(ratio);
        println!(
            "{name:<11} raw hyper  {raw_cpu:7.2} µs CPU/req ({:7.2} µs wall) {:6.1} allocs/req   \
             rounds {rlo:.2}..{rhi:.2} µs",
            wall(&raw_samples),
            allocs(&raw_samples)
        );
        println!(
            "{name:<11} tradepay   {cl_cpu:7.2} µs CPU/req ({:7.2} µs wall) {:6.1} allocs/req",
            wall(&client_samples),
            allocs(&client_samples)
        );
        println!(
            "{name:<11} ratio      {ratio:.3}x median of {rounds} rounds (min {lo:.3}x, max {hi:.3}x), \
             +{:.2} µs/req\n",
            cl_cpu - raw_cpu
        );
    }
    if only.is_some() {
        return;
    }
    if !std::env::args().any(|a| a == "--no-breakdown") {
        breakdown(&pay, &query);
    }
    println!(
        "client_overhead: worst median ratio {worst:.3}x (aim <= 1.15x){}",
        if worst <= 1.15 { "" } else { "  ABOVE AIM" }
    );
}

/// Both sides, interleaved, before anything is measured.
fn warmup<F: Future<Output = ()>, G: Future<Output = ()>>(
    rt: &tokio::runtime::Runtime,
    n: u32,
    raw: impl Fn() -> F,
    client: impl Fn() -> G,
) {
    rt.block_on(async {
        for _ in 0..n {
            raw().await;
            client().await;
        }
    });
}

/// CPU time of each pure step the client adds, to show where the overhead goes.
fn breakdown(pay: &PayRequest, query: &QueryRequest) {
    const N: u32 = 20_000;
    let secret = Secret::new(SECRET);
    let (answer, answer_sig) = answer();
    let data = pay.to_data().unwrap();
    let body = encode_request(&pay.trans_type(), ACCESS_NO, &SystemStamps.stamp(), &data);
    let step = |name: &str, f: &mut dyn FnMut()| {
        let c0 = thread_cpu();
        for _ in 0..N {
            f();
        }
        let us = (thread_cpu() - c0).as_secs_f64() * 1e6 / N as f64;
        println!("  {name:<34} {us:6.2} µs");
    };
    println!("where the client's time goes (pure steps, per request):");
    step("QUERY to_data (validate)", &mut || {
        std::hint::black_box(query.to_data().unwrap());
    });
    step("PAY to_data (validate)", &mut || {
        std::hint::black_box(pay.to_data().unwrap());
    });
    step("stamp (types SystemStamps, uuid)", &mut || {
        std::hint::black_box(SystemStamps.stamp());
    });
    step("encode PAY body", &mut || {
        std::hint::black_box(encode_request(
            &pay.trans_type(),
            ACCESS_NO,
            &SystemStamps.stamp(),
            &data,
        ));
    });
    step("sign request", &mut || {
        std::hint::black_box(secret.sign(&body));
    });
    step("open_response (verify + tree parse)", &mut || {
        std::hint::black_box(
            tradepay_types::response::open_response(&secret, &answer, Some(&answer_sig)).unwrap(),
        );
    });
    step("verify answer signature", &mut || {
        secret.verify(&answer, &answer_sig).unwrap();
    });
    step("typed parse of the answer (client path)", &mut || {
        std::hint::black_box(
            serde_json::from_slice::<TypedEnvelope>(&answer)
                .unwrap()
                .data,
        );
    });
    let env = tradepay_types::response::open_response(&secret, &answer, Some(&answer_sig)).unwrap();
    step("data_as::<Trade>", &mut || {
        std::hint::black_box(env.data_as::<tradepay_types::Trade>().unwrap());
    });
    println!();
}

/// The shape the client reads a signed success into (one pass, no JSON tree).
#[derive(serde::Deserialize)]
struct TypedEnvelope {
    #[allow(dead_code)]
    code: String,
    #[allow(dead_code)]
    message: Option<String>,
    #[allow(dead_code)]
    #[serde(rename = "traceId")]
    trace_id: Option<String>,
    data: Option<tradepay_types::Trade>,
}
