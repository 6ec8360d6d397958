//! `Client` (blocking, GIL released while waiting) and `AsyncClient` (asyncio), both over
//! one `tradepay_transport::Client`.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use arc_swap::ArcSwapOption;
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use tradepay_transport as transport;
use tradepay_transport::options::{self, Spelling};

use crate::classes::PyEvent;
use crate::completer;
use crate::convert;
use crate::errors::{self, ErrorInfo};
use crate::hooks::{PyHooks, EVENT_HOOKS};
use crate::models::{json_to_py, quote, PyRefund, PyTrade};
use crate::runtime::{self, TradepayRuntime};

/// Options as JSON, the durations among them as raw numbers, and the event hooks.
type ReadOptions = (
    serde_json::Map<String, serde_json::Value>,
    Vec<(String, f64)>,
    Option<PyHooks>,
);

/// Keyword options as the core reads them: the durations as raw numbers (JSON has no NaN),
/// `event_hooks` as callables, the rest as JSON.
fn options_of(py: Python<'_>, options: Option<&Bound<'_, PyDict>>) -> PyResult<ReadOptions> {
    let rest = PyDict::new(py);
    let mut numbers = Vec::new();
    let mut hooks = None;
    if let Some(options) = options {
        for (key, value) in options.iter() {
            let name: String = key.extract()?;
            if name == EVENT_HOOKS {
                hooks = PyHooks::read(&value).map_err(|e| errors::raise(py, &e))?;
                continue;
            }
            let is_number = !value.is_instance_of::<pyo3::types::PyBool>()
                && (value.is_instance_of::<pyo3::types::PyFloat>()
                    || value.is_instance_of::<pyo3::types::PyInt>());
            if is_number && options::duration_names(Spelling::Python).any(|d| d == name) {
                numbers.push((name, value.extract::<f64>()?));
            } else {
                rest.set_item(key, value)?;
            }
        }
    }
    Ok((convert::params(Some(&rest))?, numbers, hooks))
}

/// The options a client was made with, kept so that a forked child can build its own.
#[derive(Clone)]
struct Config {
    builder: transport::ClientBuilder,
    base_url: String,
    access_no: String,
}

impl Config {
    /// Reads the keyword arguments with the core's table of options (names, types,
    /// defaults, messages). Durations are taken as raw numbers first, since JSON has no NaN.
    fn new(py: Python<'_>, options: Option<&Bound<'_, PyDict>>) -> PyResult<Config> {
        let (map, numbers, hooks) = options_of(py, options)?;
        let text = |k: &str| {
            map.get(k)
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_owned()
        };
        let mut builder = options::client_builder(&map, &numbers, Spelling::Python)
            .map_err(|e| errors::raise(py, &e))?
            .user_agent(format!("tradepay-python/{}", env!("CARGO_PKG_VERSION")));
        if let Some(hooks) = hooks {
            builder = builder.hooks(Arc::new(hooks));
        }
        Ok(Config {
            base_url: text("base_url"),
            access_no: text("access_no"),
            builder,
        })
    }

    fn build(&self) -> Result<transport::Client, transport::Error> {
        options::build(self.builder.clone(), Spelling::Python)
    }
}

struct Built {
    pid: u32,
    client: transport::Client,
}

/// What `Client` and `AsyncClient` share: the options and the client of this process.
struct Core {
    config: Config,
    built: ArcSwapOption<Built>,
    closed: AtomicBool,
}

impl Core {
    fn new(py: Python<'_>, options: Option<&Bound<'_, PyDict>>) -> PyResult<Core> {
        let config = Config::new(py, options)?;
        let client = py
            .detach(|| {
                let rt = runtime::get();
                let _entered = rt.enter();
                config.build()
            })
            .map_err(|e| errors::raise(py, &e))?;
        Ok(Core {
            config,
            built: ArcSwapOption::new(Some(Arc::new(Built {
                pid: runtime::pid(),
                client,
            }))),
            closed: AtomicBool::new(false),
        })
    }

    /// The client of this process: after `os.fork()` the child builds its own, since the
    /// parent's connections and runtime are not usable there.
    fn client(&self, py: Python<'_>) -> PyResult<transport::Client> {
        if self.closed.load(Ordering::Acquire) {
            return Err(errors::raise(py, &transport::Error::client_closed()));
        }
        let pid = runtime::pid();
        if let Some(built) = &*self.built.load() {
            if built.pid == pid {
                return Ok(built.client.clone());
            }
        }
        let client = py
            .detach(|| {
                let rt = runtime::get();
                let _entered = rt.enter();
                self.config.build()
            })
            .map_err(|e| errors::raise(py, &e))?;
        let old = self.built.swap(Some(Arc::new(Built {
            pid,
            client: client.clone(),
        })));
        // The parent's pool holds sockets of the parent's runtime; never run its drop here.
        std::mem::forget(old);
        Ok(client)
    }

    fn close(&self) {
        self.closed.store(true, Ordering::Release);
        let old = self.built.swap(None);
        if old.as_ref().is_some_and(|b| b.pid != runtime::pid()) {
            std::mem::forget(old);
        }
    }

    fn repr(&self, name: &str) -> String {
        format!(
            "{name}(base_url={}, access_no={}{})",
            quote(&self.config.base_url),
            quote(&self.config.access_no),
            if self.closed.load(Ordering::Relaxed) {
                ", closed"
            } else {
                ""
            }
        )
    }
}

/// What a Python client object holds: the shared core, and the overrides of a client made
/// by `with_options` (none for one made by the constructor).
struct Handle {
    core: Arc<Core>,
    overrides: transport::CallOptions,
}

impl std::ops::Deref for Handle {
    type Target = Core;
    fn deref(&self) -> &Core {
        &self.core
    }
}

impl Handle {
    fn new(py: Python<'_>, options: Option<&Bound<'_, PyDict>>) -> PyResult<Handle> {
        Ok(Handle {
            core: Arc::new(Core::new(py, options)?),
            overrides: transport::CallOptions::default(),
        })
    }

    /// The client a call uses: this process's, with the overrides.
    fn client(&self, py: Python<'_>) -> PyResult<transport::Client> {
        let client = self.core.client(py)?;
        if self.overrides == transport::CallOptions::default() {
            return Ok(client);
        }
        client
            .with_options(&self.overrides)
            .map_err(|e| errors::raise(py, &e))
    }

    /// A handle on the same core with `options` on top of this one's overrides.
    fn with_options(
        &self,
        py: Python<'_>,
        options: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Handle> {
        let (mut map, numbers, hooks) = options_of(py, options)?;
        if hooks.is_some() || options.is_some_and(|o| o.contains(EVENT_HOOKS).unwrap_or(false)) {
            // Hooks belong to the client: the core refuses the name as for any other option.
            map.insert(EVENT_HOOKS.into(), serde_json::Value::Bool(true));
        }
        let given = options::call_options(&map, &numbers, Spelling::Python)
            .map_err(|e| errors::raise(py, &e))?;
        Ok(Handle {
            core: Arc::clone(&self.core),
            overrides: self.overrides.then(&given),
        })
    }
}

/// One call, its arguments already read by the core.
enum Call {
    Core(transport::Call),
    /// Panics inside the call's future: only in builds for the test suite.
    #[cfg(feature = "test-hooks")]
    Panic,
}

/// Reads the call of the method `name`: its keyword arguments and its own duration option
/// (`timeout=`, `deadline=`) through the core's `Call::read`.
fn read(
    py: Python<'_>,
    name: &str,
    params: Option<&Bound<'_, PyDict>>,
    duration: Option<&Bound<'_, PyAny>>,
) -> PyResult<Call> {
    let map = convert::params(params)?;
    let given = match transport::call::duration_option(name, Spelling::Python) {
        Some(option) => convert::number_or_none(py, option, duration)?,
        None => None,
    };
    transport::Call::read(name, map, given, Spelling::Python)
        .map(Call::Core)
        .map_err(|e| errors::raise(py, &e))
}

/// A call's answer, turned into a Python object where the GIL is held.
pub struct Output(transport::Answer);

impl<'py> IntoPyObject<'py> for Output {
    type Target = PyAny;
    type Output = Bound<'py, PyAny>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        Ok(match self.0 {
            transport::Answer::Trade(inner) => Bound::new(py, PyTrade { inner })?.into_any(),
            transport::Answer::Refund(inner) => Bound::new(py, PyRefund { inner })?.into_any(),
            transport::Answer::Records(records) => records_to_py(py, records)?,
            transport::Answer::Seen(seen) => {
                pyo3::types::PyBool::new(py, seen).to_owned().into_any()
            }
        })
    }
}

/// Journal records as lists of dicts, a settled order or refund as the Trade or Refund class.
fn records_to_py(py: Python<'_>, records: serde_json::Value) -> PyResult<Bound<'_, PyAny>> {
    let serde_json::Value::Array(items) = records else {
        return json_to_py(py, &records);
    };
    // The core serialized these a moment ago, so they read back.
    let unreadable = |e: serde_json::Error| PyRuntimeError::new_err(format!("journal record: {e}"));
    let list = pyo3::types::PyList::empty(py);
    for mut item in items {
        let trade = item.get_mut("trade").map(serde_json::Value::take);
        let refund = item.get_mut("refund").map(serde_json::Value::take);
        let dict = json_to_py(py, &item)?;
        if let Some(trade) = trade.filter(|v| !v.is_null()) {
            let inner = serde_json::from_value(trade).map_err(unreadable)?;
            dict.set_item("trade", PyTrade { inner })?;
        }
        if let Some(refund) = refund.filter(|v| !v.is_null()) {
            let inner = serde_json::from_value(refund).map_err(unreadable)?;
            dict.set_item("refund", PyRefund { inner })?;
        }
        list.append(dict)?;
    }
    Ok(list.into_any())
}

async fn execute(client: transport::Client, call: Call) -> Result<Output, transport::Error> {
    match call {
        Call::Core(call) => client.run_call(call).await.map(Output),
        #[cfg(feature = "test-hooks")]
        Call::Panic => {
            tokio::task::yield_now().await;
            panic!("deliberate panic inside a call (test hook)")
        }
    }
}

/// How often a blocking call looks for Ctrl-C (signal handlers run only with the GIL).
const SIGNAL_CHECK: Duration = Duration::from_millis(100);

fn run_blocking(py: Python<'_>, core: &Handle, call: Call) -> PyResult<Output> {
    let client = core.client(py)?;
    let runtime = runtime::get();
    // The call runs as a task of the runtime rather than on this thread: there it shares a
    // worker with its connection, so this thread is woken once per call instead of at each
    // step of the exchange (the cross-thread wakes were most of this path's CPU).
    let mut task = runtime.spawn(execute(client, call));
    let joined = py.detach(|| {
        runtime.block_on(async {
            let start = tokio::time::Instant::now() + SIGNAL_CHECK;
            let mut tick = tokio::time::interval_at(start, SIGNAL_CHECK);
            loop {
                tokio::select! {
                    joined = &mut task => return Ok(joined),
                    _ = tick.tick() => {
                        // A KeyboardInterrupt drops the request, which cancels it.
                        if let Err(interrupted) = Python::attach(|py| py.check_signals()) {
                            // Returns once the request is dropped, so that a micropay's
                            // background reversal is registered before the program can exit.
                            task.abort();
                            let _ = (&mut task).await;
                            return Err(interrupted);
                        }
                    }
                }
            }
        })
    })?;
    match joined {
        Ok(Ok(output)) => Ok(output),
        Ok(Err(e)) => Err(errors::raise(py, &e)),
        // A panic inside the call: the request may have gone out, so its outcome is unknown.
        Err(join) => Err(errors::to_py(
            py,
            match join.try_into_panic() {
                Ok(payload) => errors::from_panic(&*payload, true),
                Err(join) => errors::from_panic(&join.to_string(), true),
            },
        )),
    }
}

fn run_async<'py>(py: Python<'py>, core: &Handle, call: Call) -> PyResult<Bound<'py, PyAny>> {
    let client = core.client(py)?;
    // Wrapped so that a panic in the call still completes the asyncio future (an abandoned
    // future would make `await` hang forever).
    let work = errors::CatchPanic(Box::pin(async move {
        execute(client, call).await.map_err(|e| ErrorInfo::from(&e))
    }));
    match completer::spawn(py, work)? {
        Ok(fut) => Ok(fut),
        Err(work) => fallback(py, work),
    }
}

/// For loops that cannot watch a pipe: pyo3-async-runtimes, one GIL handoff per call.
fn fallback<'py, F>(py: Python<'py>, work: F) -> PyResult<Bound<'py, PyAny>>
where
    F: std::future::Future<Output = Result<Output, ErrorInfo>> + Send + 'static,
{
    pyo3_async_runtimes::generic::future_into_py::<TradepayRuntime, _, Output>(py, async move {
        match work.await {
            Ok(output) => Ok(output),
            Err(info) => {
                // Built off the worker threads: taking the GIL must not stall the runtime.
                let err = tokio::task::spawn_blocking(move || {
                    Python::attach(|py| errors::to_py(py, info))
                })
                .await
                .unwrap_or_else(|join| PyRuntimeError::new_err(format!("tradepay: {join}")));
                Err(err)
            }
        }
    })
}

/// The order and merchant of QUERY, REVERSAL, CLOSE and `wait_final`, by the core's parser.
/// Generates the methods both clients have; `$run` decides blocking or awaitable.
macro_rules! client_methods {
    ($ty:ident, $ret:ty, $run:ident, { $($extra:tt)* }) => {
        #[pymethods]
        impl $ty {
            #[new]
            #[pyo3(signature = (**options))]
            fn new(py: Python<'_>, options: Option<&Bound<'_, PyDict>>) -> PyResult<Self> {
                errors::guard(py, false, || Ok($ty { core: Handle::new(py, options)? }))
            }

            /// A client for some calls with another `timeout`, `max_retries` or
            /// `deadline` (seconds): the same connection pool, credentials and journal;
            /// this client is unchanged. Closing either closes both.
            #[pyo3(signature = (**options))]
            fn with_options(&self, py: Python<'_>, options: Option<&Bound<'_, PyDict>>) -> PyResult<Self> {
                errors::guard(py, false, || Ok($ty { core: self.core.with_options(py, options)? }))
            }

            /// Creates a payment (PAY). Idempotent by `order_id`.
            #[pyo3(signature = (**params))]
            fn pay<'py>(&self, py: Python<'py>, params: Option<&Bound<'py, PyDict>>) -> PyResult<$ret> {
                errors::guard(py, false, || $run(py, &self.core, read(py, "pay", params, None)?))
            }

            /// Reads an order (QUERY) by `trade_id` or `order_id`.
            #[pyo3(signature = (**params))]
            fn query<'py>(&self, py: Python<'py>, params: Option<&Bound<'py, PyDict>>) -> PyResult<$ret> {
                errors::guard(py, false, || $run(py, &self.core, read(py, "query", params, None)?))
            }

            /// Refunds part or all of a paid order (REFUND). Idempotent by `refund_id`.
            #[pyo3(signature = (**params))]
            fn refund<'py>(&self, py: Python<'py>, params: Option<&Bound<'py, PyDict>>) -> PyResult<$ret> {
                errors::guard(py, false, || $run(py, &self.core, read(py, "refund", params, None)?))
            }

            /// Reads a refund (REFUND_QUERY).
            #[pyo3(signature = (**params))]
            fn refund_query<'py>(&self, py: Python<'py>, params: Option<&Bound<'py, PyDict>>) -> PyResult<$ret> {
                errors::guard(py, false, || $run(py, &self.core, read(py, "refund_query", params, None)?))
            }

            /// Cancels a payment whatever its state (REVERSAL); a paid one is refunded in full.
            #[pyo3(signature = (**params))]
            fn reverse<'py>(&self, py: Python<'py>, params: Option<&Bound<'py, PyDict>>) -> PyResult<$ret> {
                errors::guard(py, false, || $run(py, &self.core, read(py, "reverse", params, None)?))
            }

            /// Closes a pending order (CLOSE).
            #[pyo3(signature = (**params))]
            fn close_order<'py>(&self, py: Python<'py>, params: Option<&Bound<'py, PyDict>>) -> PyResult<$ret> {
                errors::guard(py, false, || $run(py, &self.core, read(py, "close_order", params, None)?))
            }

            /// QUERYs until SUCCESS, FAILED or CLOSED; at `timeout` seconds raises
            /// `TimeoutError` whose `.trade` is the last order seen.
            #[pyo3(signature = (*, timeout = None, **params))]
            fn wait_final<'py>(&self, py: Python<'py>, timeout: Option<&Bound<'py, PyAny>>, params: Option<&Bound<'py, PyDict>>) -> PyResult<$ret> {
                errors::guard(py, false, || $run(py, &self.core, read(py, "wait_final", params, timeout)?))
            }

            /// Pays with a scanned customer code, queries until final, and reverses at
            /// `deadline` seconds; returns the final order (CLOSED after a reversal).
            #[pyo3(signature = (*, deadline = None, **params))]
            fn micropay<'py>(&self, py: Python<'py>, deadline: Option<&Bound<'py, PyAny>>, params: Option<&Bound<'py, PyDict>>) -> PyResult<$ret> {
                errors::guard(py, false, || $run(py, &self.core, read(py, "micropay", params, deadline)?))
            }

            /// The journal's operations whose outcome is not known, from every process
            /// sharing it: dicts of what was recorded (never card data).
            fn in_doubt<'py>(&self, py: Python<'py>) -> PyResult<$ret> {
                errors::guard(py, false, || $run(py, &self.core, read(py, "in_doubt", None, None)?))
            }

            /// Settles the journal's operations in doubt the protocol's way (QUERY,
            /// REFUND_QUERY, REVERSAL of a micropay past its deadline); never pays again.
            fn recover<'py>(&self, py: Python<'py>) -> PyResult<$ret> {
                errors::guard(py, false, || $run(py, &self.core, read(py, "recover", None, None)?))
            }

            /// True if this webhook event (or `webhook-id`) was already recorded in the
            /// journal; records it otherwise, atomically across workers.
            fn webhook_seen<'py>(&self, py: Python<'py>, event: &Bound<'py, PyAny>) -> PyResult<$ret> {
                errors::guard(py, false, || {
                    // An Event, its ID or its dict; anything else reaches the core as null,
                    // so the message is the core's, as in Node.
                    let event = if let Ok(e) = event.cast::<PyEvent>() {
                        serde_json::Value::String(e.get().inner.id.clone())
                    } else if let Ok(id) = event.extract::<String>() {
                        serde_json::Value::String(id)
                    } else if event.is_instance_of::<PyDict>() {
                        crate::models::py_to_json(event)?
                    } else {
                        serde_json::Value::Null
                    };
                    let map = serde_json::Map::from_iter([("event".to_owned(), event)]);
                    let call = transport::Call::read("webhook_seen", map, None, Spelling::Python)
                        .map_err(|e| errors::raise(py, &e))?;
                    $run(py, &self.core, Call::Core(call))
                })
            }

            /// Panics before (`"entry"`) or inside (`"call"`) a call, to test that a panic
            /// becomes a TradepayError; only in builds for the test suite.
            #[cfg(feature = "test-hooks")]
            #[doc(hidden)]
            fn _test_panic<'py>(&self, py: Python<'py>, at: &str) -> PyResult<$ret> {
                errors::guard(py, false, || {
                    if at == "entry" {
                        panic!("deliberate panic at a call's entry (test hook)");
                    }
                    $run(py, &self.core, Call::Panic)
                })
            }

            /// Releases the connection pool; later calls raise ValidationError.
            fn close(&self) {
                self.core.close();
            }

            /// The gateway's base URL.
            #[getter]
            fn base_url(&self) -> &str {
                &self.core.config.base_url
            }

            /// The access party number.
            #[getter]
            fn access_no(&self) -> &str {
                &self.core.config.access_no
            }

            /// True after `close()`.
            #[getter]
            fn closed(&self) -> bool {
                self.core.closed.load(Ordering::Relaxed)
            }

            fn __repr__(&self) -> String {
                self.core.repr(stringify!($ty))
            }

            $($extra)*
        }
    };
}

/// A blocking client. Safe to share between threads; each call releases the GIL while it
/// waits for the gateway.
#[pyclass(module = "tradepay", name = "Client", frozen)]
pub struct Client {
    core: Handle,
}

/// An asyncio client: every method returns an awaitable; cancelling the task cancels the
/// request.
#[pyclass(module = "tradepay", name = "AsyncClient", frozen)]
pub struct AsyncClient {
    core: Handle,
}

fn blocking(py: Python<'_>, core: &Handle, call: Call) -> PyResult<Output> {
    run_blocking(py, core, call)
}

fn awaitable<'py>(py: Python<'py>, core: &Handle, call: Call) -> PyResult<Bound<'py, PyAny>> {
    run_async(py, core, call)
}

client_methods!(Client, Output, blocking, {
    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    #[pyo3(signature = (*_args))]
    fn __exit__(&self, _args: &Bound<'_, pyo3::types::PyTuple>) -> bool {
        self.core.close();
        false
    }
});

client_methods!(AsyncClient, Bound<'py, PyAny>, awaitable, {
    fn __aenter__<'py>(slf: Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        let me = slf.unbind();
        pyo3_async_runtimes::generic::future_into_py::<TradepayRuntime, _, Py<AsyncClient>>(
            py,
            async move { Ok(me) },
        )
    }

    #[pyo3(signature = (*_args))]
    fn __aexit__<'py>(
        &self,
        py: Python<'py>,
        _args: &Bound<'py, pyo3::types::PyTuple>,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.core.close();
        pyo3_async_runtimes::generic::future_into_py::<TradepayRuntime, _, bool>(py, async move {
            Ok(false)
        })
    }

    /// `close()` as an awaitable, for code that closes async resources with `await`.
    fn aclose<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.core.close();
        pyo3_async_runtimes::generic::future_into_py::<TradepayRuntime, _, ()>(
            py,
            async move { Ok(()) },
        )
    }
});
