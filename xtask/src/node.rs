//! Builds the Node addon and runs its suites: `node --test`, `tsc --strict` on the TypeScript
//! example, the examples themselves, and the packed tarball installed into an empty project.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::util::{cargo, root, run, target_dir, Result};

pub(crate) fn package_dir() -> PathBuf {
    root().join("bindings").join("node")
}

fn examples_dir() -> PathBuf {
    root().join("examples").join("node")
}

/// The file name napi-rs gives the addon for this platform, which `native.js` loads.
fn addon_name() -> Result<String> {
    let os = match std::env::consts::OS {
        "linux" => "linux",
        "macos" => "darwin",
        "windows" => "win32",
        other => return Err(format!("no Node addon name for OS {other}").into()),
    };
    let arch = match std::env::consts::ARCH {
        "x86_64" => "x64",
        "aarch64" => "arm64",
        other => return Err(format!("no Node addon name for arch {other}").into()),
    };
    let abi = match (os, cfg!(target_env = "musl")) {
        ("linux", true) => "-musl",
        ("linux", false) => "-gnu",
        ("win32", _) => "-msvc",
        _ => "",
    };
    Ok(format!("tradepay.{os}-{arch}{abi}.node"))
}

/// `cargo build` of the addon (debug for tests, release for the benchmark) in the shared
/// target dir, copied to the name `native.js` loads. Built without `--target` so that it
/// shares the tree every other step uses.
pub fn build_addon(release: bool) -> Result<PathBuf> {
    let mut cmd = cargo();
    cmd.args(["build", "-p", "tradepay-node"]);
    if release {
        cmd.arg("--release");
    }
    run(&mut cmd)?;
    let lib = match std::env::consts::OS {
        "macos" => "libtradepay_node.dylib",
        "windows" => "tradepay_node.dll",
        _ => "libtradepay_node.so",
    };
    let built = target_dir()
        .join(if release { "release" } else { "debug" })
        .join(lib);
    let dest = package_dir().join(addon_name()?);
    // Copy through a temporary name: a process that has the old file loaded keeps its mapping.
    let tmp = dest.with_extension("node.tmp");
    fs::copy(&built, &tmp).map_err(|e| format!("cannot copy {}: {e}", built.display()))?;
    fs::rename(&tmp, &dest)?;
    println!("addon: {} -> {}", built.display(), dest.display());
    Ok(built)
}

pub fn npm() -> Command {
    let mut c = Command::new("npm");
    c.args(["--no-audit", "--no-fund", "--loglevel=error"]);
    c
}

/// `npm install` in bindings/node (and in the framework examples) when node_modules is
/// missing or older than the lock file. Not `npm ci`: npm leaves other platforms' optional
/// packages of @napi-rs/cli out of the lock file and `npm ci` then refuses it as out of sync;
/// `npm install` follows the same lock file and leaves it unchanged.
pub fn npm_install() -> Result {
    if !crate::util::have("node") || !crate::util::have("npm") {
        return Err("node and npm are needed for the Node suite (Node 18 or newer)".into());
    }
    install_if_stale(&package_dir())
}

fn install_if_stale(dir: &Path) -> Result {
    let marker = dir.join("node_modules").join(".package-lock.json");
    let fresh = match (
        fs::metadata(&marker),
        fs::metadata(dir.join("package-lock.json")),
    ) {
        (Ok(m), Ok(l)) => m.modified()? >= l.modified()?,
        _ => false,
    };
    if !fresh {
        run(npm().arg("install").current_dir(dir))?;
    }
    Ok(())
}

/// `examples/node/node_modules/tradepay` → the package, so the examples import `tradepay`
/// as users do.
fn link_examples() -> Result {
    let modules = examples_dir().join("node_modules");
    fs::create_dir_all(&modules)?;
    let link = modules.join("tradepay");
    if fs::symlink_metadata(&link).is_ok() {
        fs::remove_file(&link).or_else(|_| fs::remove_dir_all(&link))?;
    }
    symlink_dir(&package_dir(), &link)
}

#[cfg(unix)]
fn symlink_dir(target: &Path, link: &Path) -> Result {
    std::os::unix::fs::symlink(target, link)?;
    Ok(())
}

#[cfg(not(unix))]
fn symlink_dir(target: &Path, link: &Path) -> Result {
    std::os::windows::fs::symlink_dir(target, link)?;
    Ok(())
}

fn bin(name: &str) -> PathBuf {
    package_dir().join("node_modules").join(".bin").join(name)
}

pub fn test() -> Result {
    npm_install()?;
    build_addon(false)?;
    link_examples()?;
    // Express and Fastify for examples/node/frameworks, which the suite runs.
    install_if_stale(&examples_dir().join("frameworks"))?;

    // Types: every public name is typed, checked on the TypeScript example.
    run(Command::new(bin("tsc"))
        .args(["-p", "tsconfig.json", "--noEmit"])
        .current_dir(examples_dir()))?;

    // The suites; they also compile and run both examples.
    let pg = crate::postgres::start()?;
    let mut suites = Command::new("node");
    pg.export(&mut suites);
    run(suites
        .args(["--test", "--test-concurrency=1", "test/"])
        .current_dir(package_dir()))?;
    drop(pg);
    // tradepay/testing under vitest's runner too (node:test runs it in test/testing.test.mjs).
    run(Command::new(bin("vitest"))
        .args(["run", "--root", "vitest"])
        .env("CI", "1")
        .current_dir(package_dir()))?;

    pack_and_install()
}

/// `npm pack`, then install the tarball offline into an empty project and run the example
/// there, as a user would.
fn pack_and_install() -> Result {
    let work = target_dir().join("xtask").join("node-pack");
    if work.exists() {
        fs::remove_dir_all(&work)?;
    }
    let project = work.join("project");
    fs::create_dir_all(&project)?;
    let listing = crate::util::output(
        npm()
            .args(["pack", "--json", "--pack-destination"])
            .arg(&work)
            .current_dir(package_dir()),
    )?;
    let tarball = fs::read_dir(&work)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.extension().is_some_and(|x| x == "tgz"))
        .ok_or("npm pack made no tarball")?;
    let addon = addon_name()?;
    if !listing.contains(&addon) {
        return Err(format!("the tarball lacks {addon}").into());
    }
    fs::write(
        project.join("package.json"),
        r#"{ "name": "tradepay-smoke", "version": "1.0.0", "private": true }"#,
    )?;
    run(npm()
        .args(["install", "--offline", "--no-package-lock"])
        .arg(&tarball)
        .current_dir(&project))?;
    fs::copy(
        examples_dir().join("quickstart.mjs"),
        project.join("quickstart.mjs"),
    )?;
    fs::write(
        project.join("require.cjs"),
        "const tp = require('tradepay');\n\
         if (typeof tp.Client !== 'function' || typeof tp.Sandbox.start !== 'function') process.exit(1);\n\
         console.log('require(\"tradepay\") works');\n",
    )?;
    run(Command::new("node")
        .arg("require.cjs")
        .current_dir(&project))?;
    run(Command::new("node")
        .arg("quickstart.mjs")
        .current_dir(&project))?;
    fs::write(
        project.join("testing.mjs"),
        "import { withSandbox } from 'tradepay/testing';\n\
         const n = await withSandbox(async ({ sandbox }) => (await sandbox.orders()).length);\n\
         if (n !== 0) process.exit(1);\n\
         console.log('tradepay/testing works');\n",
    )?;
    run(Command::new("node")
        .arg("testing.mjs")
        .current_dir(&project))?;
    let command = project
        .join("node_modules")
        .join(".bin")
        .join("tradepay-sandbox");
    crate::sandbox_command::check("tradepay-sandbox (npm)", || {
        let mut cmd = Command::new(&command);
        cmd.current_dir(&project);
        cmd
    })?;
    println!(
        "packed tarball {} installs and runs in an empty project",
        tarball.display()
    );
    Ok(())
}

pub fn bench() -> Result {
    npm_install()?;
    build_addon(true)?;
    let sandbox = crate::util::release_sandbox()?;
    run(Command::new("node")
        .arg("bench/bench.mjs")
        .env("TRADEPAY_SANDBOX_BIN", &sandbox)
        .current_dir(package_dir()))
}
