//! Cross-checks the webhook vectors against an independent implementation: the
//! `standardwebhooks` package from PyPI verifies every vector in tests/vectors/webhooks.json
//! and signs fresh deliveries, which tradepay's Rust verifier must then accept.

use std::process::Command;

use crate::util::{cargo, root, run, target_dir, venv, Result};

/// The version the vectors were checked with; pinned so that a new release cannot change
/// the verdict silently.
pub(crate) const PACKAGE: &str = "standardwebhooks==1.1.0";

pub fn crosscheck() -> Result {
    let python = venv(&[PACKAGE])?;
    let out_dir = target_dir().join("xtask");
    std::fs::create_dir_all(&out_dir)?;
    let fresh = out_dir.join("webhooks-signed-by-standardwebhooks.json");
    run(Command::new(&python)
        .arg(root().join("tests/crosscheck/webhooks.py"))
        .arg(root().join("tests/vectors/webhooks.json"))
        .arg("--out")
        .arg(&fresh))?;
    run(cargo()
        .args([
            "run",
            "--quiet",
            "-p",
            "tradepay-types",
            "--example",
            "verify_webhook",
            "--",
        ])
        .arg(&fresh))
}
