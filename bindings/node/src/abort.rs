//! `CallAbort`: what an `AbortSignal` becomes on the native side. `index.js` fires it from
//! the signal's `abort` event; what an abort means (refused before sending, or outcome
//! unknown in flight) is decided here and in the core's `Error::aborted`.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use napi_derive::napi;
use tokio::sync::Notify;

#[derive(Default)]
pub(crate) struct AbortState {
    aborted: AtomicBool,
    notify: Notify,
}

impl AbortState {
    pub(crate) fn is_aborted(&self) -> bool {
        self.aborted.load(Ordering::Acquire)
    }

    /// Resolves once the call is aborted.
    pub(crate) async fn wait(&self) {
        loop {
            // Created before the flag is read, so an abort in between still wakes it.
            let woken = self.notify.notified();
            if self.is_aborted() {
                return;
            }
            woken.await;
        }
    }
}

/// The native end of one call's `AbortSignal`.
#[napi]
pub struct CallAbort {
    pub(crate) state: Arc<AbortState>,
}

#[napi]
impl CallAbort {
    /// A handle not yet aborted.
    #[napi(constructor)]
    #[allow(clippy::new_without_default)]
    pub fn new() -> CallAbort {
        CallAbort {
            state: Arc::default(),
        }
    }

    /// Aborts the call (idempotent).
    #[napi(catch_unwind)]
    pub fn abort(&self) {
        self.state.aborted.store(true, Ordering::Release);
        self.state.notify.notify_waiters();
    }
}
