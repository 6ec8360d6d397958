//! `cargo xtask`: the project's one entry point for tests, the demo, benchmarks and fuzzing.
//!
//! `cargo xtask test` is what CI runs: it installs what it needs (a Python venv under
//! `target/xtask/`, npm packages under `bindings/node/`) and runs every suite in every
//! language against one shared target directory.

mod audit;
mod bench;
mod bindings_bench;
mod browser;
mod codegen;
mod dist;
mod docs;
mod fuzz;
mod node;
mod platform;
mod postgres;
mod python;
mod rust;
mod sandbox_command;
mod soak;
mod util;
mod versions;
mod webhooks;
mod workflows;

use util::Result;

/// One suite of `cargo xtask test`.
type Step = (&'static str, fn() -> Result);

const USAGE: &str = "usage: cargo xtask <test | demo | bench | fuzz [SECONDS] | soak [N] | codegen | audit | dist | docs>
  test     fmt, clippy, every Rust test, codegen --check, audit, versions, workflows, dist, webhook cross-check, browser, Python, Node, docs
  demo     run the Rust quickstart against the embedded sandbox
  bench    benchmarks, each printed as a ratio against a baseline measured in the same run
  fuzz     run the cargo-fuzz targets (default 60 s each)
  soak     the Rust, Python and Node chaos tests with N operations each (default 100000), timed
  codegen  write the typed surfaces (_enums.py, _errors.py, _native.pyi, errors.js, index.d.ts,
           docs/reference.md) from the core's description, regenerate the conformance vectors
           in tests/vectors (signatures computed by Python's hmac, independently of the Rust
           code) and with `--check`, fail if anything differs from what git has staged
  dist     the wheel, sdist, npm packages and crates users install, into dist/
  docs     rustdoc, pdoc and typedoc reference docs into target/docs (fails on warnings)
  audit    cargo deny check bans licenses sources (the policy in deny.toml)";

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let outcome = match args.first().map(String::as_str) {
        Some("test") => test(&args[1..]),
        Some("demo") => rust::demo(),
        Some("bench") => bench::run(&args[1..]),
        Some("fuzz") => fuzz::run(&args[1..]),
        Some("soak") => soak::run_soak(&args[1..]),
        Some("codegen") => codegen(args.get(1).is_some_and(|a| a == "--check")),
        Some("audit") => audit::run_audit(),
        Some("dist") => dist::run_dist(),
        Some("docs") => docs::run_docs(),
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
        ("codegen", || codegen(true)),
        ("audit", audit::run_audit),
        ("versions", versions::check),
        ("workflows", workflows::lint),
        ("dist", dist::test),
        ("webhooks", webhooks::crosscheck),
        ("browser", browser::test),
        ("python", python::test),
        ("node", node::test),
        ("docs", docs::run_docs),
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

/// Regenerates the typed surfaces and the vectors (with `check`, fails if either differs
/// from what is committed): a diff means a generated file was edited by hand or the
/// description changed, and either way it should be looked at before committing.
fn codegen(check: bool) -> Result {
    codegen::run(check)?;
    let root = util::root();
    util::run(
        std::process::Command::new("python3")
            .arg(root.join("tests/vectors/generate.py"))
            .current_dir(&root),
    )?;
    util::run(
        std::process::Command::new("git")
            .args(["diff", "--stat", "--exit-code", "--", "tests/vectors"])
            .current_dir(&root),
    )
    .map_err(|_| "the regenerated vectors differ from the committed ones (see git diff)".into())
}
