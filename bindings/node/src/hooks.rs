//! `client.on('request' | 'response', fn)`: the core's attempt events
//! (`tradepay_transport::hooks`) as plain objects, given to one dispatch function of
//! index.js that calls the listeners. Events are queued to the JS thread (never blocking
//! the call), so a listener runs shortly after the attempt it reports.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::RwLock;

use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi::Status;
use serde_json::Value;
use tradepay_transport::hooks::{AttemptEvent, Hooks};
use tradepay_transport::options::Spelling;

/// index.js's dispatch, called as `(hookName, event)`; weak, so it never keeps the process
/// alive.
pub(crate) type Dispatch =
    ThreadsafeFunction<(String, Value), (), (String, Value), Status, false, true>;

/// A client's listeners, seen through one dispatch function while any is set.
#[derive(Default)]
pub(crate) struct NodeHooks {
    on: AtomicBool,
    dispatch: RwLock<Option<Dispatch>>,
}

impl NodeHooks {
    /// Sets (or, with `None`, clears) the dispatch function.
    pub(crate) fn set(&self, dispatch: Option<Dispatch>) {
        if let Ok(mut d) = self.dispatch.write() {
            self.on.store(dispatch.is_some(), Ordering::Release);
            *d = dispatch;
        }
    }
}

impl Hooks for NodeHooks {
    fn wants(&self) -> bool {
        self.on.load(Ordering::Acquire)
    }

    fn on_event(&self, event: &AttemptEvent<'_>) {
        if let Ok(d) = self.dispatch.read() {
            if let Some(dispatch) = d.as_ref() {
                let fields = Value::Object(event.to_json(Spelling::Node));
                dispatch.call(
                    (event.phase.as_str().to_owned(), fields),
                    ThreadsafeFunctionCallMode::NonBlocking,
                );
            }
        }
    }
}
