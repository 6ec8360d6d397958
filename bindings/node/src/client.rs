//! `Client`: the Rust client behind Promises. A call reads its arguments on the JS thread
//! (see [`crate::js`]) through the core's `Call::read`, then awaits the Rust future on
//! napi's tokio runtime (never on the JS thread) and converts the result. A method never throws: every failure, bad
//! arguments and panics included, rejects its Promise.

use std::sync::{Arc, RwLock};

use napi::bindgen_prelude::{PromiseRaw, Unknown};
use napi::Env;
use napi_derive::napi;
use serde_json::Value;
use tradepay_transport::call::duration_option;
use tradepay_transport::options::{self, Spelling};
use tradepay_transport::{Answer, Call, CallOptions, Client};

use tracing::Instrument;

use crate::abort::CallAbort;
use crate::convert::to_js;
use crate::failure::{napi_err, spawn, sync_guard, Failure};
use crate::hooks::{Dispatch, NodeHooks};
use crate::js;
use crate::log::{LoggerFn, Route};

/// The Promise every client method returns.
type Reply<'env> = napi::Result<PromiseRaw<'env, Value>>;

/// The native client; `index.js` wraps it as `Client`.
#[napi]
pub struct NativeClient {
    // `close()` drops the pool; requests already running keep their own handle. Shared
    // with the clients `withOptions` made, which close with it, as are the listeners and
    // the logger.
    inner: Arc<RwLock<Option<Client>>>,
    overrides: CallOptions,
    hooks: Arc<NodeHooks>,
    route: Option<Arc<Route>>,
}

impl NativeClient {
    /// The client a call uses: the shared one, with this one's and the call's overrides.
    fn client(&self, call: &CallOptions) -> Result<Client, Failure> {
        let client = self
            .inner
            .read()
            .ok()
            .and_then(|c| c.clone())
            .ok_or_else(|| Failure::from(tradepay_transport::Error::client_closed()))?;
        let overrides = self.overrides.then(call);
        if overrides == CallOptions::default() {
            return Ok(client);
        }
        Ok(client.with_options(&overrides)?)
    }
}

/// Per-call options (`{ timeoutMs, maxRetries, deadlineMs }`) read by the core's reader.
fn call_options(given: Option<&Unknown<'_>>, what: &str) -> Result<CallOptions, Failure> {
    let durations: Vec<&str> = options::per_call()
        .filter(|o| o.ty == tradepay_types::describe::OptionType::Duration)
        .map(|o| Spelling::Node.name(o))
        .collect();
    let (map, nums) = js::request(given, what, &durations)?;
    let numbers: Vec<(String, f64)> = durations
        .iter()
        .zip(nums)
        .filter_map(|(k, n)| n.map(|n| ((*k).to_owned(), n)))
        .collect();
    Ok(options::call_options(&map, &numbers, Spelling::Node)?)
}

#[napi]
impl NativeClient {
    /// Builds the client from its options (`tradepay_types::describe::CLIENT_OPTIONS`);
    /// refuses bad options with a ValidationError (nothing is sent).
    #[napi(constructor, catch_unwind)]
    pub fn new(
        options: Option<Unknown<'_>>,
        logger: Option<Unknown<'_>>,
        log_line: Option<LoggerFn>,
    ) -> napi::Result<NativeClient> {
        crate::log::install();
        let hooks = Arc::new(NodeHooks::default());
        let build = || -> Result<(Client, Option<Arc<Route>>), Failure> {
            let route = match logger.as_ref().map(js::Js::new) {
                None => None,
                Some(l) if matches!(js::kind(l), "undefined" | "null") => None,
                Some(l) => {
                    let is_method = |m: &str| {
                        js::property(l, m)
                            .is_ok_and(|p| p.is_some_and(|p| js::kind(p) == "a function"))
                    };
                    let log_line = log_line
                        .filter(|_| {
                            ["debug", "info", "warn", "error"]
                                .into_iter()
                                .all(is_method)
                        })
                        .ok_or_else(|| {
                            tradepay_types::Error::option("logger", options::LOGGER_RULE)
                        })?;
                    Some(Arc::new(Route::register(log_line)))
                }
            };
            // Durations are read as raw numbers (JSON has no NaN), the rest as JSON; the
            // core's table then names, checks and defaults every option.
            let durations: Vec<&str> = options::duration_names(Spelling::Node).collect();
            let (map, nums) = js::request(options.as_ref(), "new Client()", &durations)?;
            let numbers: Vec<(String, f64)> = durations
                .iter()
                .zip(nums)
                .filter_map(|(k, n)| n.map(|n| ((*k).to_owned(), n)))
                .collect();
            let builder = options::client_builder(&map, &numbers, Spelling::Node)?
                .user_agent(format!("tradepay-node/{}", env!("CARGO_PKG_VERSION")))
                .hooks(Arc::clone(&hooks) as Arc<dyn tradepay_transport::hooks::Hooks>);
            Ok((options::build(builder, Spelling::Node)?, route))
        };
        let (client, route) = sync_guard(build).map_err(napi_err)?;
        Ok(NativeClient {
            inner: Arc::new(RwLock::new(Some(client))),
            overrides: CallOptions::default(),
            hooks,
            route,
        })
    }

    /// Sets the function that gives each attempt's event to the listeners of
    /// `client.on(..)`, or clears it (`null`: no listener left, no event is built).
    #[napi(catch_unwind)]
    pub fn set_dispatch(&self, dispatch: Option<Dispatch>) {
        self.hooks.set(dispatch);
    }

    /// Throws the ValidationError for a hook name other than `request` or `response`, or
    /// a listener that is not a function.
    #[napi(catch_unwind)]
    pub fn check_listener(name: String, listener: Unknown<'_>) -> napi::Result<()> {
        sync_guard(|| {
            options::hook_phase(&name).map_err(Failure::from)?;
            let kind = js::kind(js::Js::new(&listener));
            if kind != "a function" {
                return Err(tradepay_types::Error::option(
                    name,
                    format!("the listener must be a function, not {kind}"),
                )
                .into());
            }
            Ok(())
        })
        .map_err(napi_err)
    }

    /// Logs that a listener threw (to this client's logger, if it has one); the call it
    /// reported goes on.
    #[napi(catch_unwind)]
    pub fn listener_threw(&self, name: String, message: String) {
        let _route = self
            .route
            .as_ref()
            .map(|r| tracing::info_span!("tradepay.route", route = r.id).entered());
        tracing::warn!(
            hook = name.as_str(),
            error = message.as_str(),
            "an event listener threw; the call goes on"
        );
    }

    /// A client on the same pool with `options` (`timeoutMs`, `maxRetries`, `deadlineMs`)
    /// on top of this one's; throws a ValidationError for a bad or unknown option.
    #[napi(catch_unwind)]
    pub fn with_options(&self, options: Option<Unknown<'_>>) -> napi::Result<NativeClient> {
        sync_guard(|| {
            let given = call_options(options.as_ref(), "withOptions()")?;
            Ok(NativeClient {
                inner: Arc::clone(&self.inner),
                overrides: self.overrides.then(&given),
                hooks: Arc::clone(&self.hooks),
                route: self.route.clone(),
            })
        })
        .map_err(napi_err)
    }

    /// One call of the method `method` (the Node name: `pay`, `waitFinal`, …), read by the
    /// core's `Call::read` on the JS thread and run on napi's runtime.
    #[napi(ts_return_type = "Promise<unknown>")]
    pub fn call<'env>(
        &self,
        env: &'env Env,
        method: String,
        req: Option<Unknown<'env>>,
        options: Option<Unknown<'env>>,
        abort: Option<&CallAbort>,
    ) -> Reply<'env> {
        let abort = abort.map(|a| std::sync::Arc::clone(&a.state));
        let prepared = sync_guard(|| {
            let durations: Vec<&str> = duration_option(&method, Spelling::Node)
                .into_iter()
                .collect();
            let (map, numbers) = js::request(req.as_ref(), &method, &durations)?;
            let given = numbers.first().copied().flatten();
            let call = Call::read(&method, map, given, Spelling::Node)?;
            // `undefined` (no last argument) is the client's own options.
            let overrides = match options.as_ref() {
                Some(o) if js::kind(js::Js::new(o)) != "undefined" => {
                    call_options(Some(o), &format!("{method}()'s last argument"))?
                }
                _ => CallOptions::default(),
            };
            if abort.as_ref().is_some_and(|a| a.is_aborted()) {
                return Err(tradepay_transport::Error::aborted(false).into());
            }
            Ok((self.client(&overrides)?, call, abort))
        });
        let route = self.route.as_ref().map(|r| r.id);
        spawn(
            env,
            prepared,
            true,
            move |(client, call, abort)| async move {
                // Only a client with a logger pays for the span that routes its lines there.
                let span = match route {
                    Some(route) => tracing::info_span!("tradepay.route", route),
                    None => tracing::Span::none(),
                };
                let work = client.run_call(call).instrument(span);
                let answer = match abort {
                    None => work.await?,
                    // Dropping the call's future cancels it; a micropay whose PAY may have gone
                    // out is then reversed in the background by the core.
                    Some(abort) => tokio::select! {
                        answer = work => answer?,
                        () = abort.wait() => return Err(tradepay_transport::Error::aborted(true).into()),
                    },
                };
                // `[result, lastResponse]`: index.js hangs the second on the first, unenumerated.
                let (value, info) = match answer {
                    Answer::Trade(trade) => (to_js(&trade)?, trade.last_response().cloned()),
                    Answer::Refund(refund) => (to_js(&refund)?, refund.last_response().cloned()),
                    Answer::Records(records) => (records, None),
                    Answer::Seen(seen) => (Value::Bool(seen), None),
                };
                let info = info.map_or(Value::Null, |i| Value::Object(i.to_node_json()));
                Ok(Value::Array(vec![value, info]))
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
