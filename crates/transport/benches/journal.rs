//! Card PAYs against the in-process sandbox, 1 and 64 at once: no journal, SQLite and (with
//! `TRADEPAY_BENCH_POSTGRES`) PostgreSQL, in one run against one sandbox, printed as
//! ratios to "no journal". Nothing asserted: it prints what it measured.

#[path = "../tests/fixtures/mod.rs"]
mod fixtures;

use std::time::{Duration, Instant};

use fixtures::{card_pay, sandbox_client};
use tradepay_sandbox::{Sandbox, SandboxConfig};
use tradepay_transport::Client;

const CALLS: usize = 2000;

async fn measure(c: &Client, label: &str, concurrency: usize) -> (f64, Duration, Duration) {
    let per = CALLS / concurrency;
    let start = Instant::now();
    let mut tasks = Vec::new();
    for w in 0..concurrency {
        let c = c.clone();
        let label = label.to_owned();
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::with_capacity(per);
            for i in 0..per {
                let t = Instant::now();
                c.pay(card_pay(
                    &format!("b_{label}_{concurrency}_{w}_{i}"),
                    "1.00",
                    "USD",
                    "123",
                ))
                .await
                .expect("bench PAY");
                lat.push(t.elapsed());
            }
            lat
        }));
    }
    let mut lat = Vec::new();
    for t in tasks {
        lat.extend(t.await.expect("bench task"));
    }
    let secs = start.elapsed().as_secs_f64();
    lat.sort();
    let p = |q: f64| lat[((lat.len() as f64 - 1.0) * q) as usize];
    (lat.len() as f64 / secs, p(0.5), p(0.99))
}

fn main() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        let sb = Sandbox::start(SandboxConfig::default()).await.expect("sandbox");
        let dir = std::env::temp_dir().join(format!("tradepay-bench-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let mut modes: Vec<(&str, Client)> = vec![
            ("none", sandbox_client(&sb).build().expect("client")),
            (
                "sqlite",
                sandbox_client(&sb)
                    .journal(dir.join("bench.db").display().to_string())
                    .build()
                    .expect("sqlite journal"),
            ),
        ];
        match std::env::var("TRADEPAY_BENCH_POSTGRES") {
            Ok(url) => modes.push((
                "postgres",
                sandbox_client(&sb).journal(url).build().expect("postgres journal"),
            )),
            Err(_) => println!("postgres: skipped (TRADEPAY_BENCH_POSTGRES not set)"),
        }
        for concurrency in [1, 64] {
            let mut base = 0.0;
            for (name, c) in &modes {
                let (rps, p50, p99) = measure(c, name, concurrency).await;
                if *name == "none" {
                    base = rps;
                }
                println!(
                    "journal {name:>8} x{concurrency:<2}: {rps:>8.0} req/s  p50 {:>7.2} ms  p99 {:>7.2} ms  {:.2}x",
                    p50.as_secs_f64() * 1e3,
                    p99.as_secs_f64() * 1e3,
                    rps / base
                );
            }
        }
        drop(modes);
        let _ = std::fs::remove_dir_all(&dir);
    });
}
