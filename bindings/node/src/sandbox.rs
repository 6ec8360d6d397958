//! `Sandbox`: the embedded gateway emulator, started on napi's tokio runtime.

use std::sync::Mutex;
use std::time::Duration;

use napi_derive::napi;
use serde_json::Value;
use tradepay_sandbox::{FaultRule, Outcome, Sandbox, SandboxConfig, SandboxError};

use crate::convert::{seconds, to_js};
use crate::failure::{napi_err, Failure};

/// The native sandbox; `index.js` wraps it as `Sandbox`.
#[napi]
pub struct NativeSandbox {
    // Taken by `close()`; every other method then fails with a clear message.
    inner: Mutex<Option<Sandbox>>,
    url: String,
    access_no: String,
    secret: String,
    webhook_secret: String,
}

fn sandbox_failure(e: impl std::fmt::Display) -> Failure {
    Failure {
        kind: "Tradepay",
        message: e.to_string(),
        ..Failure::default()
    }
}

fn sandbox_error(e: SandboxError) -> Failure {
    match e {
        SandboxError::Invalid(m) => Failure::validation(None, m),
        other => sandbox_failure(other),
    }
}

impl NativeSandbox {
    fn with<T>(&self, f: impl FnOnce(&Sandbox) -> Result<T, Failure>) -> Result<T, Failure> {
        let guard = self
            .inner
            .lock()
            .map_err(|_| sandbox_failure("the sandbox is unusable after a panic"))?;
        match guard.as_ref() {
            Some(sb) => f(sb),
            None => Err(sandbox_failure("the sandbox is closed")),
        }
    }
}

/// Starts a sandbox on 127.0.0.1 with generated credentials.
#[napi(js_name = "startSandbox")]
pub async fn start_sandbox() -> napi::Result<NativeSandbox> {
    let sb = Sandbox::start(SandboxConfig::default())
        .await
        .map_err(|e| napi_err(sandbox_failure(format!("cannot start the sandbox: {e}"))))?;
    Ok(NativeSandbox {
        url: sb.url().to_string(),
        access_no: sb.access_no().to_string(),
        secret: sb.secret().to_string(),
        webhook_secret: sb.webhook_secret().to_string(),
        inner: Mutex::new(Some(sb)),
    })
}

#[napi]
impl NativeSandbox {
    /// The base URL, `http://127.0.0.1:<port>`.
    #[napi(getter)]
    pub fn url(&self) -> String {
        self.url.clone()
    }

    /// The access party number.
    #[napi(getter)]
    pub fn access_no(&self) -> String {
        self.access_no.clone()
    }

    /// The access party's signing secret.
    #[napi(getter)]
    pub fn secret(&self) -> String {
        self.secret.clone()
    }

    /// The webhook secret, `whsec_…`.
    #[napi(getter)]
    pub fn webhook_secret(&self) -> String {
        self.webhook_secret.clone()
    }

    /// Completes a pending QR or 3-D Secure order as the customer would.
    #[napi]
    pub async fn complete(&self, trade_id: String, outcome: String) -> napi::Result<Value> {
        let run = || {
            let outcome: Outcome = outcome.parse().map_err(sandbox_error)?;
            let trade = self.with(|sb| sb.complete(&trade_id, outcome).map_err(sandbox_error))?;
            to_js(&trade)
        };
        run().map_err(napi_err)
    }

    /// Moves the sandbox clock forward (order timers, delayed results).
    #[napi]
    pub async fn advance_clock(&self, seconds_: f64) -> napi::Result<()> {
        let run = || {
            let by: Duration = seconds(seconds_, "seconds")?;
            self.with(|sb| {
                sb.advance_clock(by);
                Ok(())
            })
        };
        run().map_err(napi_err)
    }

    /// Replaces the fault rules: `[{ kind, trans_type?, count?, probability?, seed?, delay_ms?, retry_after? }]`.
    #[napi]
    pub async fn set_faults(&self, rules: Value) -> napi::Result<()> {
        let run = || {
            let rules: Vec<FaultRule> = serde_json::from_value(rules)
                .map_err(|e| Failure::validation(Some("rules"), e.to_string()))?;
            self.with(|sb| sb.set_faults(rules).map_err(sandbox_error))
        };
        run().map_err(napi_err)
    }

    /// Removes every fault rule.
    #[napi]
    pub async fn clear_faults(&self) -> napi::Result<()> {
        self.with(|sb| {
            sb.clear_faults();
            Ok(())
        })
        .map_err(napi_err)
    }

    /// Every request the sandbox handled, oldest first.
    #[napi]
    pub async fn ledger(&self) -> napi::Result<Value> {
        self.with(|sb| to_js(&sb.ledger())).map_err(napi_err)
    }

    /// Every order the sandbox holds.
    #[napi]
    pub async fn orders(&self) -> napi::Result<Value> {
        self.with(|sb| to_js(&sb.orders())).map_err(napi_err)
    }

    /// Stops the server; later calls fail.
    #[napi]
    pub async fn close(&self) -> napi::Result<()> {
        let sb = self.inner.lock().ok().and_then(|mut g| g.take());
        if let Some(sb) = sb {
            sb.shutdown().await;
        }
        Ok(())
    }
}
