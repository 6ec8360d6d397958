//! The one version every package carries: `[workspace.package] version` in Cargo.toml. The
//! crates inherit it, the Python wheel takes it from Cargo (`dynamic = ["version"]`), and the
//! npm package and its lock file must state it; this step fails when any of them differs.

use crate::util::{root, Result};

pub fn check() -> Result {
    let root = root();
    let read = |p: &str| std::fs::read_to_string(root.join(p));
    let cargo = read("Cargo.toml")?;
    let version = workspace_version(&cargo).ok_or("Cargo.toml: no [workspace.package] version")?;
    let mut wrong = Vec::new();

    // Path dependencies name the version they will be published with.
    for line in cargo.lines().filter(|l| l.contains("path = \"crates/")) {
        if !line.contains(&format!("version = \"{version}\"")) {
            wrong.push(format!("Cargo.toml: {line}"));
        }
    }
    let pyproject = read("bindings/python/pyproject.toml")?;
    if !pyproject.contains("dynamic = [\"version\"]") {
        wrong.push("bindings/python/pyproject.toml: the version must come from Cargo (dynamic = [\"version\"])".into());
    }
    for (file, json) in [
        (
            "bindings/node/package.json",
            read("bindings/node/package.json")?,
        ),
        (
            "bindings/node/package-lock.json",
            read("bindings/node/package-lock.json")?,
        ),
    ] {
        let value: serde_json::Value = serde_json::from_str(&json)?;
        let mut found = vec![value["version"].as_str()];
        if file.ends_with("lock.json") {
            found.push(value["packages"][""]["version"].as_str());
        }
        for v in found {
            if v != Some(version.as_str()) {
                wrong.push(format!("{file}: version {v:?}, not {version:?}"));
            }
        }
    }
    if wrong.is_empty() {
        println!("every package is at version {version}");
        Ok(())
    } else {
        Err(format!(
            "versions differ from Cargo.toml's {version}:\n  {}",
            wrong.join("\n  ")
        )
        .into())
    }
}

/// The workspace version, read from the repository's Cargo.toml.
pub fn workspace_version_of_repo() -> Result<String> {
    let cargo = std::fs::read_to_string(root().join("Cargo.toml"))?;
    Ok(workspace_version(&cargo).ok_or("Cargo.toml: no [workspace.package] version")?)
}

fn workspace_version(cargo_toml: &str) -> Option<String> {
    let section = cargo_toml.split("[workspace.package]").nth(1)?;
    let section = section.split("\n[").next()?;
    let line = section
        .lines()
        .find(|l| l.trim_start().starts_with("version"))?;
    Some(line.split('"').nth(1)?.to_owned())
}
