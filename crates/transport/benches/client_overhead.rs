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
    if let Some(dir) = arg_value("--callgrind-report") {
        let n = arg_value("--n").and_then(|v| v.parse().ok()).unwrap_or(300);
        callgrind_report(&dir, n);
        return;
    }
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
    let mut gaps: Vec<(&str, f64)> = Vec::new();
    for (name, data, trans) in [
        ("QUERY", query.to_data().unwrap(), query.trans_type()),
        ("PAY (card)", pay.to_data().unwrap(), pay.trans_type()),
    ] {
        let kind = if trans.as_str() == "PAY" {
            "pay"
        } else {
            "query"
        };
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
            warmup(&rt, n / 4 + 1, send_raw, run_client);
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

        warmup(&rt, n / 4, send_raw, run_client);
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
        gaps.push((kind, cl_cpu - raw_cpu));
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
        breakdown(&rt, &pay, &query, &gaps);
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

/// CPU time of each step the client adds, measured alone in a loop, and their sum against
/// the gap measured above. Steps measured alone run with warm caches, so their sum is a
/// lower bound; `cargo xtask bench client --callgrind` gives the breakdown that adds up
/// exactly (instructions per function).
fn breakdown(
    rt: &tokio::runtime::Runtime,
    pay: &PayRequest,
    query: &QueryRequest,
    gaps: &[(&str, f64)],
) {
    const N: u32 = 20_000;
    let secret = Secret::new(SECRET);
    let (answer, answer_sig) = answer();
    let answer_text = std::str::from_utf8(&answer).unwrap().to_owned();
    let pay_data = pay.to_data().unwrap();
    let query_data = query.to_data().unwrap();
    let pay_body = encode_request(
        &pay.trans_type(),
        ACCESS_NO,
        &SystemStamps.stamp(),
        &pay_data,
    );
    let query_body = encode_request(
        &query.trans_type(),
        ACCESS_NO,
        &SystemStamps.stamp(),
        &query_data,
    );
    let endpoint: http::Uri = "http://127.0.0.1:1/v1/gateway".parse().unwrap();
    let step = |f: &mut dyn FnMut()| -> f64 {
        let c0 = thread_cpu();
        for _ in 0..N {
            f();
        }
        (thread_cpu() - c0).as_secs_f64() * 1e6 / N as f64
    };
    let async_step = |f: &mut dyn FnMut() -> std::pin::Pin<Box<dyn Future<Output = ()>>>| {
        let c0 = thread_cpu();
        rt.block_on(async {
            for _ in 0..N {
                f().await;
            }
        });
        (thread_cpu() - c0).as_secs_f64() * 1e6 / N as f64
    };
    // A future that is pending once, as a request is: the timer of a timeout is only
    // registered when the inner future does not finish on its first poll.
    let yield_once = || tokio::task::yield_now();
    let bare_yield = async_step(&mut || Box::pin(yield_once()));
    let timeout = async_step(&mut || {
        Box::pin(async {
            let _ = tokio::time::timeout(Duration::from_secs(30), yield_once()).await;
        })
    }) - bare_yield;
    let spans = async_step(&mut || {
        Box::pin(async {
            use tracing::Instrument;
            let call = tracing::info_span!("tradepay.call", trans_type = "PAY");
            let attempt = tracing::debug_span!("tradepay.attempt", attempt = 1u32);
            yield_once()
                .instrument(attempt.clone())
                .instrument(call.clone())
                .await;
        })
    }) - bare_yield;
    let headers = step(&mut || {
        let mut request = Request::new(Full::new(Bytes::from_static(b"{}")));
        *request.method_mut() = http::Method::POST;
        *request.uri_mut() = endpoint.clone();
        let h = request.headers_mut();
        h.reserve(4);
        h.insert(
            http::header::CONTENT_TYPE,
            http::HeaderValue::from_static("application/json"),
        );
        h.insert(
            http::header::ACCEPT,
            http::HeaderValue::from_static("application/json"),
        );
        h.insert(
            http::header::USER_AGENT,
            http::HeaderValue::from_static("tradepay-rust/0.1.0"),
        );
        h.insert(
            http::HeaderName::from_static("x-signature"),
            http::HeaderValue::try_from(answer_sig.clone()).unwrap(),
        );
        std::hint::black_box(request);
    });
    let stamp = step(&mut || {
        std::hint::black_box(SystemStamps.stamp());
    });
    let verify = step(&mut || {
        secret.verify(&answer, &answer_sig).unwrap();
    });
    let parse = step(&mut || {
        let text = std::str::from_utf8(&answer).unwrap();
        std::hint::black_box(serde_json::from_str::<TypedEnvelope>(text).unwrap().data);
    });
    let check = step(&mut || {
        std::hint::black_box(serde_json::from_str::<AnswerIds>(&answer_text).unwrap());
    });
    let clock = step(&mut || {
        std::hint::black_box(std::time::Instant::now());
    });
    println!("where the client's time goes (each step alone, CPU µs per request):");
    println!("  {:<44} {:>7} {:>7}", "step", "QUERY", "PAY");
    let mut sums = [0.0f64; 2];
    let mut row = |name: &str, q: f64, p: f64| {
        sums[0] += q;
        sums[1] += p;
        println!("  {name:<44} {q:7.2} {p:7.2}");
    };
    row(
        "to_data (validate, build the data map)",
        step(&mut || {
            std::hint::black_box(query.to_data().unwrap());
        }),
        step(&mut || {
            std::hint::black_box(pay.to_data().unwrap());
        }),
    );
    row("stamp (clock + nonce)", stamp, stamp);
    row(
        "encode the body",
        step(&mut || {
            std::hint::black_box(encode_request(
                &query.trans_type(),
                ACCESS_NO,
                &SystemStamps.stamp(),
                &query_data,
            ));
        }) - stamp,
        step(&mut || {
            std::hint::black_box(encode_request(
                &pay.trans_type(),
                ACCESS_NO,
                &SystemStamps.stamp(),
                &pay_data,
            ));
        }) - stamp,
    );
    row(
        "sign the body",
        step(&mut || {
            std::hint::black_box(secret.sign(&query_body));
        }),
        step(&mut || {
            std::hint::black_box(secret.sign(&pay_body));
        }),
    );
    row("build the request and its headers", headers, headers);
    row("timeout wrapper (timer registered)", timeout, timeout);
    row("call + attempt spans (no subscriber)", spans, spans);
    row("clock reads (deadline, 1 Instant::now)", clock, clock);
    row("verify the answer's signature", verify, verify);
    row("read the answer (UTF-8 + typed Trade)", parse, parse);
    row("check the answer against the request", check, check);
    let drop_trade = step(&mut || {
        let t: tradepay_types::Trade = serde_json::from_str::<TypedEnvelope>(&answer_text)
            .unwrap()
            .data
            .unwrap();
        drop(std::hint::black_box(t));
    }) - parse;
    row(
        "drop the Trade and the data map",
        drop_trade.max(0.0) + step(&mut || drop(std::hint::black_box(query_data.clone())))
            - step(&mut || {
                std::hint::black_box(&query_data);
            }),
        drop_trade.max(0.0) + step(&mut || drop(std::hint::black_box(pay_data.clone())))
            - step(&mut || {
                std::hint::black_box(&pay_data);
            }),
    );
    let gap = |k: &str| gaps.iter().find(|g| g.0 == k).map_or(f64::NAN, |g| g.1);
    let (gq, gp) = (gap("query"), gap("pay"));
    println!(
        "  {:<44} {:7.2} {:7.2}",
        "sum of the steps", sums[0], sums[1]
    );
    println!(
        "  {:<44} {gq:7.2} {gp:7.2}",
        "gap measured above (median rounds)"
    );
    println!(
        "  {:<44} {:6.0}% {:6.0}%",
        "steps / gap",
        100.0 * sums[0] / gq,
        100.0 * sums[1] / gp
    );
    println!(
        "  (the data map clone is inside its drop row; with warm caches these are lower \
         bounds, and CPU time on a loaded machine moves by several µs between runs)\n"
    );
}

/// `cargo xtask bench client --callgrind` runs this binary under callgrind once per side and
/// kind (`--only`, collection limited to `measured_loop`), then with this flag to attribute
/// the instructions of every function, grouped, to what they do. Self costs of all functions
/// sum to the total, so the rows add up to the gap exactly.
fn callgrind_report(dir: &str, n: u32) {
    println!(
        "instructions per request under callgrind ({n} requests per side, measured loop only)"
    );
    println!(
        "note: valgrind does not offer SHA-NI, so HMAC-SHA256 runs the portable code here and \
         counts far more than natively; ratios are given with and without it\n"
    );
    for kind in ["query", "pay"] {
        let raw = self_costs(&format!("{dir}/raw-{kind}.out"));
        let client = self_costs(&format!("{dir}/client-{kind}.out"));
        let (Some(raw), Some(client)) = (raw, client) else {
            println!("{kind}: missing callgrind output in {dir}");
            continue;
        };
        let per = |v: u64| v as f64 / n as f64;
        let mut rows: Vec<(&str, f64, f64)> = Vec::new();
        for (costs, side) in [(&raw.1, 0), (&client.1, 1)] {
            for (func, cost) in costs {
                let group = classify(func);
                let row = match rows.iter_mut().find(|r| r.0 == group) {
                    Some(r) => r,
                    None => {
                        rows.push((group, 0.0, 0.0));
                        rows.last_mut().unwrap()
                    }
                };
                if side == 0 {
                    row.1 += per(*cost);
                } else {
                    row.2 += per(*cost);
                }
            }
        }
        rows.sort_by(|a, b| (b.2 - b.1).total_cmp(&(a.2 - a.1)));
        let (rt, ct) = (per(raw.0), per(client.0));
        println!("{}", kind.to_uppercase());
        println!(
            "  {:<52} {:>9} {:>9} {:>9}",
            "group", "raw", "tradepay", "gap"
        );
        for (g, r, c) in &rows {
            if (c - r).abs() >= 50.0 || *c >= 500.0 {
                println!("  {g:<52} {r:9.0} {c:9.0} {:+9.0}", c - r);
            }
        }
        let small: f64 = rows
            .iter()
            .filter(|(_, r, c)| !((c - r).abs() >= 50.0 || *c >= 500.0))
            .map(|(_, r, c)| c - r)
            .sum();
        println!(
            "  {:<52} {:>9} {:>9} {small:+9.0}",
            "(other groups, each < 50)", "", ""
        );
        let sum: f64 = rows.iter().map(|(_, r, c)| c - r).sum();
        let sha = rows
            .iter()
            .find(|r| r.0 == SHA_GROUP)
            .map_or(0.0, |r| r.2 - r.1);
        println!("  {:<52} {rt:9.0} {ct:9.0} {:+9.0}", "total", ct - rt);
        println!(
            "  rows sum to {sum:+.0} of a {:+.0} gap; ratio {:.3}x, {:.3}x without SHA-256 \
             compression\n",
            ct - rt,
            ct / rt,
            (ct - sha) / rt
        );
    }
}

const SHA_GROUP: &str = "HMAC-SHA256 and base64 (sign, verify)";

/// The group a function's own instructions belong to, by its crate and name.
fn classify(func: &str) -> &'static str {
    let f = func.trim_start_matches('<');
    let has = |p: &str| f.contains(p);
    let starts = |p: &str| f.starts_with(p);
    if starts("sha2::")
        || starts("hmac::")
        || starts("base64::")
        || starts("subtle::")
        || starts("digest::")
        || starts("block_buffer::")
        || has("Secret::sign")
        || has("Secret::verify")
    {
        SHA_GROUP
    } else if starts("serde_json::")
        || starts("serde_core::")
        || starts("serde::")
        || has("Deserializer<R>")
        || has("Serializer<W")
        || has("__FieldVisitor")
        || has("Deserialize for")
        || has("Serialize for")
        || has("str::converts::from_utf8")
        || has("TypedEnvelope")
        || has("AnswerIds")
    {
        "JSON (encode the request, read + check the answer)"
    } else if starts("tradepay_types::") || starts("iso_currency::") || starts("time::") {
        "tradepay-types (validate, amounts, codes, clock)"
    } else if matches!(
        f,
        "malloc"
            | "free"
            | "realloc"
            | "calloc"
            | "_int_malloc"
            | "_int_free"
            | "_int_realloc"
            | "malloc_consolidate"
            | "alloc_perturb"
            | "cfree"
    ) || starts("unlink_chunk")
        || starts("__rustc::__rust_")
        || starts("__rdl_")
        || has("CountingAlloc")
        || has("count_alloc")
        || has("thread_allocs")
        || starts("std::thread::local::LocalKey")
    {
        "allocator (malloc/free of every step; + counting)"
    } else if starts("__mem")
        || starts("memcpy")
        || starts("memmove")
        || starts("memset")
        || starts("__strlen")
    {
        "memcpy/memcmp (copies and clones of every step)"
    } else if starts("tracing::") || starts("tracing_core::") {
        "tracing (spans, no subscriber)"
    } else if starts("tokio::time")
        || starts("tokio::runtime::time")
        || has("Timeout<")
        || has("tokio::time::sleep")
    {
        "tokio timer (the per-attempt timeout)"
    } else if starts("tokio::") {
        "tokio runtime (tasks, I/O driver)"
    } else if starts("hyper_util::client::legacy::pool") {
        "hyper-util connection pool"
    } else if starts("hyper::")
        || starts("hyper_util::")
        || starts("hyper_rustls::")
        || starts("want::")
        || starts("futures_")
        || starts("h2::")
        || starts("httparse::")
    {
        "hyper (HTTP/1 client, connection task)"
    } else if starts("http::") || starts("http_body") {
        "http (request, URI, header map)"
    } else if starts("bytes::") {
        "bytes"
    } else if starts("tradepay_transport::") {
        "tradepay engine (retry loop, attempt, answer check)"
    } else if starts("client_overhead::") {
        "bench closures"
    } else if has("btree") {
        "std BTreeMap (the data map)"
    } else if has("fmt") {
        "std fmt"
    } else if has("time") || has("Timespec") || has("clock_gettime") {
        "clock reads"
    } else {
        "std and other"
    }
}

/// Total and self cost (instructions) of every function in a callgrind output file.
fn self_costs(path: &str) -> Option<(u64, Vec<(String, u64)>)> {
    let out = std::process::Command::new("callgrind_annotate")
        .args(["--threshold=100", "--auto=no", "--inclusive=no", path])
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let mut total = None;
    let mut funcs = Vec::new();
    for line in text.lines() {
        let line = line.trim_start();
        let Some((num, rest)) = line.split_once(' ') else {
            continue;
        };
        let Ok(cost) = num.replace(',', "").parse::<u64>() else {
            continue;
        };
        // "(12.34%)  file:function [object]"
        let Some((_, rest)) = rest.split_once(')') else {
            continue;
        };
        let rest = rest.trim();
        if rest.starts_with("PROGRAM TOTALS") {
            total = Some(cost);
            continue;
        }
        let rest = rest.rsplit_once(" [").map_or(rest, |(r, _)| r);
        let func = rest.split_once(':').map_or(rest, |(_, f)| f);
        funcs.push((func.to_owned(), cost));
    }
    Some((total?, funcs))
}

/// The identifying fields the client checks in an answer (as `client.rs` reads them).
#[derive(serde::Deserialize)]
#[allow(dead_code)]
struct AnswerIds<'a> {
    #[serde(default, borrow)]
    data: Option<Ids<'a>>,
}

#[derive(serde::Deserialize)]
#[allow(dead_code)]
struct Ids<'a> {
    #[serde(default, borrow)]
    merchant_id: Option<std::borrow::Cow<'a, str>>,
    #[serde(default, borrow)]
    order_id: Option<std::borrow::Cow<'a, str>>,
    #[serde(default, borrow)]
    trade_id: Option<std::borrow::Cow<'a, str>>,
    #[serde(default, borrow)]
    refund_id: Option<std::borrow::Cow<'a, str>>,
    #[serde(default, borrow)]
    amount: Option<std::borrow::Cow<'a, str>>,
    #[serde(default, borrow)]
    currency: Option<std::borrow::Cow<'a, str>>,
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
