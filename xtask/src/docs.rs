//! `cargo xtask docs`: the reference documentation, built into `target/docs/` and failing on
//! any warning: rustdoc for the four crates, pdoc for the Python package (plus a census that
//! every public entry has a docstring), typedoc for the Node package's `index.d.ts`.

use std::fs;
use std::process::Command;

use crate::dist::CRATES;
use crate::python::in_venv;
use crate::util::{cargo, root, run, target_dir, venv, Result};

const PYTHON_TOOLS: &[&str] = &["maturin>=1.7,<2", "pdoc"];

pub fn run_docs() -> Result {
    let out = target_dir().join("docs");
    if out.exists() {
        fs::remove_dir_all(&out)?;
    }
    fs::create_dir_all(&out)?;
    rust(&out)?;
    python(&out)?;
    node(&out)?;
    println!("reference docs in {}", out.display());
    Ok(())
}

fn rust(out: &std::path::Path) -> Result {
    crate::util::banner("docs: rustdoc");
    let mut cmd = cargo();
    cmd.args(["doc", "--no-deps"])
        .env("RUSTDOCFLAGS", "-D warnings");
    for c in CRATES {
        cmd.args(["-p", c]);
    }
    run(&mut cmd)?;
    copy_dir(&target_dir().join("doc"), &out.join("rust"))
}

fn python(out: &std::path::Path) -> Result {
    crate::util::banner("docs: pdoc");
    let python = venv(PYTHON_TOOLS)?;
    // The same build the Python suite installs, so this step does not rebuild it.
    run(in_venv(&python, "maturin")
        .args(["develop", "--quiet", "--features", "test-hooks"])
        .current_dir(root().join("bindings/python")))?;
    run(in_venv(&python, "python").arg(root().join("xtask/docs-tools/docstrings.py")))?;
    let result = in_venv(&python, "python")
        .args(["-m", "pdoc", "tradepay", "-o"])
        .arg(out.join("python"))
        .output()?;
    let stderr = String::from_utf8_lossy(&result.stderr);
    if !result.status.success() || stderr.to_lowercase().contains("warn") {
        return Err(format!("pdoc failed or warned:\n{stderr}").into());
    }
    Ok(())
}

fn node(out: &std::path::Path) -> Result {
    crate::util::banner("docs: typedoc");
    crate::node::npm_install()?;
    let tools = root().join("xtask/docs-tools");
    if !tools.join("node_modules/.bin/typedoc").exists() {
        run(crate::node::npm().arg("ci").current_dir(&tools))?;
    }
    // treatWarningsAsErrors in typedoc.json: an undocumented export fails the step.
    run(Command::new(tools.join("node_modules/.bin/typedoc"))
        .arg("--out")
        .arg(out.join("node"))
        .current_dir(&tools))
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) -> Result {
    fs::create_dir_all(to)?;
    for entry in fs::read_dir(from)? {
        let entry = entry?;
        let dest = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &dest)?;
        } else {
            fs::copy(entry.path(), dest)?;
        }
    }
    Ok(())
}
