//! `Sandbox`: the embedded gateway emulator, started on napi's tokio runtime.

use std::sync::Mutex;
use std::time::Duration;

use napi::bindgen_prelude::{PromiseRaw, ToNapiValue, Unknown};
use napi::Env;
use napi_derive::napi;
use serde_json::Value;
use tradepay_sandbox::{FaultRule, Outcome, Sandbox, SandboxError};

use crate::convert::{seconds, to_js, Listing};
use crate::failure::{guarded, napi_err, spawn, sync_guard, Failure};
use crate::js;
use tradepay_types::describe;

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

fn sandbox_failure(message: impl Into<String>) -> Failure {
    Failure {
        class: describe::ERROR_CLASSES[0].name,
        message: message.into(),
        ..Failure::default()
    }
}

fn sandbox_error(e: SandboxError) -> Failure {
    Failure {
        class: describe::error_class(e.kind()),
        message: e.shown_message(),
        ..Failure::default()
    }
}

/// The Promise every sandbox method returns.
type Reply<'env> = napi::Result<PromiseRaw<'env, Value>>;

impl NativeSandbox {
    /// Runs a control operation at once (each is a short, in-memory step) and settles the
    /// returned Promise with its outcome; a panic becomes a TradepayError.
    fn now<'env, T: ToNapiValue + Send + 'static>(
        &self,
        env: &'env Env,
        f: impl FnOnce() -> Result<T, Failure>,
    ) -> napi::Result<PromiseRaw<'env, T>> {
        let done = sync_guard(f);
        spawn(env, done, false, |v| async move { Ok(v) })
    }

    fn with<T>(&self, f: impl FnOnce(&Sandbox) -> Result<T, Failure>) -> Result<T, Failure> {
        let guard = self
            .inner
            .lock()
            .map_err(|_| sandbox_failure("the sandbox is unusable after a panic"))?;
        match guard.as_ref() {
            Some(sb) => f(sb),
            None => Err(sandbox_error(SandboxError::Closed)),
        }
    }
}

/// Starts a sandbox on 127.0.0.1 with the options of `tradepay_sandbox::options` (seed,
/// accessNo, secret, webhookSecret, port; generated credentials for those not given).
#[napi(js_name = "startSandbox", ts_return_type = "Promise<NativeSandbox>")]
pub fn start_sandbox<'env>(
    env: &'env Env,
    options: Option<Unknown<'env>>,
) -> napi::Result<PromiseRaw<'env, NativeSandbox>> {
    crate::log::install();
    let prepared = sync_guard(|| {
        let given = options.as_ref().map(js::Js::new);
        let map = match given {
            Some(o) if !matches!(js::kind(o), "undefined" | "null") => {
                match js::to_value(o, "options")? {
                    Some(Value::Object(map)) => map,
                    _ => return Err(Failure::validation(Some("options"), "must be an object")),
                }
            }
            _ => serde_json::Map::new(),
        };
        tradepay_sandbox::options::config_from_options(&map, true).map_err(sandbox_error)
    });
    spawn(env, prepared, false, |config| async move {
        let sb = Sandbox::start(config).await.map_err(sandbox_error)?;
        Ok(NativeSandbox {
            url: sb.url().to_string(),
            access_no: sb.access_no().to_string(),
            secret: sb.secret().to_string(),
            webhook_secret: sb.webhook_secret().to_string(),
            inner: Mutex::new(Some(sb)),
        })
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
    #[napi(ts_return_type = "Promise<unknown>")]
    pub fn complete<'env>(
        &self,
        env: &'env Env,
        trade_id: Option<Unknown<'env>>,
        outcome: Option<Unknown<'env>>,
    ) -> Reply<'env> {
        self.now(env, || {
            let trade_id = js::string_arg(trade_id.as_ref(), "tradeId")?;
            let outcome: Outcome = js::string_arg(outcome.as_ref(), "outcome")?
                .parse()
                .map_err(sandbox_error)?;
            let trade = self.with(|sb| sb.complete(&trade_id, outcome).map_err(sandbox_error))?;
            to_js(&trade)
        })
    }

    /// Moves the sandbox clock forward (order timers, delayed results).
    #[napi(ts_return_type = "Promise<void>")]
    pub fn advance_clock<'env>(
        &self,
        env: &'env Env,
        seconds_: Option<Unknown<'env>>,
    ) -> Reply<'env> {
        self.now(env, || {
            let n = match seconds_.as_ref() {
                Some(s) => js::number_arg(js::Js::new(s), "seconds")?,
                None => None,
            };
            let n = n.ok_or_else(|| Failure::validation(Some("seconds"), "must be a number"))?;
            let by: Duration = seconds(n, "seconds")?;
            self.with(|sb| {
                sb.advance_clock(by);
                Ok(Value::Null)
            })
        })
    }

    /// Replaces the fault rules: `[{ kind, trans_type?, count?, probability?, seed?, delay_ms?, retry_after? }]`.
    #[napi(ts_return_type = "Promise<void>")]
    pub fn set_faults<'env>(&self, env: &'env Env, rules: Option<Unknown<'env>>) -> Reply<'env> {
        self.now(env, || {
            let rules = match rules.as_ref() {
                Some(r) => js::to_value(js::Js::new(r), "rules")?,
                None => None,
            };
            let rules =
                FaultRule::list_from_json(rules.unwrap_or(Value::Null)).map_err(sandbox_error)?;
            self.with(|sb| sb.set_faults(rules).map_err(sandbox_error))?;
            Ok(Value::Null)
        })
    }

    /// Removes every fault rule.
    #[napi(ts_return_type = "Promise<void>")]
    pub fn clear_faults<'env>(&self, env: &'env Env) -> Reply<'env> {
        self.now(env, || {
            self.with(|sb| {
                sb.clear_faults();
                Ok(Value::Null)
            })
        })
    }

    /// Every order with its charge count and refunded total, oldest first.
    #[napi(ts_return_type = "Promise<unknown>")]
    pub fn ledger<'env>(&self, env: &'env Env) -> napi::Result<PromiseRaw<'env, Listing>> {
        self.now(env, || self.with(|sb| Listing::of(&sb.ledger())))
    }

    /// Every order as QUERY would return it, oldest first.
    #[napi(ts_return_type = "Promise<unknown>")]
    pub fn orders<'env>(&self, env: &'env Env) -> napi::Result<PromiseRaw<'env, Listing>> {
        self.now(env, || self.with(|sb| Listing::of(&sb.orders())))
    }

    /// Every refund as REFUND_QUERY would return it, oldest first.
    #[napi(ts_return_type = "Promise<unknown>")]
    pub fn refunds<'env>(&self, env: &'env Env) -> napi::Result<PromiseRaw<'env, Listing>> {
        self.now(env, || self.with(|sb| Listing::of(&sb.refunds())))
    }

    /// Every webhook delivery so far.
    #[napi(ts_return_type = "Promise<unknown>")]
    pub fn webhook_deliveries<'env>(
        &self,
        env: &'env Env,
    ) -> napi::Result<PromiseRaw<'env, Listing>> {
        self.now(env, || {
            self.with(|sb| Listing::of(&sb.webhook_deliveries()))
        })
    }

    /// Forgets every order, refund, token, delivery and fault, and resets the clock.
    #[napi(ts_return_type = "Promise<void>")]
    pub fn reset<'env>(&self, env: &'env Env) -> Reply<'env> {
        self.now(env, || {
            self.with(|sb| {
                sb.reset();
                Ok(Value::Null)
            })
        })
    }

    /// Stops the server; later calls fail.
    #[napi]
    pub async fn close(&self) -> napi::Result<()> {
        let sb = self.inner.lock().ok().and_then(|mut g| g.take());
        let stop = async move {
            if let Some(sb) = sb {
                sb.shutdown().await;
            }
            Ok(())
        };
        guarded(stop, false).await.map_err(napi_err)
    }
}

/// How `sandboxCliStop` reaches the running command: one per process, as the command is.
static CLI_STOP: Mutex<Option<tokio::sync::oneshot::Sender<()>>> = Mutex::new(None);

/// The `tradepay-sandbox` command of the npm package (`bin/tradepay-sandbox.js`): the Rust
/// binary's flags and first JSON line, served on a thread of its own; resolves to the exit
/// code once `sandboxCliStop` (which the script calls on SIGINT or SIGTERM) stops it.
#[napi(js_name = "sandboxCli", ts_return_type = "Promise<number>")]
pub fn sandbox_cli<'env>(env: &'env Env, args: Vec<String>) -> napi::Result<PromiseRaw<'env, u32>> {
    let (stop, stopped) = tokio::sync::oneshot::channel();
    let (done, exit) = tokio::sync::oneshot::channel();
    if let Ok(mut slot) = CLI_STOP.lock() {
        *slot = Some(stop);
    }
    // A panic ends the thread and drops `done`: the command then exits with 1.
    std::thread::spawn(move || {
        let code = tradepay_sandbox::cli::run_until(&args, Some(stopped));
        let _ = done.send(u32::from(code));
    });
    spawn(env, Ok(()), false, |()| async move {
        Ok(exit.await.unwrap_or(1))
    })
}

/// Stops the command `sandboxCli` started (nothing if none runs).
#[napi(js_name = "sandboxCliStop")]
pub fn sandbox_cli_stop() {
    if let Some(stop) = CLI_STOP.lock().ok().and_then(|mut s| s.take()) {
        let _ = stop.send(());
    }
}
