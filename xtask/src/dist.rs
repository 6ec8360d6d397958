//! `cargo xtask dist`: the packages users install, written to `dist/`.
//!
//! - `dist/python/`: an abi3 wheel (CPython 3.9+) tagged manylinux 2.17, built by maturin
//!   with zig as the linker so that it runs on old glibc, and the sdist; `auditwheel show`
//!   must confirm the tag. A musl wheel is built when this toolchain has the musl target.
//! - `dist/npm/`: napi-rs's layout: `tradepay` (JS and types, no binary) with
//!   `optionalDependencies` on one package per platform, and this platform's package
//!   holding the addon.
//! - `dist/crates/`: `cargo package` of the four publishable crates, verified by building.
//!
//! `cargo xtask test` runs this, then installs the results where no Rust toolchain is on
//! PATH (see `install_check`).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::node::{npm, npm_install};
use crate::platform::Platform;
use crate::util::{banner, cargo, output, root, run, target_dir, venv, Result};

const PYTHON_TOOLS: &[&str] = &["maturin>=1.7,<2", "ziglang", "auditwheel"];
/// The crates published to crates.io, in dependency order.
pub const CRATES: &[&str] = &[
    "tradepay-types",
    "tradepay-transport",
    "tradepay-sandbox",
    "tradepay",
];

pub fn dist_dir() -> PathBuf {
    root().join("dist")
}

pub fn run_dist() -> Result {
    let dist = dist_dir();
    if dist.exists() {
        fs::remove_dir_all(&dist)?;
    }
    python(&dist.join("python"))?;
    node(&dist.join("npm"))?;
    crates(&dist.join("crates"))?;
    println!("\ndist/:");
    for sub in ["python", "npm", "crates"] {
        for file in files(&dist.join(sub))? {
            println!("  {sub}/{}", file_name(&file));
        }
    }
    Ok(())
}

fn python(out: &Path) -> Result {
    banner("dist: Python wheel and sdist");
    let python = venv(PYTHON_TOOLS)?;
    let bin = python.parent().ok_or("venv without bin/")?.to_path_buf();
    let binding = root().join("bindings/python");
    let maturin = || {
        let mut c = Command::new(bin.join("maturin"));
        let path = std::env::var_os("PATH").unwrap_or_default();
        let mut paths = vec![bin.clone()];
        paths.extend(std::env::split_paths(&path));
        c.env("PATH", std::env::join_paths(paths).unwrap_or(path))
            .env("CARGO_TARGET_DIR", target_dir())
            .current_dir(&binding);
        c
    };
    run(maturin()
        .args([
            "build",
            "--release",
            "--zig",
            "--compatibility",
            "manylinux2014",
            "--quiet",
            "--out",
        ])
        .arg(out))?;
    let wheel = only(out, ".whl")?;
    let shown = output(Command::new(bin.join("auditwheel")).arg("show").arg(&wheel))?;
    println!("{}", shown.trim());
    if !shown.contains("manylinux_2_17_x86_64") {
        return Err(format!(
            "auditwheel does not confirm manylinux_2_17 for {}",
            file_name(&wheel)
        )
        .into());
    }
    if has_target("x86_64-unknown-linux-musl")? {
        run(maturin()
            .args([
                "build",
                "--release",
                "--zig",
                "--target",
                "x86_64-unknown-linux-musl",
                "--compatibility",
                "musllinux_1_2",
                "--quiet",
                "--out",
            ])
            .arg(out))?;
    } else {
        println!(
            "musl wheel: skipped, this toolchain has no x86_64-unknown-linux-musl standard \
             library (the release workflow builds it)"
        );
    }
    run(maturin().args(["sdist", "--out"]).arg(out))?;
    Ok(())
}

fn node(out: &Path) -> Result {
    banner("dist: npm packages");
    npm_install()?;
    let platform = Platform::host()?;
    let addon = if platform.triple == "x86_64-unknown-linux-gnu" {
        addon_for_old_glibc()?
    } else {
        crate::node::build_addon(true)?
    };
    let package_dir = root().join("bindings/node");
    let manifest: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(package_dir.join("package.json"))?)?;
    let version = manifest["version"]
        .as_str()
        .ok_or("package.json has no version")?
        .to_owned();
    let stage = target_dir().join("xtask").join("npm-stage");
    if stage.exists() {
        fs::remove_dir_all(&stage)?;
    }

    // This platform's package: the addon and a manifest napi-rs would write.
    let pdir = stage.join(platform.package_suffix());
    fs::create_dir_all(&pdir)?;
    fs::copy(&addon, pdir.join(platform.addon_file()))?;
    fs::write(
        pdir.join("package.json"),
        serde_json::to_string_pretty(&platform.manifest(&manifest, &version))? + "\n",
    )?;
    fs::write(
        pdir.join("README.md"),
        format!(
            "# {}\n\nThe `{}` native addon of the `tradepay` package. Install `tradepay`, \
             which depends on this package for this platform.\n",
            platform.package_name(),
            platform.triple
        ),
    )?;
    copy_licenses(&pdir)?;

    // The main package: everything but the binary, with the platform packages as optional
    // dependencies (npm installs the one whose os/cpu/libc match).
    let mdir = stage.join("tradepay");
    fs::create_dir_all(&mdir)?;
    let mut main = manifest.clone();
    let listed: Vec<String> = main["files"]
        .as_array()
        .ok_or("package.json has no files list")?
        .iter()
        .filter_map(|f| f.as_str())
        .filter(|f| !f.ends_with(".node"))
        .map(str::to_owned)
        .collect();
    main["files"] = listed
        .iter()
        .map(String::as_str)
        .chain(["LICENSE-MIT", "LICENSE-APACHE"])
        .map(|f| serde_json::json!(f))
        .collect();
    let mut optional = serde_json::Map::new();
    for triple in manifest["napi"]["targets"]
        .as_array()
        .ok_or("package.json has no napi.targets")?
    {
        let p = Platform::from_triple(triple.as_str().unwrap_or_default())?;
        optional.insert(p.package_name(), serde_json::json!(version));
    }
    main["optionalDependencies"] = serde_json::Value::Object(optional);
    if let Some(obj) = main.as_object_mut() {
        obj.remove("devDependencies");
        obj.remove("scripts");
    }
    fs::write(
        mdir.join("package.json"),
        serde_json::to_string_pretty(&main)? + "\n",
    )?;
    for entry in fs::read_dir(&package_dir)? {
        let path = entry?.path();
        let name = file_name(&path);
        if path.is_file() && (listed.iter().any(|f| glob_match(f, &name)) || name == "README.md") {
            fs::copy(&path, mdir.join(&name))?;
        }
    }
    copy_licenses(&mdir)?;

    fs::create_dir_all(out)?;
    for dir in [&mdir, &pdir] {
        run(npm()
            .args(["pack", "--pack-destination"])
            .arg(out)
            .current_dir(dir))?;
    }
    let main_tgz = out.join(format!("tradepay-{version}.tgz"));
    let listing = output(Command::new("tar").arg("-tzf").arg(&main_tgz))?;
    if listing.contains(".node") {
        return Err("the main npm package must not hold a binary".into());
    }
    Ok(())
}

/// The linux-x64-gnu addon linked by zig against glibc 2.17, as the wheel is, so that it
/// loads on the same systems (a plain build here would need this machine's glibc). zig is
/// driven through maturin's `zig cc` wrapper, from the same venv that builds the wheel.
fn addon_for_old_glibc() -> Result<PathBuf> {
    const TRIPLE: &str = "x86_64-unknown-linux-gnu";
    let python = venv(PYTHON_TOOLS)?;
    let bin = python.parent().ok_or("venv without bin/")?;
    let dir = target_dir().join("xtask").join("zig");
    fs::create_dir_all(&dir)?;
    let wrapper = |name: &str, tool: &str, args: &str| -> Result<PathBuf> {
        let path = dir.join(name);
        fs::write(
            &path,
            format!(
                "#!/bin/sh\nexport CARGO_ZIGBUILD_ZIG_COMMAND='{}'\nexport CARGO_ZIGBUILD_ZIG_COMMAND_ARGS='-m ziglang'\n\
                 exec '{}' zig {tool} -- {args} \"$@\"\n",
                python.display(),
                bin.join("maturin").display()
            ),
        )?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(&path, fs::Permissions::from_mode(0o755))?;
        }
        Ok(path)
    };
    let cc = wrapper(
        "zigcc",
        "cc",
        "-g -fno-sanitize=all -target x86_64-linux-gnu.2.17",
    )?;
    let ar = wrapper("zigar", "ar", "")?;
    run(cargo()
        .args([
            "build",
            "--release",
            "-p",
            "tradepay-node",
            "--target",
            TRIPLE,
        ])
        .env("CC_x86_64_unknown_linux_gnu", &cc)
        .env("AR_x86_64_unknown_linux_gnu", &ar)
        .env("CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_LINKER", &cc))?;
    let built = target_dir()
        .join(TRIPLE)
        .join("release")
        .join("libtradepay_node.so");
    let symbols = output(Command::new("objdump").arg("-T").arg(&built)).unwrap_or_default();
    let newest = symbols
        .split_whitespace()
        .filter_map(|w| {
            w.trim_matches(|c| c == '(' || c == ')')
                .strip_prefix("GLIBC_")
        })
        .filter_map(|v| {
            let mut it = v.split('.').map(|n| n.parse::<u32>().unwrap_or(0));
            Some((it.next()?, it.next().unwrap_or(0)))
        })
        .max();
    match newest {
        Some((2, minor)) if minor <= 17 => println!("addon needs glibc 2.{minor} at most"),
        Some((major, minor)) => {
            return Err(format!("the addon needs glibc {major}.{minor}, newer than 2.17").into())
        }
        None => println!("objdump found no versioned glibc symbol in the addon"),
    }
    Ok(built)
}

fn crates(out: &Path) -> Result {
    banner("dist: crates");
    let version = crate::versions::workspace_version_of_repo()?;
    forget_stale_package_sources(&version)?;
    // Cargo takes a registry crate of a given version to never change, so a verification
    // build of the same version in the shared target dir would reuse the last run's build
    // of our own crates. Verification gets a target dir of its own, from which our crates'
    // builds are removed first (the dependencies' builds are kept).
    let verify = target_dir().join("package-verify");
    forget_own_builds(&verify.join("debug"))?;
    let mut cmd = cargo();
    cmd.arg("package").arg("--target-dir").arg(&verify);
    for c in CRATES {
        cmd.args(["-p", c]);
    }
    run(&mut cmd)?;
    fs::create_dir_all(out)?;
    for c in CRATES {
        let name = format!("{c}-{version}.crate");
        fs::copy(verify.join("package").join(&name), out.join(&name))?;
    }
    Ok(())
}

/// `cargo package` verifies each crate against the others through a temporary local
/// registry, whose crates cargo unpacks under `$CARGO_HOME/registry/src/-<hash>/` and never
/// unpacks again for the same version: a second `dist` would verify against the first one's
/// sources. Those unpacked copies are removed first (crates.io's own directories, named
/// `index.…`, are left alone).
fn forget_stale_package_sources(version: &str) -> Result {
    let home = match std::env::var_os("CARGO_HOME") {
        Some(h) => PathBuf::from(h),
        None => match std::env::var_os("HOME") {
            Some(h) => PathBuf::from(h).join(".cargo"),
            None => return Ok(()),
        },
    };
    let Ok(registries) = fs::read_dir(home.join("registry").join("src")) else {
        return Ok(());
    };
    for registry in registries.filter_map(|e| e.ok()) {
        if file_name(&registry.path()).starts_with("index.") {
            continue;
        }
        for c in CRATES {
            let unpacked = registry.path().join(format!("{c}-{version}"));
            if unpacked.is_dir() {
                fs::remove_dir_all(&unpacked)?;
            }
        }
    }
    Ok(())
}

fn forget_own_builds(profile: &Path) -> Result {
    for sub in ["deps", ".fingerprint", "build"] {
        let Ok(entries) = fs::read_dir(profile.join(sub)) else {
            continue;
        };
        for entry in entries.filter_map(|e| e.ok()) {
            let name = file_name(&entry.path());
            if name.starts_with("tradepay") || name.starts_with("libtradepay") {
                if entry.path().is_dir() {
                    fs::remove_dir_all(entry.path())?;
                } else {
                    fs::remove_file(entry.path())?;
                }
            }
        }
    }
    Ok(())
}

fn copy_licenses(dir: &Path) -> Result {
    for name in ["LICENSE-MIT", "LICENSE-APACHE"] {
        fs::copy(root().join(name), dir.join(name))?;
    }
    Ok(())
}

/// The `files` patterns of package.json are plain names or `*.ext`.
fn glob_match(pattern: &str, name: &str) -> bool {
    match pattern.strip_prefix('*') {
        Some(suffix) => name.ends_with(suffix),
        None => pattern == name,
    }
}

fn has_target(triple: &str) -> Result<bool> {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let sysroot = output(Command::new(rustc).args(["--print", "sysroot"]))?;
    Ok(Path::new(sysroot.trim())
        .join("lib/rustlib")
        .join(triple)
        .join("lib")
        .exists())
}

pub fn files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut v: Vec<PathBuf> = fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .collect();
    v.sort();
    Ok(v)
}

/// The one file in `dir` whose name ends with `suffix`.
pub fn only(dir: &Path, suffix: &str) -> Result<PathBuf> {
    let found: Vec<PathBuf> = files(dir)?
        .into_iter()
        .filter(|p| file_name(p).ends_with(suffix))
        .collect();
    match found.as_slice() {
        [one] => Ok(one.clone()),
        _ => Err(format!(
            "expected one *{suffix} in {}, found {}",
            dir.display(),
            found.len()
        )
        .into()),
    }
}

pub fn file_name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// The test step: build `dist/`, then install it as users will.
pub fn test() -> Result {
    run_dist()?;
    banner("dist: installed with no Rust on PATH");
    let env = NoRust::new()?;
    let work = target_dir().join("xtask").join("norust");
    if work.exists() {
        fs::remove_dir_all(&work)?;
    }
    fs::create_dir_all(&work)?;
    let dist = dist_dir();

    // Python: the wheel into an empty venv, offline, then the quickstart.
    let venv_dir = work.join("venv");
    run(env.command("python3").arg("-m").arg("venv").arg(&venv_dir))?;
    let python = venv_dir.join("bin").join("python");
    run(env
        .command_at(&python)
        .args(crate::util::PIP_INSTALL)
        .arg("--no-index")
        .arg(only(&dist.join("python"), ".whl")?))?;
    run(env
        .command_at(&python)
        .arg(root().join("examples/python/quickstart.py"))
        .current_dir(&work))?;

    sandbox_command(env.command_at(&venv_dir.join("bin").join("tradepay-sandbox")))?;

    // Node: both tarballs into an empty project, offline, then the quickstart.
    let npm_dir = dist.join("npm");
    let version = crate::versions::workspace_version_of_repo()?;
    let main_tgz = npm_dir.join(format!("tradepay-{version}.tgz"));
    let platform_tgz = npm_dir.join(format!(
        "{}-{version}.tgz",
        Platform::host()?.package_name()
    ));
    let project = work.join("node");
    npm_project(&env, &project, &[&main_tgz, &platform_tgz])?;
    fs::copy(
        root().join("examples/node/quickstart.mjs"),
        project.join("quickstart.mjs"),
    )?;
    run(env
        .command("node")
        .arg("quickstart.mjs")
        .current_dir(&project))?;

    // Without its platform package, the loader says which package is missing.
    let bare = work.join("node-without-platform");
    npm_project(&env, &bare, &[&main_tgz])?;
    let out = env
        .command("node")
        .args(["-e", "require('tradepay')"])
        .current_dir(&bare)
        .output()?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    let wanted = Platform::host()?.package_name();
    if out.status.success() || !stderr.contains(&format!("npm install {wanted}@{version}")) {
        return Err(format!(
            "without {wanted}, require('tradepay') should fail naming it; it printed: {stderr}"
        )
        .into());
    }
    println!("without {wanted}, require('tradepay') names the package to install");

    // The sdist builds from source where Rust is (debug profile: the check is that it builds).
    banner("dist: the sdist builds from source");
    let sdist_venv = work.join("sdist-venv");
    run(Command::new("python3")
        .arg("-m")
        .arg("venv")
        .arg(&sdist_venv))?;
    let python = sdist_venv.join("bin").join("python");
    run(Command::new(&python)
        .args(crate::util::PIP_INSTALL)
        .arg(only(&dist.join("python"), ".tar.gz")?)
        .env("CARGO_TARGET_DIR", target_dir())
        .env("MATURIN_PEP517_ARGS", "--profile dev"))?;
    run(Command::new(&python)
        .arg(root().join("examples/python/quickstart.py"))
        .current_dir(&work))
}

/// Starts an installed `tradepay-sandbox` command, reads its first line (the JSON with the
/// URL and credentials), stops it with SIGTERM and expects a clean exit.
fn sandbox_command(mut cmd: Command) -> Result {
    use std::io::BufRead as _;
    let shown = format!("{:?}", cmd.get_program());
    let mut child = cmd
        .args(["--port", "0"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start {shown}: {e}"))?;
    let mut line = String::new();
    let stdout = child.stdout.take().ok_or("no stdout")?;
    std::io::BufReader::new(stdout).read_line(&mut line)?;
    let parsed: serde_json::Value = serde_json::from_str(line.trim())
        .map_err(|e| format!("{shown} printed {line:?}, not its JSON line: {e}"))?;
    let url = parsed["url"].as_str().unwrap_or_default().to_owned();
    run(Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .env_remove("PATH")
        .env("PATH", "/usr/bin:/bin"))?;
    let status = child.wait()?;
    if !url.starts_with("http://127.0.0.1:") || !status.success() {
        return Err(format!("{shown}: url {url:?}, exit {status}").into());
    }
    println!("{shown} served {url} and stopped cleanly on SIGTERM");
    Ok(())
}

fn npm_project(env: &NoRust, dir: &Path, tarballs: &[&Path]) -> Result {
    fs::create_dir_all(dir)?;
    fs::write(
        dir.join("package.json"),
        r#"{ "name": "tradepay-smoke", "version": "1.0.0", "private": true }"#,
    )?;
    run(env
        .command("npm")
        .args([
            "install",
            "--offline",
            "--no-package-lock",
            "--no-audit",
            "--no-fund",
            "--loglevel=error",
        ])
        .args(tarballs)
        .current_dir(dir))
}

/// An environment in which no Rust toolchain can be found: PATH holds only links to the
/// programs a user needs (python3, node, npm), and cargo's and rustup's variables are unset.
struct NoRust {
    bin: PathBuf,
}

impl NoRust {
    fn new() -> Result<NoRust> {
        let bin = target_dir().join("xtask").join("norust-bin");
        if bin.exists() {
            fs::remove_dir_all(&bin)?;
        }
        fs::create_dir_all(&bin)?;
        // The interpreters themselves, not version-manager shims (pyenv's are bash scripts
        // that would need the whole PATH).
        let python =
            output(Command::new("python3").args(["-c", "import sys; print(sys.executable)"]))?;
        let node = output(Command::new("node").args(["-p", "process.execPath"]))?;
        let npm = output(Command::new("sh").args(["-c", "command -v npm"]))?;
        let sh = output(Command::new("sh").args(["-c", "command -v sh"]))?;
        for (program, found) in [
            ("python3", python),
            ("node", node),
            ("npm", npm),
            ("sh", sh),
        ] {
            let target = fs::canonicalize(found.trim())?;
            #[cfg(unix)]
            std::os::unix::fs::symlink(&target, bin.join(program))?;
            #[cfg(not(unix))]
            fs::copy(&target, bin.join(program))?;
        }
        let env = NoRust { bin };
        let probe = env
            .command("sh")
            .args([
                "-c",
                "command -v cargo || command -v rustc || command -v rustup",
            ])
            .output()?;
        if probe.status.success() {
            return Err(format!(
                "a Rust tool is still reachable: {}",
                String::from_utf8_lossy(&probe.stdout)
            )
            .into());
        }
        Ok(env)
    }

    fn command(&self, program: &str) -> Command {
        self.command_at(&self.bin.join(program))
    }

    fn command_at(&self, program: &Path) -> Command {
        let mut c = Command::new(program);
        c.env("PATH", &self.bin);
        for var in [
            "CARGO",
            "CARGO_HOME",
            "CARGO_TARGET_DIR",
            "RUSTC",
            "RUSTUP_HOME",
            "RUSTUP_TOOLCHAIN",
            "CARGO_MANIFEST_DIR",
        ] {
            c.env_remove(var);
        }
        c
    }
}
