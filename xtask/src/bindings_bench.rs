//! `cargo xtask bench bindings`: the Python and Node packages against the Rust client itself,
//! on the same PAY+QUERY workload against one sandbox process, in one run. Each worker is a
//! process of its own (crates/tradepay/examples/bench_worker.rs, bindings/python/bench/
//! worker.py, bindings/node/bench/worker.mjs) that reports its own CPU, so the sandbox's CPU
//! is never counted. Rounds alternate the workers in a rotating order and the median round
//! is reported with its spread, so that load elsewhere on the machine hits all of them alike.
//! Then a soak: 100 000 requests per language, RSS growth after warm-up.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use crate::util::{cargo, output, root, run, target_dir, Result};

const REQUESTS: u64 = 10_000;
const WARMUP: u64 = 2_000;
const ROUNDS: usize = 5;
const SOAK_REQUESTS: u64 = 100_000;
const SOAK_WARMUP: u64 = 10_000;
/// The aims: a binding spends at most this many times the Rust client's CPU per
/// request and reaches at least this share of its req/s. Printed beside the ratios, never
/// asserted.
const AIM_CPU: f64 = 1.5;
const AIM_RATE: f64 = 0.7;
const AIM_RSS_GROWTH_KIB: i64 = 1024;

#[derive(Clone, Copy, PartialEq)]
enum Lang {
    Rust,
    PythonSync,
    PythonAsyncio,
    Node,
}

impl Lang {
    fn label(self) -> &'static str {
        match self {
            Lang::Rust => "Rust client",
            Lang::PythonSync => "Python sync",
            Lang::PythonAsyncio => "Python asyncio",
            Lang::Node => "Node",
        }
    }
}

struct Tools {
    sandbox: std::path::PathBuf,
    rust_worker: std::path::PathBuf,
    python: std::path::PathBuf,
}

struct Gateway {
    child: Child,
    url: String,
    access_no: String,
    secret: String,
}

impl Drop for Gateway {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One field of a JSON line (the sandbox's first line, a worker's report).
fn field(line: &str, key: &str) -> Result<serde_json::Value> {
    let v: serde_json::Value =
        serde_json::from_str(line.trim()).map_err(|e| format!("not a JSON line ({e}): {line}"))?;
    v.get(key)
        .cloned()
        .ok_or_else(|| format!("no {key} in {line}").into())
}

fn json_str(line: &str, key: &str) -> Result<String> {
    field(line, key)?
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| format!("{key} is not a string in {line}").into())
}

fn json_num(line: &str, key: &str) -> Result<f64> {
    field(line, key)?
        .as_f64()
        .ok_or_else(|| format!("{key} is not a number in {line}").into())
}

fn start_gateway(tools_sandbox: &std::path::Path) -> Result<Gateway> {
    let mut child = Command::new(tools_sandbox)
        .args(["--port", "0"])
        .stdout(Stdio::piped())
        .spawn()?;
    let mut line = String::new();
    let stdout = child.stdout.take().ok_or("no sandbox stdout")?;
    BufReader::new(stdout).read_line(&mut line)?;
    Ok(Gateway {
        url: json_str(&line, "url")?,
        access_no: json_str(&line, "access_no")?,
        secret: json_str(&line, "secret")?,
        child,
    })
}

struct Sample {
    req_per_s: f64,
    cpu_us: f64,
    rss_warm: i64,
    rss_end: i64,
}

fn measure(
    tools: &Tools,
    gw: &Gateway,
    lang: Lang,
    concurrency: u64,
    requests: u64,
    warmup: u64,
) -> Result<Sample> {
    let mut cmd = match lang {
        Lang::Rust => Command::new(&tools.rust_worker),
        Lang::PythonSync | Lang::PythonAsyncio => {
            let mut c = crate::python::in_venv(&tools.python, "python");
            c.arg(root().join("bindings/python/bench/worker.py"))
                .arg("--mode")
                .arg(if lang == Lang::PythonSync {
                    "sync"
                } else {
                    "asyncio"
                });
            c
        }
        Lang::Node => {
            let mut c = Command::new("node");
            c.arg("--expose-gc")
                .arg(root().join("bindings/node/bench/worker.mjs"));
            c
        }
    };
    cmd.args(["--url", &gw.url, "--access-no", &gw.access_no])
        .args(["--secret", &gw.secret])
        .args(["--requests", &requests.to_string()])
        .args(["--concurrency", &concurrency.to_string()])
        .args(["--warmup", &warmup.to_string()]);
    let line = output(&mut cmd)?;
    let line = line.lines().last().unwrap_or_default();
    Ok(Sample {
        req_per_s: json_num(line, "req_per_s")?,
        cpu_us: json_num(line, "cpu_us_per_req")?,
        rss_warm: json_num(line, "rss_warm_kib")? as i64,
        rss_end: json_num(line, "rss_end_kib")? as i64,
    })
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn build() -> Result<Tools> {
    let sandbox = crate::util::release_sandbox()?;
    run(cargo().args([
        "build",
        "--release",
        "-p",
        "tradepay",
        "--example",
        "bench_worker",
    ]))?;
    let python = crate::python::develop_release(&[])?;
    crate::node::npm_install()?;
    crate::node::build_addon(true)?;
    Ok(Tools {
        sandbox,
        rust_worker: target_dir()
            .join("release")
            .join("examples")
            .join("bench_worker"),
        python,
    })
}

pub fn run_bench() -> Result {
    let tools = build()?;
    let gw = start_gateway(&tools.sandbox)?;
    let cells: Vec<(Lang, u64)> = vec![
        (Lang::Rust, 1),
        (Lang::PythonSync, 1),
        (Lang::PythonAsyncio, 1),
        (Lang::Node, 1),
        (Lang::Rust, 64),
        (Lang::PythonAsyncio, 64),
        (Lang::Node, 64),
    ];
    let rounds = std::env::var("BENCH_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .filter(|r| *r > 0)
        .unwrap_or(ROUNDS);
    println!(
        "sandbox {} (separate process); PAY+QUERY of fresh QR orders; {REQUESTS} requests per \
         run after {WARMUP} of warm-up; {rounds} rounds in rotating order, median shown",
        gw.url
    );
    let mut samples: Vec<Vec<Sample>> = cells.iter().map(|_| Vec::new()).collect();
    for round in 0..rounds {
        for k in 0..cells.len() {
            let i = (k + round) % cells.len();
            let (lang, conc) = cells[i];
            samples[i].push(measure(&tools, &gw, lang, conc, REQUESTS, WARMUP)?);
        }
        println!("  round {} of {rounds} done", round + 1);
    }
    let med: Vec<(f64, f64)> = samples
        .iter()
        .map(|s| {
            (
                median(s.iter().map(|x| x.req_per_s).collect()),
                median(s.iter().map(|x| x.cpu_us).collect()),
            )
        })
        .collect();
    println!(
        "\n  {:<16} {:>4} {:>10} {:>21} {:>14} {:>12}",
        "client", "conc", "req/s", "CPU µs/req (spread)", "CPU vs Rust", "req/s vs Rust"
    );
    for (i, (lang, conc)) in cells.iter().enumerate() {
        let base = cells
            .iter()
            .position(|c| *c == (Lang::Rust, *conc))
            .ok_or("no Rust baseline")?;
        let (rate, cpu) = med[i];
        let (base_rate, base_cpu) = med[base];
        let lo = samples[i].iter().map(|x| x.cpu_us).fold(f64::MAX, f64::min);
        let hi = samples[i].iter().map(|x| x.cpu_us).fold(0.0, f64::max);
        let cpu_cell = format!("{cpu:.1} ({lo:.1}–{hi:.1})");
        if *lang == Lang::Rust {
            println!(
                "  {:<16} {conc:>4} {rate:>10.0} {cpu_cell:>21} {:>14} {:>12}",
                lang.label(),
                "baseline",
                "baseline"
            );
        } else {
            println!(
                "  {:<16} {conc:>4} {rate:>10.0} {cpu_cell:>21} {:>13.2}x {:>11.2}x",
                lang.label(),
                cpu / base_cpu,
                rate / base_rate
            );
        }
    }
    println!("  aim: CPU at most {AIM_CPU}x the Rust client's, req/s at least {AIM_RATE}x");

    println!(
        "\nsoak: {SOAK_REQUESTS} requests per language after {SOAK_WARMUP} of warm-up, one at a time"
    );
    for lang in [
        Lang::Rust,
        Lang::PythonSync,
        Lang::PythonAsyncio,
        Lang::Node,
    ] {
        let s = measure(&tools, &gw, lang, 1, SOAK_REQUESTS, SOAK_WARMUP)?;
        let growth = s.rss_end - s.rss_warm;
        println!(
            "  {:<16} RSS {} -> {} KiB: {growth:+} KiB ({}; aim under {AIM_RSS_GROWTH_KIB} KiB)",
            lang.label(),
            s.rss_warm,
            s.rss_end,
            if growth < AIM_RSS_GROWTH_KIB {
                "within the aim"
            } else {
                "OVER the aim"
            }
        );
    }
    Ok(())
}
