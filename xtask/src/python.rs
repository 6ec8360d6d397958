//! Builds the Python package into the shared venv and runs its suites.
//!
//! Tests use a debug build (`maturin develop`) in the shared target directory, so CI compiles
//! the workspace once; only the benchmark builds release.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::util::{root, run, target_dir, venv, Result};

/// The build and check tools, the Standard Webhooks library the webhook tests check against,
/// and the frameworks whose request objects the tests and examples hand to the package.
const TOOLS: &[&str] = &[
    "maturin>=1.7,<2",
    "pytest",
    "mypy",
    "typing_extensions",
    crate::webhooks::PACKAGE,
    "flask>=3,<4",
    "django>=5,<6",
    "fastapi>=0.115,<1",
    "uvicorn>=0.30,<1",
    "django-stubs>=5,<6",
    // The OpenTelemetry example's SDK (its in-memory exporter); never a package dependency.
    "opentelemetry-sdk>=1.20,<2",
];
const BENCH_TOOLS: &[&str] = &["requests", "httpx", "aiohttp"];

fn venv_dir(python: &Path) -> PathBuf {
    // <venv>/bin/python -> <venv>
    python
        .parent()
        .and_then(Path::parent)
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// A command run inside the venv: its bin/ first on PATH, the shared target dir for cargo.
pub(crate) fn in_venv(python: &Path, program: &str) -> Command {
    let dir = venv_dir(python);
    let bin = dir.join("bin");
    let path = std::env::var_os("PATH").unwrap_or_default();
    let mut paths = vec![bin.clone()];
    paths.extend(std::env::split_paths(&path));
    let mut cmd = Command::new(if program == "python" {
        python.to_path_buf()
    } else {
        bin.join(program)
    });
    cmd.env("VIRTUAL_ENV", &dir)
        .env("PATH", std::env::join_paths(paths).unwrap_or(path))
        .env("CARGO_TARGET_DIR", target_dir())
        .env_remove("PYTHONHOME")
        .current_dir(root());
    cmd
}

/// The Python examples, the framework apps included, for `mypy --strict`.
fn examples() -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for dir in ["examples/python", "examples/python/frameworks"] {
        files.extend(
            std::fs::read_dir(root().join(dir))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "py")),
        );
    }
    files.sort();
    Ok(files)
}

pub fn test() -> Result {
    let python = venv(TOOLS)?;
    let binding = root().join("bindings/python");
    // With the hooks the suite uses to provoke a panic; wheels never have them.
    run(in_venv(&python, "maturin")
        .args(["develop", "--quiet", "--features", "test-hooks"])
        .current_dir(&binding))?;
    // The journal's PostgreSQL tests run against a throwaway server, stopped afterwards.
    let pg = crate::postgres::start()?;
    let mut pytest = in_venv(&python, "python");
    pg.export(&mut pytest);
    run(pytest
        .args(["-m", "pytest", "-q", "bindings/python/tests"])
        .env("TRADEPAY_TEST_HOOKS", "1"))?;
    drop(pg);
    run(in_venv(&python, "python")
        .args(["-m", "mypy", "--strict", "--no-incremental"])
        .args(examples()?))?;
    run(in_venv(&python, "python").args([
        "-m",
        "mypy",
        "--strict",
        "--no-incremental",
        "-p",
        "tradepay",
    ]))?;
    run(in_venv(&python, "python").args([
        "-m",
        "mypy.stubtest",
        "tradepay",
        "--allowlist",
        "bindings/python/stubtest-allowlist.txt",
    ]))?;
    fresh_install()
}

/// What a new user does: `pip install ./bindings/python` in an empty venv, then the
/// quickstart, run from outside the repository. The build is the debug profile in the shared
/// target dir, so it reuses what `maturin develop` compiled.
fn fresh_install() -> Result {
    let dir = target_dir().join("xtask").join("fresh-venv");
    if dir.exists() {
        std::fs::remove_dir_all(&dir)?;
    }
    run(Command::new("python3").arg("-m").arg("venv").arg(&dir))?;
    let python = dir.join("bin").join("python");
    run(in_venv(&python, "python")
        .args(crate::util::PIP_INSTALL)
        .arg(root().join("bindings/python"))
        .env("MATURIN_PEP517_ARGS", "--profile dev"))?;
    run(in_venv(&python, "python")
        .arg(root().join("examples/python/quickstart.py"))
        .current_dir(std::env::temp_dir()))?;
    crate::sandbox_command::check("tradepay-sandbox (pip)", || {
        let mut cmd = in_venv(&python, "tradepay-sandbox");
        cmd.current_dir(std::env::temp_dir());
        cmd
    })?;
    pytest_plugin(&python)
}

/// The pytest plugin as a user meets it: a project directory with one test file and no
/// conftest.py, the fixtures found through the `pytest11` entry point alone.
fn pytest_plugin(python: &Path) -> Result {
    run(in_venv(python, "python")
        .args(crate::util::PIP_INSTALL)
        .arg("pytest"))?;
    let project = target_dir().join("xtask").join("pytest-project");
    if project.exists() {
        std::fs::remove_dir_all(&project)?;
    }
    std::fs::create_dir_all(&project)?;
    std::fs::copy(
        root().join("tests/pytest-plugin/test_shop.py"),
        project.join("test_shop.py"),
    )?;
    run(in_venv(python, "python")
        .args([
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "test_shop.py",
        ])
        .current_dir(&project))?;
    let listing = crate::util::output(
        in_venv(python, "python")
            .args([
                "-m",
                "pytest",
                "--fixtures",
                "-p",
                "no:cacheprovider",
                "test_shop.py",
            ])
            .current_dir(&project),
    )?;
    for (fixture, doc) in [
        ("tradepay_sandbox", "reset for this test"),
        (
            "tradepay_client",
            "A ``tradepay.Client`` of ``tradepay_sandbox``",
        ),
        ("tradepay_async_client", "A ``tradepay.AsyncClient``"),
    ] {
        let listed = listing
            .split_once(fixture)
            .is_some_and(|(_, rest)| rest.get(..400).unwrap_or(rest).contains(doc));
        if !listed {
            return Err(format!("pytest --fixtures does not list {fixture} with its doc").into());
        }
    }
    println!("pytest plugin: fixtures found without a conftest.py, listed by pytest --fixtures");
    Ok(())
}

/// A release build of the package in the shared venv (the next `cargo xtask test` puts the
/// debug build back); returns the venv's python.
pub(crate) fn develop_release(extra: &[&str]) -> Result<PathBuf> {
    let mut packages = TOOLS.to_vec();
    packages.extend_from_slice(extra);
    let python = venv(&packages)?;
    run(in_venv(&python, "maturin")
        .args(["develop", "--release", "--quiet"])
        .current_dir(root().join("bindings/python")))?;
    Ok(python)
}

pub fn bench() -> Result {
    let sandbox = crate::util::release_sandbox()?;
    let python = develop_release(BENCH_TOOLS)?;
    run(in_venv(&python, "python")
        .arg("bindings/python/bench/bench.py")
        .arg("--sandbox")
        .arg(sandbox))
}
