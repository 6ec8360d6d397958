//! `event_hooks={"request": [fn], "response": [fn]}`: the core's attempt events
//! (`tradepay_transport::hooks`) as dicts, given to the caller's callables.

use pyo3::prelude::*;
use pyo3::types::PyDict;
use serde_json::Value;
use tradepay_transport as transport;
use tradepay_transport::hooks::{AttemptEvent, Hooks, Phase};
use tradepay_transport::options::{self, Spelling, EVENT_HOOKS_RULE};

/// The option's name.
pub const EVENT_HOOKS: &str = "event_hooks";

/// The callables of each hook, in the order given.
pub struct PyHooks {
    request: Vec<Py<PyAny>>,
    response: Vec<Py<PyAny>>,
}

impl PyHooks {
    /// The hooks `value` gives, `None` for `None`; the core's message for any other shape.
    pub fn read(value: &Bound<'_, PyAny>) -> Result<Option<PyHooks>, transport::Error> {
        if value.is_none() {
            return Ok(None);
        }
        let wrong =
            || transport::Error::from(tradepay_types::Error::option(EVENT_HOOKS, EVENT_HOOKS_RULE));
        let dict = value.cast::<PyDict>().map_err(|_| wrong())?;
        let mut hooks = PyHooks {
            request: Vec::new(),
            response: Vec::new(),
        };
        for (key, fns) in dict.iter() {
            let name: String = key.extract().map_err(|_| wrong())?;
            let list = match options::hook_phase(&name)? {
                Phase::Request => &mut hooks.request,
                Phase::Response => &mut hooks.response,
            };
            // A lone callable is a common slip for a list of one; httpx refuses it too.
            if fns.is_callable() || fns.is_instance_of::<pyo3::types::PyString>() {
                return Err(wrong());
            }
            for f in fns.try_iter().map_err(|_| wrong())? {
                let f = f.map_err(|_| wrong())?;
                if !f.is_callable() {
                    return Err(wrong());
                }
                list.push(f.unbind());
            }
        }
        Ok(Some(hooks))
    }
}

impl Hooks for PyHooks {
    fn wants(&self) -> bool {
        !(self.request.is_empty() && self.response.is_empty())
    }

    fn on_event(&self, event: &AttemptEvent<'_>) {
        let fns = match event.phase {
            Phase::Request => &self.request,
            Phase::Response => &self.response,
        };
        if fns.is_empty() {
            return;
        }
        let fields = Value::Object(event.to_json(Spelling::Python));
        // At interpreter exit there is no one left to tell.
        Python::try_attach(|py| {
            let Ok(dict) = crate::models::json_to_py(py, &fields) else {
                return;
            };
            for f in fns {
                if let Err(e) = f.call1(py, (dict.clone(),)) {
                    tracing::warn!(
                        hook = event.phase.as_str(),
                        error = %e,
                        "an event hook raised; the call goes on"
                    );
                }
            }
        });
    }
}
