//! The `tradepay-sandbox` command: serves the sandbox gateway until SIGINT or SIGTERM.
//!
//! Prints one JSON line, `{"url","access_no","secret","webhook_secret"}`, once it listens.

use crate::{Sandbox, SandboxConfig, TlsConfig};
use std::io::Write as _;

const USAGE: &str = "usage: tradepay-sandbox [--port N] [--host IP] [--access-no S] [--secret S] \
[--webhook-secret whsec_...] [--seed N] [--timestamp-window SECONDS] [--tls-cert cert.pem --tls-key key.pem] \
[--webhook-ca ca.pem] [--max-connections N] [--read-timeout SECONDS] [--allow-remote]";

fn parse(args: &[String]) -> Result<SandboxConfig, String> {
    let mut config = SandboxConfig::default();
    let (mut cert, mut key) = (None, None);
    let mut i = 0;
    while i < args.len() {
        let flag = args[i].as_str();
        if flag == "-h" || flag == "--help" {
            return Err(String::new());
        }
        if flag == "--allow-remote" {
            config.allow_remote = true;
            i += 1;
            continue;
        }
        let (name, value) = match flag.split_once('=') {
            Some((n, v)) => (n, v.to_owned()),
            None => {
                i += 1;
                let v = args.get(i).ok_or_else(|| format!("{flag} needs a value"))?;
                (flag, v.clone())
            }
        };
        match name {
            "--port" => config.port = value.parse().map_err(|_| format!("bad --port {value}"))?,
            "--host" => config.host = value.parse().map_err(|_| format!("bad --host {value}"))?,
            "--access-no" => config.access_no = Some(value),
            "--secret" => config.secret = Some(value),
            "--webhook-secret" => config.webhook_secret = Some(value),
            "--seed" => config.seed = value.parse().map_err(|_| format!("bad --seed {value}"))?,
            "--tls-cert" => cert = Some(value),
            "--tls-key" => key = Some(value),
            "--webhook-ca" => {
                config.webhook_ca =
                    Some(std::fs::read(&value).map_err(|e| format!("cannot read {value}: {e}"))?)
            }
            "--max-connections" => {
                config.max_connections = value
                    .parse()
                    .map_err(|_| format!("bad --max-connections {value}"))?
            }
            "--timestamp-window" => {
                let secs: f64 = value
                    .parse()
                    .map_err(|_| format!("bad --timestamp-window {value}"))?;
                config.timestamp_window =
                    tradepay_types::duration::from_secs_f64("--timestamp-window", secs)
                        .map_err(|e| e.to_string())?;
            }
            "--read-timeout" => {
                let secs: f64 = value
                    .parse()
                    .map_err(|_| format!("bad --read-timeout {value}"))?;
                config.read_timeout =
                    tradepay_types::duration::from_secs_f64("--read-timeout", secs)
                        .map_err(|e| e.to_string())?;
            }
            other => return Err(format!("unknown option {other}")),
        }
        i += 1;
    }
    match (cert, key) {
        (None, None) => {}
        (Some(cert), Some(key)) => {
            let read = |p: &str| std::fs::read(p).map_err(|e| format!("cannot read {p}: {e}"));
            config.tls = Some(TlsConfig {
                cert_pem: read(&cert)?,
                key_pem: read(&key)?,
            });
        }
        _ => return Err("--tls-cert and --tls-key go together".into()),
    }
    Ok(config)
}

/// Resolves on SIGINT or SIGTERM. Built before the JSON line is printed, so that a
/// supervisor that signals as soon as it reads the line still gets a clean exit.
fn stop_signal() -> std::io::Result<impl std::future::Future<Output = ()>> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut term = signal(SignalKind::terminate())?;
        let mut int = signal(SignalKind::interrupt())?;
        Ok(async move {
            tokio::select! {
                _ = int.recv() => {}
                _ = term.recv() => {}
            }
        })
    }
    #[cfg(not(unix))]
    {
        Ok(async move {
            let _ = tokio::signal::ctrl_c().await;
        })
    }
}

/// Runs the command with `args` (without the program name) and returns its exit code: 0
/// after a clean stop, 2 for bad flags, 1 when the sandbox cannot start. The binary, the
/// Python console script and the npm `bin` all call this, so the flags and the first line
/// are the same everywhere.
pub fn run(args: &[String]) -> u8 {
    run_until(args, None)
}

/// [`run`], stopped by `stop` (a send, or the sender dropped) instead of by signals: for a
/// host that owns the process's signals itself, like Node, whose own SIGTERM handling would
/// fight a second handler.
pub fn run_until(args: &[String], stop: Option<tokio::sync::oneshot::Receiver<()>>) -> u8 {
    let config = match parse(args) {
        Ok(c) => c,
        Err(e) if e.is_empty() => {
            println!("{USAGE}");
            return 0;
        }
        Err(e) => {
            eprintln!("tradepay-sandbox: {e}");
            eprintln!("{USAGE}");
            return 2;
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("tradepay-sandbox: cannot start the runtime: {e}");
            return 1;
        }
    };
    runtime.block_on(async {
        let sandbox = match Sandbox::start(config).await {
            Ok(s) => s,
            Err(e) => {
                eprintln!("tradepay-sandbox: {e}");
                return 1;
            }
        };
        let stopped: std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>> = match stop {
            Some(rx) => Box::pin(async move {
                let _ = rx.await;
            }),
            None => match stop_signal() {
                Ok(s) => Box::pin(s),
                Err(e) => {
                    eprintln!("tradepay-sandbox: cannot listen for signals: {e}");
                    return 1;
                }
            },
        };
        let line = serde_json::json!({
            "url": sandbox.url(),
            "access_no": sandbox.access_no(),
            "secret": sandbox.secret(),
            "webhook_secret": sandbox.webhook_secret(),
        });
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{line}");
        let _ = out.flush();
        drop(out);
        stopped.await;
        sandbox.shutdown().await;
        0
    })
}
