//! `tradepay-sandbox`: serves the sandbox gateway until SIGINT or SIGTERM.
//!
//! Prints one JSON line, `{"url","access_no","secret","webhook_secret"}`, once it listens.

use std::io::Write as _;
use std::process::ExitCode;

use tradepay_sandbox::{Sandbox, SandboxConfig, TlsConfig};

const USAGE: &str = "usage: tradepay-sandbox [--port N] [--host IP] [--access-no S] [--secret S] \
[--webhook-secret whsec_...] [--seed N] [--timestamp-window SECS] [--tls-cert cert.pem --tls-key key.pem]";

fn parse(args: &[String]) -> Result<SandboxConfig, String> {
    let mut config = SandboxConfig::default();
    let (mut cert, mut key) = (None, None);
    let mut i = 0;
    while i < args.len() {
        let flag = args[i].as_str();
        if flag == "-h" || flag == "--help" {
            return Err(String::new());
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
            "--timestamp-window" => {
                config.timestamp_window = std::time::Duration::from_secs(
                    value
                        .parse()
                        .map_err(|_| format!("bad --timestamp-window {value}"))?,
                )
            }
            "--tls-cert" => cert = Some(value),
            "--tls-key" => key = Some(value),
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

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let config = match parse(&args) {
        Ok(c) => c,
        Err(e) if e.is_empty() => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("tradepay-sandbox: {e}");
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("tradepay-sandbox: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async {
        let sandbox = match Sandbox::start(config).await {
            Ok(s) => s,
            Err(e) => {
                eprintln!("tradepay-sandbox: {e}");
                return ExitCode::FAILURE;
            }
        };
        let stopped = match stop_signal() {
            Ok(s) => s,
            Err(e) => {
                eprintln!("tradepay-sandbox: cannot listen for signals: {e}");
                return ExitCode::FAILURE;
            }
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
        ExitCode::SUCCESS
    })
}
