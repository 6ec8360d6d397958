//! Delivers AsyncClient results to the asyncio loop in batches.
//!
//! Finishing each call by taking the GIL from another thread (what
//! `pyo3_async_runtimes::future_into_py` does) costs a thread hop and a GIL handoff per
//! request. Here a finished call pushes its result on a queue and, if the queue was empty,
//! writes one byte to a pipe the loop watches (`loop.add_reader`); the loop thread, which
//! holds the GIL anyway, then resolves every queued future at once. Loops that cannot watch
//! a pipe (loops without attributes, or without `add_reader`) fall back to `future_into_py`.
//!
//! Only on Unix: Windows has no pipe a loop can watch (the proactor loop has no
//! `add_reader`, and the selector loop watches sockets only), so there every call takes the
//! fallback.

#[cfg(unix)]
use std::collections::HashMap;
#[cfg(unix)]
use std::fs::File;
#[cfg(unix)]
use std::io::{Read as _, Write as _};
#[cfg(unix)]
use std::os::fd::FromRawFd as _;
#[cfg(unix)]
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
#[cfg(unix)]
use std::sync::{Arc, Mutex};

use pyo3::prelude::*;
#[cfg(unix)]
use tokio::task::AbortHandle;

use crate::client::Output;
#[cfg(unix)]
use crate::errors;
use crate::errors::ErrorInfo;
#[cfg(unix)]
use crate::runtime;

type Outcome = Result<Output, ErrorInfo>;

#[cfg(unix)]
struct Queue {
    items: Mutex<Vec<(u64, Outcome)>>,
    scheduled: AtomicBool,
    wake: File,
}

#[cfg(unix)]
impl Queue {
    fn push(&self, id: u64, outcome: Outcome) {
        if let Ok(mut items) = self.items.lock() {
            items.push((id, outcome));
        }
        if !self.scheduled.swap(true, Ordering::AcqRel) {
            // A full pipe already holds a wake-up, so a failed write loses nothing.
            let _ = (&self.wake).write(&[1]);
        }
    }
}

/// One per event loop, stored on the loop as `_tradepay_completer`.
#[cfg(unix)]
#[pyclass(module = "tradepay._native", frozen)]
pub struct Completer {
    pid: u32,
    queue: Arc<Queue>,
    read: File,
    pending: Mutex<HashMap<u64, Py<PyAny>>>,
    next_id: AtomicU64,
}

#[cfg(unix)]
#[pymethods]
impl Completer {
    /// Called by the loop when the pipe is readable: resolves every finished call.
    fn _drain(&self, py: Python<'_>) {
        let mut buf = [0u8; 512];
        while let Ok(n) = (&self.read).read(&mut buf) {
            if n < buf.len() {
                break;
            }
        }
        // Cleared before taking the queue, so a push after this point wakes the loop again.
        self.queue.scheduled.store(false, Ordering::Release);
        let items = match self.queue.items.lock() {
            Ok(mut items) => std::mem::take(&mut *items),
            Err(_) => return,
        };
        for (id, outcome) in items {
            let fut = match self.pending.lock() {
                Ok(mut pending) => pending.remove(&id),
                Err(_) => None,
            };
            let Some(fut) = fut else { continue };
            let fut = fut.bind(py);
            // A panic while building the result must still complete this future and must
            // not leave the rest of the batch unresolved.
            let done = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                resolve(py, fut, outcome)
            }))
            .unwrap_or_else(|payload| resolve(py, fut, Err(errors::from_panic(&*payload, true))));
            if let Err(e) = done {
                e.write_unraisable(py, None);
            }
        }
    }
}

#[cfg(unix)]
fn resolve(py: Python<'_>, fut: &Bound<'_, PyAny>, outcome: Outcome) -> PyResult<()> {
    if fut.call_method0("done")?.is_truthy()? {
        return Ok(());
    }
    match outcome {
        Ok(output) => fut.call_method1("set_result", (output,))?,
        Err(info) => {
            fut.call_method1("set_exception", (errors::to_py(py, info).into_value(py),))?
        }
    };
    Ok(())
}

/// The future's done-callback: a cancelled future aborts its request.
#[cfg(unix)]
#[pyclass(module = "tradepay._native", frozen)]
pub struct CancelOnDone {
    completer: Py<Completer>,
    id: u64,
    abort: AbortHandle,
}

#[cfg(unix)]
#[pymethods]
impl CancelOnDone {
    fn __call__(&self, py: Python<'_>, fut: &Bound<'_, PyAny>) -> PyResult<()> {
        if fut.call_method0("cancelled")?.is_truthy()? {
            self.abort.abort();
            if let Ok(mut pending) = self.completer.bind(py).get().pending.lock() {
                pending.remove(&self.id);
            }
        }
        Ok(())
    }
}

#[cfg(unix)]
const ATTR: &str = "_tradepay_completer";

#[cfg(unix)]
fn for_running_loop<'py>(
    py: Python<'py>,
    event_loop: &Bound<'py, PyAny>,
) -> PyResult<Option<Bound<'py, Completer>>> {
    if let Ok(existing) = event_loop.getattr(ATTR) {
        if let Ok(c) = existing.cast_into::<Completer>() {
            if c.get().pid == runtime::pid() {
                return Ok(Some(c));
            }
        }
    }
    let os = py.import("os")?;
    let (r, w): (i32, i32) = os.call_method0("pipe")?.extract()?;
    os.call_method1("set_blocking", (r, false))?;
    os.call_method1("set_blocking", (w, false))?;
    // SAFETY: os.pipe() just returned these descriptors and nothing else owns them.
    let (read, wake) = unsafe { (File::from_raw_fd(r), File::from_raw_fd(w)) };
    let completer = Bound::new(
        py,
        Completer {
            pid: runtime::pid(),
            queue: Arc::new(Queue {
                items: Mutex::new(Vec::new()),
                scheduled: AtomicBool::new(false),
                wake,
            }),
            read,
            pending: Mutex::new(HashMap::new()),
            next_id: AtomicU64::new(0),
        },
    )?;
    let drain = completer.getattr("_drain")?;
    if event_loop.call_method1("add_reader", (r, drain)).is_err() {
        return Ok(None);
    }
    if event_loop.setattr(ATTR, &completer).is_err() {
        let _ = event_loop.call_method1("remove_reader", (r,));
        return Ok(None);
    }
    Ok(Some(completer))
}

/// Starts `work` on the runtime and returns an asyncio future for its result, or `None`
/// when the running loop cannot be used this way (the caller falls back).
#[cfg(unix)]
pub fn spawn<'py, F>(py: Python<'py>, work: F) -> PyResult<Result<Bound<'py, PyAny>, F>>
where
    F: std::future::Future<Output = Outcome> + Send + 'static,
{
    let event_loop = py.import("asyncio")?.call_method0("get_running_loop")?;
    let Some(completer) = for_running_loop(py, &event_loop)? else {
        return Ok(Err(work));
    };
    let fut = event_loop.call_method0("create_future")?;
    let c = completer.get();
    let id = c.next_id.fetch_add(1, Ordering::Relaxed);
    if let Ok(mut pending) = c.pending.lock() {
        pending.insert(id, fut.clone().unbind());
    }
    let queue = c.queue.clone();
    let task = runtime::get().spawn(async move {
        let outcome = work.await;
        queue.push(id, outcome);
    });
    fut.call_method1(
        "add_done_callback",
        (CancelOnDone {
            completer: completer.unbind(),
            id,
            abort: task.abort_handle(),
        },),
    )?;
    Ok(Ok(fut))
}

/// Without a pipe to watch, every call takes the caller's fallback.
#[cfg(not(unix))]
pub fn spawn<'py, F>(_py: Python<'py>, work: F) -> PyResult<Result<Bound<'py, PyAny>, F>>
where
    F: std::future::Future<Output = Outcome> + Send + 'static,
{
    Ok(Err(work))
}
