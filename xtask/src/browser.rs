//! The next_action page in a real headless browser.
//!
//! Debian's chromium at /usr/bin/chromium, driven by playwright-core from
//! `crates/sandbox/browser-test/` (installed there with npm on first use), against the
//! `tradepay-sandbox` binary. Without chromium the step says so plainly and passes.

use std::path::Path;
use std::process::Command;

use crate::util::{cargo, have, root, run, target_dir, Result};

const CHROMIUM: &str = "/usr/bin/chromium";

pub fn test() -> Result {
    if !Path::new(CHROMIUM).exists() {
        println!("SKIPPED: browser test, chromium not installed");
        return Ok(());
    }
    if !have("node") || !have("npm") {
        return Err("the browser test needs node and npm".into());
    }
    let dir = root().join("crates").join("sandbox").join("browser-test");
    if !dir.join("node_modules").join("playwright-core").exists() {
        let install = if dir.join("package-lock.json").exists() {
            "ci"
        } else {
            "install"
        };
        run(Command::new("npm")
            .args([install, "--no-audit", "--no-fund"])
            .current_dir(&dir))?;
    }
    run(cargo().args([
        "build",
        "-p",
        "tradepay-sandbox",
        "--bin",
        "tradepay-sandbox",
    ]))?;
    let bin = target_dir()
        .join("debug")
        .join(format!("tradepay-sandbox{}", std::env::consts::EXE_SUFFIX));
    run(Command::new("node")
        .arg("test.mjs")
        .current_dir(&dir)
        .env("TP_SANDBOX_BIN", bin)
        .env("TP_CHROMIUM", CHROMIUM))
}
