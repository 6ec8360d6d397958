//! Results back to JS as plain objects, and the few values read outside a request
//! (durations in seconds, values to redact). Requests themselves are read by the core's
//! `tradepay_transport::Call::read` (see `client.rs`).

use std::time::Duration;

use serde::Serialize;
use serde_json::Value;

use crate::failure::Failure;

/// A duration in seconds given by JS: the range and message of `tradepay_types`.
pub fn seconds(v: f64, key: &str) -> Result<Duration, Failure> {
    Ok(tradepay_types::duration::from_secs_f64(key.to_owned(), v)?)
}

/// A result as the plain object of its wire fields.
pub fn to_js<T: Serialize>(v: &T) -> Result<Value, Failure> {
    serde_json::to_value(v).map_err(|e| Failure {
        class: tradepay_types::describe::error_class("protocol"),
        message: format!("cannot convert the result: {e}"),
        ..Failure::default()
    })
}

/// `value` as util.inspect shows it: card data, CVC, auth codes, tokens and secrets masked
/// by the core's rules (`tradepay_types::redact`), as Rust's `Debug` and the logs mask them.
#[napi_derive::napi(js_name = "redact")]
pub fn redact(value: napi::bindgen_prelude::Unknown<'_>) -> napi::Result<Value> {
    crate::failure::sync_guard(|| {
        let value = crate::js::to_value(crate::js::Js::new(&value), "value")?;
        Ok(tradepay_types::redact::redact_value(
            &value.unwrap_or(Value::Null),
        ))
    })
    .map_err(crate::failure::napi_err)
}

/// A list of results, converted to JS one element at a time: napi bounds a single
/// conversion to a million values, which the listings of a sandbox that served a 100 000
/// operation soak exceed.
pub struct Listing(pub Vec<Value>);

impl Listing {
    /// Each item as the plain object of its wire fields.
    pub fn of<T: Serialize>(items: &[T]) -> Result<Listing, Failure> {
        items
            .iter()
            .map(to_js)
            .collect::<Result<_, _>>()
            .map(Listing)
    }
}

impl napi::bindgen_prelude::ToNapiValue for Listing {
    unsafe fn to_napi_value(
        env: napi::sys::napi_env,
        val: Self,
    ) -> napi::Result<napi::sys::napi_value> {
        use napi::sys;
        let fail = |what: &str| napi::Error::new(napi::Status::GenericFailure, what.to_owned());
        let mut array = std::ptr::null_mut();
        if unsafe { sys::napi_create_array_with_length(env, val.0.len(), &mut array) }
            != sys::Status::napi_ok
        {
            return Err(fail("cannot create the result array"));
        }
        for (i, item) in val.0.into_iter().enumerate() {
            let index = u32::try_from(i).map_err(|_| fail("too many results"))?;
            let js = unsafe { Value::to_napi_value(env, item)? };
            if unsafe { sys::napi_set_element(env, array, index, js) } != sys::Status::napi_ok {
                return Err(fail("cannot fill the result array"));
            }
        }
        Ok(array)
    }
}
