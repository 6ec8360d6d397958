//! Reading JS arguments into the typed requests of `tradepay-types`, and results back.
//!
//! Requests are read by the same `from_data` functions the gateway applies to what it
//! receives, so every rule (and every message, such as the one refusing a `number` amount)
//! is the one of `tradepay-types`. The only change made here is what api.md asks of every
//! SDK: the currency is uppercased (in `tradepay_types::params`).

use std::time::Duration;

use serde::Serialize;
use serde_json::{Map, Value};
use tradepay_types::{OrderRef, PayRequest, RefundQueryRequest, RefundRequest};

use crate::failure::Failure;

/// A duration in milliseconds given by JS: the range and message of `tradepay_types`.
pub fn ms(v: f64, key: &str) -> Result<Duration, Failure> {
    Ok(tradepay_types::duration::from_millis_f64(
        key.to_owned(),
        v,
    )?)
}

/// A duration in seconds given by JS: the range and message of `tradepay_types`.
pub fn seconds(v: f64, key: &str) -> Result<Duration, Failure> {
    Ok(tradepay_types::duration::from_secs_f64(key.to_owned(), v)?)
}

// Requests are read by `tradepay_types::params`, the reader every binding shares, so the
// accepted keys, micropay's shape and every message are the same in Python and Node.
use tradepay_types::params;

/// A caller's PAY.
pub fn pay(map: Map<String, Value>) -> Result<PayRequest, Failure> {
    Ok(params::pay(map)?)
}

/// A caller's micropay (PAY's fields with `auth_code` at the top, api.md).
pub fn micropay(map: Map<String, Value>) -> Result<PayRequest, Failure> {
    Ok(params::micropay(map)?)
}

/// `merchant_id` and the order named by `trade_id` and/or `order_id`.
pub fn order(map: &Map<String, Value>) -> Result<(OrderRef, String), Failure> {
    Ok(params::order(map)?)
}

/// A caller's REFUND.
pub fn refund(map: &Map<String, Value>) -> Result<RefundRequest, Failure> {
    Ok(params::refund(map)?)
}

/// A caller's REFUND_QUERY.
pub fn refund_query(map: &Map<String, Value>) -> Result<RefundQueryRequest, Failure> {
    Ok(params::refund_query(map)?)
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
