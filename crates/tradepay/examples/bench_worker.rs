//! The Rust side of `cargo xtask bench bindings`: the PAY+QUERY workload the Python and Node
//! workers run, against a sandbox in another process, so the CPU this process reports is the
//! client's alone. Prints one JSON line; nothing here asserts a time.
//!
//! `bench_worker --url U --access-no A --secret S --requests N --concurrency C --warmup W`

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use tradepay::{Amount, Client, OrderRef, PayRequest};

type Failure = Box<dyn std::error::Error + Send + Sync>;

const MERCHANT: &str = "m_bench";

fn arg(args: &[String], name: &str) -> Result<String, Failure> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .cloned()
        .ok_or_else(|| format!("missing {name}").into())
}

/// User+system CPU of this process in µs, from /proc (clock ticks of 10 ms: the runs are
/// long enough that the tick is well under 1% of them).
fn cpu_us() -> Result<f64, Failure> {
    let stat = std::fs::read_to_string("/proc/self/stat")?;
    // Fields after the command name (which may hold spaces) start at the last ')'.
    let rest = stat.rsplit_once(')').ok_or("bad /proc/self/stat")?.1;
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = f[11].parse::<f64>()? + f[12].parse::<f64>()?;
    Ok(ticks * 10_000.0)
}

fn rss_kib() -> Result<u64, Failure> {
    let status = std::fs::read_to_string("/proc/self/status")?;
    let line = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .ok_or("no VmRSS")?;
    Ok(line.split_whitespace().nth(1).ok_or("bad VmRSS")?.parse()?)
}

/// One PAY of a fresh order then one QUERY of it: two requests.
async fn pair(client: &Client, order_id: String) -> Result<(), Failure> {
    let pay = PayRequest {
        merchant_id: MERCHANT.into(),
        order_id: order_id.clone(),
        amount: Amount::parse("1.00")?,
        currency: "USD".into(),
        payment_method: Some("qr".into()),
        ..Default::default()
    };
    client.pay(pay).await?;
    client.query(OrderRef::OrderId(order_id), MERCHANT).await?;
    Ok(())
}

/// `requests` requests over `concurrency` tasks, order ids unique within the process.
async fn run(
    client: &Client,
    prefix: &str,
    next: &Arc<AtomicU64>,
    requests: u64,
    concurrency: u64,
) -> Result<(), Failure> {
    let pairs = requests / 2;
    let end = next.load(Ordering::Relaxed) + pairs;
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let client = client.clone();
        let next = next.clone();
        let prefix = prefix.to_owned();
        tasks.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= end {
                    return Ok::<(), Failure>(());
                }
                pair(&client, format!("{prefix}_{i}")).await?;
            }
        }));
    }
    for t in tasks {
        t.await??;
    }
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Failure> {
    let args: Vec<String> = std::env::args().collect();
    let requests: u64 = arg(&args, "--requests")?.parse()?;
    let concurrency: u64 = arg(&args, "--concurrency")?.parse()?;
    let warmup: u64 = arg(&args, "--warmup")?.parse()?;
    let client = Client::builder()
        .base_url(arg(&args, "--url")?)
        .access_no(arg(&args, "--access-no")?)
        .secret(arg(&args, "--secret")?)
        .build()?;
    // Distinct per run, so that rounds against one sandbox never reuse an order id.
    let prefix = format!("rs{}_{}", std::process::id(), concurrency);
    let next = Arc::new(AtomicU64::new(0));
    run(&client, &prefix, &next, warmup, concurrency).await?;
    let (rss0, cpu0, wall0) = (rss_kib()?, cpu_us()?, Instant::now());
    run(&client, &prefix, &next, requests, concurrency).await?;
    let (cpu1, wall) = (cpu_us()?, wall0.elapsed().as_secs_f64());
    let rss1 = rss_kib()?;
    let done = (requests / 2 * 2) as f64;
    println!(
        "{{\"requests\":{done},\"req_per_s\":{:.1},\"cpu_us_per_req\":{:.2},\"rss_warm_kib\":{rss0},\"rss_end_kib\":{rss1}}}",
        done / wall,
        (cpu1 - cpu0) / done
    );
    Ok(())
}
