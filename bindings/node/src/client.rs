//! `Client`: the Rust client behind Promises. Each method reads its arguments on the JS
//! thread (see [`crate::js`]), then awaits the Rust future on napi's tokio runtime (never on
//! the JS thread) and converts the result. A method never throws: every failure, bad
//! arguments and panics included, rejects its Promise.

use std::sync::RwLock;
use std::time::Duration;

use napi::bindgen_prelude::{PromiseRaw, Unknown};
use napi::Env;
use napi_derive::napi;
use serde_json::Value;
use tradepay_transport::options::{self, Spelling};
use tradepay_transport::Client;

use crate::convert::{self, ms, to_js};
use crate::failure::{napi_err, spawn, sync_guard, Failure};
use crate::js;

/// The Promise every client method returns.
type Reply<'env> = napi::Result<PromiseRaw<'env, Value>>;

/// The native client; `index.js` wraps it as `Client`.
#[napi]
pub struct NativeClient {
    // `close()` drops the pool; requests already running keep their own handle.
    inner: RwLock<Option<Client>>,
}

impl NativeClient {
    fn client(&self) -> Result<Client, Failure> {
        self.inner
            .read()
            .ok()
            .and_then(|c| c.clone())
            .ok_or_else(|| Failure::from(tradepay_transport::Error::client_closed()))
    }

    /// Reads the request of `what` (with its duration options) and the client, on the JS
    /// thread, with panics reported as TradepayErrors.
    fn prepare<T>(
        &self,
        req: Option<&Unknown<'_>>,
        what: &str,
        durations: &[&str],
        f: impl FnOnce(serde_json::Map<String, Value>, Vec<Option<f64>>) -> Result<T, Failure>,
    ) -> Result<(Client, T), Failure> {
        sync_guard(|| {
            let (map, nums) = js::request(req, what, durations)?;
            let value = f(map, nums)?;
            Ok((self.client()?, value))
        })
    }
}

fn duration(n: Option<f64>, key: &str, default: Duration) -> Result<Duration, Failure> {
    n.map_or(Ok(default), |v| ms(v, key))
}

#[napi]
impl NativeClient {
    /// Builds the client from its options (`tradepay_types::describe::CLIENT_OPTIONS`);
    /// refuses bad options with a ValidationError (nothing is sent).
    #[napi(constructor, catch_unwind)]
    pub fn new(options: Option<Unknown<'_>>) -> napi::Result<NativeClient> {
        let build = || -> Result<Client, Failure> {
            // Durations are read as raw numbers (JSON has no NaN), the rest as JSON; the
            // core's table then names, checks and defaults every option.
            let durations: Vec<&str> = options::duration_names(Spelling::Node).collect();
            let (map, nums) = js::request(options.as_ref(), "new Client()", &durations)?;
            let numbers: Vec<(String, f64)> = durations
                .iter()
                .zip(nums)
                .filter_map(|(k, n)| n.map(|n| ((*k).to_owned(), n)))
                .collect();
            let builder = options::client_builder(&map, &numbers, Spelling::Node)?;
            Ok(options::build(builder, Spelling::Node)?)
        };
        let client = sync_guard(build).map_err(napi_err)?;
        Ok(NativeClient {
            inner: RwLock::new(Some(client)),
        })
    }

    /// PAY.
    #[napi(ts_return_type = "Promise<unknown>")]
    pub fn pay<'env>(&self, env: &'env Env, req: Option<Unknown<'env>>) -> Reply<'env> {
        let prepared = self.prepare(req.as_ref(), "pay", &[], |m, _| convert::pay(m));
        spawn(env, prepared, true, |(client, request)| async move {
            to_js(&client.pay(request).await?)
        })
    }

    /// QUERY.
    #[napi(ts_return_type = "Promise<unknown>")]
    pub fn query<'env>(&self, env: &'env Env, req: Option<Unknown<'env>>) -> Reply<'env> {
        let prepared = self.prepare(req.as_ref(), "query", &[], |m, _| convert::order(&m));
        spawn(
            env,
            prepared,
            true,
            |(client, (order, merchant))| async move { to_js(&client.query(order, &merchant).await?) },
        )
    }

    /// REFUND.
    #[napi(ts_return_type = "Promise<unknown>")]
    pub fn refund<'env>(&self, env: &'env Env, req: Option<Unknown<'env>>) -> Reply<'env> {
        let prepared = self.prepare(req.as_ref(), "refund", &[], |m, _| convert::refund(&m));
        spawn(env, prepared, true, |(client, request)| async move {
            to_js(&client.refund(request).await?)
        })
    }

    /// REFUND_QUERY.
    #[napi(ts_return_type = "Promise<unknown>")]
    pub fn refund_query<'env>(&self, env: &'env Env, req: Option<Unknown<'env>>) -> Reply<'env> {
        let prepared = self.prepare(req.as_ref(), "refundQuery", &[], |m, _| {
            convert::refund_query(&m)
        });
        spawn(env, prepared, true, |(client, request)| async move {
            to_js(
                &client
                    .refund_query(&request.refund_id, &request.merchant_id)
                    .await?,
            )
        })
    }

    /// REVERSAL.
    #[napi(ts_return_type = "Promise<unknown>")]
    pub fn reverse<'env>(&self, env: &'env Env, req: Option<Unknown<'env>>) -> Reply<'env> {
        let prepared = self.prepare(req.as_ref(), "reverse", &[], |m, _| convert::order(&m));
        spawn(
            env,
            prepared,
            true,
            |(client, (order, merchant))| async move { to_js(&client.reverse(order, &merchant).await?) },
        )
    }

    /// CLOSE.
    #[napi(ts_return_type = "Promise<unknown>")]
    pub fn close_order<'env>(&self, env: &'env Env, req: Option<Unknown<'env>>) -> Reply<'env> {
        let prepared = self.prepare(req.as_ref(), "closeOrder", &[], |m, _| convert::order(&m));
        spawn(
            env,
            prepared,
            true,
            |(client, (order, merchant))| async move {
                to_js(&client.close_order(order, &merchant).await?)
            },
        )
    }

    /// QUERY until the order is final, or TimeoutError (with the last trade) at `timeoutMs`.
    #[napi(ts_return_type = "Promise<unknown>")]
    pub fn wait_final<'env>(&self, env: &'env Env, req: Option<Unknown<'env>>) -> Reply<'env> {
        let prepared = self.prepare(req.as_ref(), "waitFinal", &["timeoutMs"], |m, n| {
            let timeout = duration(n[0], "timeoutMs", tradepay_types::params::DEFAULT_WAIT)?;
            Ok((convert::order(&m)?, timeout))
        });
        spawn(
            env,
            prepared,
            true,
            |(client, ((order, merchant), timeout))| async move {
                to_js(&client.wait_final(order, &merchant, timeout).await?)
            },
        )
    }

    /// Micropay: PAY, QUERY until final, REVERSAL at `deadlineMs`.
    #[napi(ts_return_type = "Promise<unknown>")]
    pub fn micropay<'env>(&self, env: &'env Env, req: Option<Unknown<'env>>) -> Reply<'env> {
        let prepared = self.prepare(req.as_ref(), "micropay", &["deadlineMs"], |m, n| {
            let deadline = duration(
                n[0],
                "deadlineMs",
                tradepay_types::params::DEFAULT_MICROPAY_DEADLINE,
            )?;
            Ok((convert::micropay(m)?, deadline))
        });
        spawn(
            env,
            prepared,
            true,
            |(client, (request, deadline))| async move {
                to_js(&client.micropay(request, deadline).await?)
            },
        )
    }

    /// Releases the connection pool; later calls reject with a ValidationError.
    #[napi(catch_unwind)]
    pub fn close(&self) {
        if let Ok(mut c) = self.inner.write() {
            c.take();
        }
    }
}

/// Test-only (not part of the API, hidden from the docs): panics on the JS thread inside the
/// boundary every synchronous entry point uses, to prove that a panic reaches JS as a thrown
/// TradepayError with code `ERR_TRADEPAY_INTERNAL`.
#[doc(hidden)]
#[napi(js_name = "_testPanicSync")]
pub fn test_panic_sync() -> napi::Result<()> {
    sync_guard(|| -> Result<(), Failure> { panic!("_testPanic: a panic on the JS thread") })
        .map_err(napi_err)
}

/// Test-only: panics inside the future of a Promise, as the client methods run theirs, to
/// prove that the Promise settles with that TradepayError.
#[doc(hidden)]
#[napi(js_name = "_testPanicAsync", ts_return_type = "Promise<unknown>")]
pub fn test_panic_async(env: &Env) -> Reply<'_> {
    spawn(env, Ok(()), true, |()| async move {
        tokio::task::yield_now().await;
        panic!("_testPanic: a panic inside a future");
    })
}
