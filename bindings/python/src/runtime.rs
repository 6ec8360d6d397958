//! The one tokio runtime of the process, rebuilt in a child after `os.fork()`.
//!
//! A forked child inherits the runtime's memory but none of its worker threads, so using it
//! there would hang. The runtime is tagged with the pid that built it; a caller in another
//! process gets a fresh runtime, and the parent's is leaked rather than dropped (dropping it
//! would wait for threads that do not exist in the child).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use arc_swap::ArcSwapOption;
use pyo3_async_runtimes::generic::{ContextExt, Runtime as GenericRuntime};
use pyo3_async_runtimes::TaskLocals;
use tokio::runtime::Runtime;

struct Tagged {
    pid: u32,
    runtime: Arc<Runtime>,
}

static RUNTIME: ArcSwapOption<Tagged> = ArcSwapOption::const_empty();

/// The runtime of this process, built on first use (and again after a fork).
pub fn get() -> Arc<Runtime> {
    let pid = std::process::id();
    loop {
        let current = RUNTIME.load_full();
        if let Some(tagged) = &current {
            if tagged.pid == pid {
                return tagged.runtime.clone();
            }
        }
        let fresh = Arc::new(Tagged {
            pid,
            runtime: Arc::new(build()),
        });
        let previous = RUNTIME.compare_and_swap(&current, Some(fresh.clone()));
        let won = match (&*previous, &current) {
            (Some(a), Some(b)) => Arc::ptr_eq(a, b),
            (None, None) => true,
            _ => false,
        };
        if won {
            if let Some(inherited) = current {
                // Built by the parent: its threads are gone, so it must never be dropped.
                std::mem::forget(inherited);
                after_fork_in_child();
            }
            return fresh.runtime.clone();
        }
        // Another thread installed one first; ours is unused and drops cleanly.
    }
}

/// Reseeds this thread's CSPRNG, which a forked child inherits as an exact copy: without
/// this the child draws the parent's next nonces (which the gateway refuses as reused, 10000004).
/// Called by `os.register_at_fork(after_in_child=...)` in the forking thread, and again when
/// a child first uses the runtime. Threads started in the child seed themselves afresh.
pub fn after_fork_in_child() {
    use rand::rngs::ThreadRng;
    let mut rng: ThreadRng = rand::rng();
    // An OS without a random source fails here; nonces then come from the copied state, and
    // the gateway's reuse check still stops a duplicate.
    let _ = rng.reseed();
}

/// Background reversals counted in the parent when this process was forked from it: they
/// run in the parent, so the child's exit must not wait for them.
static INHERITED_REVERSALS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// Python's `os.register_at_fork(after_in_child=...)` hook.
#[pyo3::pyfunction]
pub fn _after_fork_in_child() {
    INHERITED_REVERSALS.store(
        tradepay_transport::background_reversals(),
        std::sync::atomic::Ordering::Relaxed,
    );
    after_fork_in_child();
}

/// The pid whose runtime is current (to tell objects made before a fork).
pub fn pid() -> u32 {
    std::process::id()
}

fn build() -> Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("tradepay")
        .build()
        .unwrap_or_else(|e| panic!("cannot start the tokio runtime: {e}"))
}

/// Plugs the fork-aware runtime into pyo3-async-runtimes, which otherwise keeps one
/// runtime for the life of the process (and so would hang in a forked child).
pub struct TradepayRuntime;

tokio::task_local! {
    static TASK_LOCALS: std::cell::OnceCell<TaskLocals>;
}

impl GenericRuntime for TradepayRuntime {
    type JoinError = tokio::task::JoinError;
    type JoinHandle = tokio::task::JoinHandle<()>;

    fn spawn<F>(fut: F) -> Self::JoinHandle
    where
        F: Future<Output = ()> + Send + 'static,
    {
        get().spawn(fut)
    }

    fn spawn_blocking<F>(f: F) -> Self::JoinHandle
    where
        F: FnOnce() + Send + 'static,
    {
        get().spawn_blocking(f)
    }
}

impl ContextExt for TradepayRuntime {
    fn scope<F, R>(locals: TaskLocals, fut: F) -> Pin<Box<dyn Future<Output = R> + Send>>
    where
        F: Future<Output = R> + Send + 'static,
    {
        let cell = std::cell::OnceCell::new();
        let _ = cell.set(locals);
        Box::pin(TASK_LOCALS.scope(cell, fut))
    }

    fn get_task_locals() -> Option<TaskLocals> {
        TASK_LOCALS
            .try_with(|c| c.get().cloned())
            .unwrap_or_default()
    }
}

/// Waits (GIL released) until no background reversal of a cancelled micropay is running, or
/// `timeout` seconds have passed; true if none is left. Registered with `atexit`: a Ctrl-C
/// that ends a script must not end the reversal of the micropay it interrupted.
/// Without `timeout`, waits the core's budget for such a reversal.
#[pyo3::pyfunction]
#[pyo3(signature = (timeout = None))]
pub fn _wait_background(py: pyo3::Python<'_>, timeout: Option<f64>) -> pyo3::PyResult<bool> {
    let timeout = match timeout {
        Some(seconds) => crate::convert::seconds(py, "timeout", seconds)?,
        None => tradepay_transport::BACKGROUND_REVERSAL_BUDGET,
    };
    Ok(py.detach(|| {
        let until = std::time::Instant::now() + timeout;
        loop {
            let inherited = INHERITED_REVERSALS.load(std::sync::atomic::Ordering::Relaxed);
            if tradepay_transport::background_reversals() <= inherited {
                return true;
            }
            if std::time::Instant::now() >= until {
                return false;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }))
}
