//! Running commands, finding the repo, and the Python venv the suites share.

use std::path::{Path, PathBuf};
use std::process::Command;

pub type Result<T = ()> = std::result::Result<T, Box<dyn std::error::Error>>;

/// The repository root (the parent of `xtask/`).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives one level below the root")
        .to_path_buf()
}

/// The one target directory every build shares (CARGO_TARGET_DIR if set).
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target"))
}

pub fn banner(name: &str) {
    println!("\n==> {name}");
}

/// Runs a command to completion, failing on a non-zero exit.
pub fn run(cmd: &mut Command) -> Result {
    println!("$ {}", describe(cmd));
    let status = cmd
        .status()
        .map_err(|e| format!("cannot start {}: {e}", describe(cmd)))?;
    if !status.success() {
        return Err(format!("{} exited with {status}", describe(cmd)).into());
    }
    Ok(())
}

/// Runs a command and returns its stdout.
pub fn output(cmd: &mut Command) -> Result<String> {
    let out = cmd
        .output()
        .map_err(|e| format!("cannot start {}: {e}", describe(cmd)))?;
    if !out.status.success() {
        return Err(format!(
            "{} exited with {}: {}",
            describe(cmd),
            out.status,
            String::from_utf8_lossy(&out.stderr)
        )
        .into());
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn describe(cmd: &Command) -> String {
    let mut s = cmd.get_program().to_string_lossy().into_owned();
    for a in cmd.get_args() {
        s.push(' ');
        s.push_str(&a.to_string_lossy());
    }
    s
}

pub fn cargo() -> Command {
    let mut c = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    c.current_dir(root());
    c
}

/// A command found on PATH?
pub fn have(program: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {program}")])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

/// `python -m pip install` quietly: the arguments every install here starts with.
pub const PIP_INSTALL: &[&str] = &[
    "-m",
    "pip",
    "install",
    "--quiet",
    "--disable-pip-version-check",
];

/// The shared venv (`target/xtask/venv`), created on first use, with `packages` installed.
pub fn venv(packages: &[&str]) -> Result<PathBuf> {
    let dir = target_dir().join("xtask").join("venv");
    let python = dir.join("bin").join("python");
    if !python.exists() {
        run(Command::new("python3").arg("-m").arg("venv").arg(&dir))?;
        run(Command::new(&python).args(["-m", "pip", "install", "--quiet", "--upgrade", "pip"]))?;
    }
    if !packages.is_empty() {
        run(Command::new(&python).args(PIP_INSTALL).args(packages))?;
    }
    Ok(python)
}

/// Builds the release `tradepay-sandbox` binary that the benchmarks run as a separate
/// process (so its CPU is not counted as the client's) and returns its path.
pub fn release_sandbox() -> Result<PathBuf> {
    run(cargo().args([
        "build",
        "--release",
        "-p",
        "tradepay-sandbox",
        "--bin",
        "tradepay-sandbox",
    ]))?;
    Ok(target_dir().join("release").join("tradepay-sandbox"))
}
