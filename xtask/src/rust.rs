//! The Rust steps: formatting, lints, the test suites, and the demo.

use crate::util::{cargo, run, Result};

/// Crates whose tests run through their own language's runner, not `cargo test`
/// (a pyo3 or napi cdylib does not link as a test binary).
const BINDINGS: &[&str] = &["tradepay-python", "tradepay-node"];

fn exclude_bindings(cmd: &mut std::process::Command) {
    for b in BINDINGS {
        cmd.args(["--exclude", b]);
    }
}

pub fn fmt_check() -> Result {
    run(cargo().args(["fmt", "--all", "--", "--check"]))
}

pub fn clippy() -> Result {
    let mut cmd = cargo();
    cmd.args(["clippy", "--workspace", "--all-targets"]);
    run(cmd.args(["--", "-D", "warnings"]))
}

pub fn test() -> Result {
    let mut cmd = cargo();
    cmd.args(["test", "--workspace"]);
    exclude_bindings(&mut cmd);
    // The PostgreSQL journal's tests run against a throwaway server, stopped afterwards.
    let pg = crate::postgres::start()?;
    pg.export(&mut cmd);
    run(&mut cmd)
}

pub fn demo() -> Result {
    run(cargo().args([
        "run",
        "--quiet",
        "-p",
        "tradepay",
        "--example",
        "quickstart",
    ]))
}
