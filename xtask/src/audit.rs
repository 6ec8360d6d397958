//! `cargo xtask audit`: `cargo deny check bans licenses sources` with the policy in
//! `deny.toml`. Advisories are left out: they need the RustSec database from the network,
//! which CI machines here cannot reach.

use std::process::Command;

use crate::util::{cargo, run, target_dir, Result};

/// Pinned so that a new release cannot change what the test command accepts.
const CARGO_DENY_VERSION: &str = "0.20.2";

pub fn run_audit() -> Result {
    let tools = target_dir().join("xtask").join("tools");
    let deny = tools.join("bin").join("cargo-deny");
    if !installed(&deny) {
        run(cargo()
            .args([
                "install",
                "cargo-deny",
                "--locked",
                "--version",
                CARGO_DENY_VERSION,
            ])
            .arg("--root")
            .arg(&tools))?;
    }
    run(Command::new(&deny)
        .current_dir(crate::util::root())
        .args(["check", "bans", "licenses", "sources"]))
}

fn installed(deny: &std::path::Path) -> bool {
    Command::new(deny)
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).contains(CARGO_DENY_VERSION))
        .unwrap_or(false)
}
