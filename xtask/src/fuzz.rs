//! `cargo xtask fuzz [SECONDS] [TARGET...]`: runs each cargo-fuzz target of `fuzz/` for
//! SECONDS (default 60), seeded with the conformance vectors.
//!
//! The toolchain is stable; cargo-fuzz needs `-Z` flags, which RUSTC_BOOTSTRAP=1 unlocks.
//! No sanitizer: tradepay-types forbids unsafe code, so what the fuzzer looks for is panics,
//! failed invariants and runaway memory, which it finds without one, at full speed.

use std::path::Path;
use std::process::Command;

use crate::util::{have, root, run as run_cmd, target_dir, Result};

const TARGETS: &[&str] = &["envelope", "request", "webhook", "amount", "gateway"];

pub fn run(args: &[String]) -> Result {
    let seconds: u64 = match args.first() {
        Some(s) => s
            .parse()
            .map_err(|_| format!("fuzz: SECONDS must be a whole number, got {s:?}"))?,
        None => 60,
    };
    let chosen: Vec<&str> = if args.len() > 1 {
        args[1..].iter().map(String::as_str).collect()
    } else {
        TARGETS.to_vec()
    };
    if !have("cargo-fuzz") {
        run_cmd(Command::new("cargo").args(["install", "cargo-fuzz", "--locked"]))?;
    }
    let fuzz_dir = root().join("fuzz");
    seed_corpora(&fuzz_dir)?;
    for target in chosen {
        if !TARGETS.contains(&target) {
            return Err(format!("fuzz: unknown target {target}; targets: {TARGETS:?}").into());
        }
        crate::util::banner(&format!("fuzz {target} for {seconds} s"));
        let corpus = fuzz_dir.join("corpus").join(target);
        run_cmd(
            Command::new("cargo")
                .current_dir(&fuzz_dir)
                .env("RUSTC_BOOTSTRAP", "1")
                .env("CARGO_TARGET_DIR", target_dir().join("fuzz"))
                .args(["fuzz", "run", "--sanitizer", "none", "--release", target])
                .arg(&corpus)
                .arg("--")
                .arg(format!("-max_total_time={seconds}"))
                .arg("-rss_limit_mb=1024")
                .arg("-max_len=8192")
                .arg("-print_final_stats=1"),
        )?;
    }
    Ok(())
}

/// Writes each vector of tests/vectors into the matching target's corpus, so the fuzzer
/// starts from real envelopes, requests and deliveries rather than from nothing.
fn seed_corpora(fuzz_dir: &Path) -> Result {
    let vectors = root().join("tests").join("vectors");
    let read = |name: &str| -> Result<String> { Ok(std::fs::read_to_string(vectors.join(name))?) };
    let mut seeds: Vec<(&str, Vec<u8>)> = Vec::new();
    for (file, target, key) in [
        ("envelopes.json", "envelope", "\"body\": "),
        ("requests.json", "request", "\"body\": "),
        ("signatures.json", "envelope", "\"body\": "),
    ] {
        for body in string_values(&read(file)?, key) {
            seeds.push((target, body.into_bytes()));
        }
    }
    for (file, key) in [
        ("amounts.json", "\"input\": "),
        ("currencies.json", "\"input\": "),
    ] {
        for input in string_values(&read(file)?, key) {
            seeds.push(("amount", input.into_bytes()));
        }
    }
    for body in string_values(&read("webhooks.json")?, "\"body\": ") {
        let mut input = b"webhook-id: msg_1\nwebhook-timestamp: 1763763526\n\0".to_vec();
        input.extend_from_slice(body.as_bytes());
        seeds.push(("webhook", input));
    }
    // The gateway: each request body twice, as sent (flags 0) and re-stamped and signed
    // (flags 1), so the fuzzer starts both before and past the signature check.
    for body in string_values(&read("requests.json")?, "\"body\": ") {
        for flags in [0u8, 1u8] {
            let mut input = vec![flags];
            input.extend_from_slice(b"content-type: application/json\n\n");
            input.extend_from_slice(body.as_bytes());
            seeds.push(("gateway", input));
        }
    }
    for (i, (target, bytes)) in seeds.into_iter().enumerate() {
        let dir = fuzz_dir.join("corpus").join(target);
        std::fs::create_dir_all(&dir)?;
        std::fs::write(dir.join(format!("vector-{i:04}")), bytes)?;
    }
    Ok(())
}

/// The JSON string values that follow `key` in a vector file, unescaped. A small reader,
/// since xtask has no dependencies: it handles the escapes serde and Python write.
fn string_values(text: &str, key: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find(key) {
        rest = &rest[at + key.len()..];
        let Some(body) = rest.strip_prefix('"') else {
            continue;
        };
        let mut value = String::new();
        let mut chars = body.char_indices();
        let mut end = body.len();
        while let Some((i, c)) = chars.next() {
            match c {
                '"' => {
                    end = i + 1;
                    break;
                }
                '\\' => match chars.next().map(|(_, e)| e) {
                    Some('n') => value.push('\n'),
                    Some('t') => value.push('\t'),
                    Some('r') => value.push('\r'),
                    Some('b') => value.push('\u{8}'),
                    Some('f') => value.push('\u{c}'),
                    Some('u') => {
                        let hex: String = chars.by_ref().take(4).map(|(_, h)| h).collect();
                        if let Some(c) = u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32)
                        {
                            value.push(c);
                        }
                    }
                    Some(other) => value.push(other),
                    None => break,
                },
                c => value.push(c),
            }
        }
        out.push(value);
        rest = &body[end..];
    }
    out
}
