//! `cargo xtask`: the project's one entry point for tests, the demo, benchmarks and fuzzing.
//!
//! `cargo xtask test` is what CI runs: it installs what it needs (a Python venv under
//! `target/xtask/`, npm packages under `bindings/node/`) and runs every suite in every
//! language against one shared target directory.

mod bench;
mod browser;
mod fuzz;
mod node;
mod python;
mod rust;
mod util;
mod webhooks;

use util::Result;

/// One suite of `cargo xtask test`.
type Step = (&'static str, fn() -> Result);

const USAGE: &str = "usage: cargo xtask <test | demo | bench | fuzz [SECONDS] | codegen>
  test     fmt, clippy, every Rust test, webhook cross-check, browser, Python and Node suites
  demo     run the Rust quickstart against the embedded sandbox
  bench    benchmarks, each printed as a ratio against a baseline measured in the same run
  fuzz     run the cargo-fuzz targets (default 60 s each)";

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let outcome = match args.first().map(String::as_str) {
        Some("test") => test(&args[1..]),
        Some("demo") => rust::demo(),
        Some("bench") => bench::run(&args[1..]),
        Some("fuzz") => fuzz::run(&args[1..]),
        _ => {
            eprintln!("{USAGE}");
            std::process::exit(2);
        }
    };
    if let Err(e) = outcome {
        eprintln!("xtask: {e}");
        std::process::exit(1);
    }
}

/// Each suite is a step; `--only NAME` runs one (for working on a part).
fn test(args: &[String]) -> Result {
    let only = args
        .iter()
        .position(|a| a == "--only")
        .and_then(|i| args.get(i + 1))
        .cloned();
    let steps: Vec<Step> = vec![
        ("fmt", rust::fmt_check),
        ("clippy", rust::clippy),
        ("rust", rust::test),
        ("webhooks", webhooks::crosscheck),
        ("browser", browser::test),
        ("python", python::test),
        ("node", node::test),
    ];
    let mut passed = 0;
    for (name, step) in steps {
        if only.as_deref().is_some_and(|o| o != name) {
            continue;
        }
        util::banner(name);
        step().map_err(|e| format!("step {name} failed: {e}"))?;
        passed += 1;
    }
    println!("\nsteps: {passed} passed, 0 failed");
    Ok(())
}
