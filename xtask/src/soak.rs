//! `cargo xtask soak [N]`: the chaos tests of all three languages with N operations each
//! (default 100000), release builds, each timed. Too slow for `cargo xtask test`, which
//! runs the same tests at their default size (TRADEPAY_CHAOS_OPS unset).

use std::process::Command;
use std::time::{Duration, Instant};

use crate::util::{banner, cargo, run, Result};

const DEFAULT_OPS: u64 = 100_000;

pub fn run_soak(args: &[String]) -> Result {
    let ops: u64 = match args.first() {
        None => DEFAULT_OPS,
        Some(n) => n
            .parse()
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| format!("soak takes a number of operations, not {n:?}"))?,
    };
    let ops_env = ops.to_string();
    let mut results: Vec<(&str, Duration, std::result::Result<(), String>)> = Vec::new();

    banner("soak: rust");
    let chaos = [
        "test",
        "-p",
        "tradepay-transport",
        "--release",
        "--test",
        "sandbox_chaos",
    ];
    // Built first, untimed, so that the time is the run's alone.
    let outcome = run(cargo().args(chaos).arg("--no-run")).and_then(|()| {
        let started = Instant::now();
        run(cargo()
            .args(chaos)
            .args(["--", "--nocapture"])
            .env("TRADEPAY_CHAOS_OPS", &ops_env))
        .map(|()| started.elapsed())
    });
    push_timed(&mut results, "rust", outcome);

    banner("soak: python");
    // The build is not timed: only the chaos run is.
    let outcome = crate::python::develop_release(&[]).and_then(|python| {
        let started = Instant::now();
        let r = run(crate::python::in_venv(&python, "python")
            .args([
                "-m",
                "pytest",
                "-q",
                "-s",
                "-p",
                "no:cacheprovider",
                "bindings/python/tests/test_chaos.py",
            ])
            .env("TRADEPAY_CHAOS_OPS", &ops_env));
        r.map(|()| started.elapsed())
    });
    push_timed(&mut results, "python", outcome);

    banner("soak: node");
    let outcome = crate::node::npm_install()
        .and_then(|()| crate::node::build_addon(true).map(drop))
        .and_then(|()| {
            let started = Instant::now();
            run(Command::new("node")
                .args(["--test", "test/chaos.test.mjs"])
                .current_dir(crate::node::package_dir())
                .env("TRADEPAY_CHAOS_OPS", &ops_env))
            .map(|()| started.elapsed())
        });
    push_timed(&mut results, "node", outcome);

    // Each test prints its own counts above (orders, calls, errors); a test that does not
    // read TRADEPAY_CHAOS_OPS runs at its default size, which its own line shows.
    println!("\nsoak: TRADEPAY_CHAOS_OPS={ops} for every language");
    println!(
        "{:<8} {:>10} {:>12}  result",
        "language", "elapsed", "ops/s"
    );
    let mut failed = 0;
    for (language, elapsed, outcome) in &results {
        let secs = elapsed.as_secs_f64();
        let rate = if secs > 0.0 { ops as f64 / secs } else { 0.0 };
        let shown = match outcome {
            Ok(()) => "ok".to_owned(),
            Err(e) => {
                failed += 1;
                format!("FAILED: {e}")
            }
        };
        println!("{language:<8} {secs:>9.1}s {rate:>12.0}  {shown}");
    }
    if failed > 0 {
        return Err(format!("{failed} of {} soak runs failed", results.len()).into());
    }
    Ok(())
}

fn push_timed(
    results: &mut Vec<(&'static str, Duration, std::result::Result<(), String>)>,
    language: &'static str,
    outcome: Result<Duration>,
) {
    match outcome {
        Ok(elapsed) => results.push((language, elapsed, Ok(()))),
        Err(e) => results.push((language, Duration::ZERO, Err(e.to_string()))),
    }
}
