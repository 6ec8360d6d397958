//! Checks an installed `tradepay-sandbox` command (the pip console script, the npm `bin`)
//! as a user meets it: `--help`, a bad flag, and a real start whose first stdout line is the
//! JSON the Rust binary prints, then a clean stop on SIGTERM.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use crate::util::{output, Result};

/// How long a start may take before the check fails instead of hanging the test command.
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// `make()` gives a fresh command for the installed program (its environment and directory
/// set); each check appends its own arguments.
pub fn check(what: &str, make: impl Fn() -> Command) -> Result {
    let usage = output(make().arg("--help"))?;
    if !usage.starts_with("usage: tradepay-sandbox") {
        return Err(format!("{what} --help printed {usage:?}").into());
    }
    let bad = make().arg("--port").arg("not-a-port").output()?;
    if bad.status.code() != Some(2) {
        return Err(format!("{what} --port not-a-port exited with {}", bad.status).into());
    }

    let mut child = make()
        .args(["--port", "0", "--seed", "7", "--access-no", "acc_cli"])
        .stdout(Stdio::piped())
        .spawn()?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    let line = match rx.recv_timeout(START_TIMEOUT) {
        Ok(line) => line,
        Err(_) => {
            let _ = child.kill();
            return Err(format!("{what} printed nothing in {START_TIMEOUT:?}").into());
        }
    };
    let stop = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let status = wait_bounded(&mut child)?;
    let first: serde_json::Value = serde_json::from_str(&line)
        .map_err(|e| format!("{what}'s first line is not JSON ({e}): {line:?}"))?;
    let url = first["url"].as_str().unwrap_or_default();
    if !url.starts_with("http://127.0.0.1:")
        || first["access_no"] != "acc_cli"
        || !first["secret"].is_string()
        || !first["webhook_secret"]
            .as_str()
            .unwrap_or_default()
            .starts_with("whsec_")
    {
        return Err(format!(
            "{what}'s first line lacks url, access_no, secret or webhook_secret: {line}"
        )
        .into());
    }
    if !stop.is_ok_and(|s| s.success()) || !status.success() {
        return Err(format!("{what} did not stop cleanly on SIGTERM: {status}").into());
    }
    println!("{what}: --help, a bad flag and a start at {url} behave as the Rust binary");
    Ok(())
}

/// The exit status, or an error (and a killed child) after [`START_TIMEOUT`].
fn wait_bounded(child: &mut std::process::Child) -> Result<std::process::ExitStatus> {
    let start = std::time::Instant::now();
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(status);
        }
        if start.elapsed() > START_TIMEOUT {
            let _ = child.kill();
            return Err(format!("no exit {START_TIMEOUT:?} after SIGTERM").into());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}
