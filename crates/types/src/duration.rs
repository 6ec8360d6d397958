//! Durations a caller passes in (timeouts, deadlines, webhook tolerances): one range and one
//! message in every language.
//!
//! A bound exists because a deadline is an instant computed as `now + duration`, and an
//! enormous duration would overflow it; no payment call sensibly waits longer than a day.

use std::borrow::Cow;
use std::time::Duration;

use crate::error::Error;

/// The longest duration any option accepts: one day.
pub const MAX_DURATION: Duration = Duration::from_secs(86_400);

const OUT_OF_RANGE: &str = "must be between 0 and 86400 seconds";
// Node takes milliseconds, so its message speaks in the unit the caller wrote.
const OUT_OF_RANGE_MS: &str = "must be between 0 and 86400000 milliseconds";

/// `value` if it is at most [`MAX_DURATION`]; else a validation error about `option`.
pub fn check(option: impl Into<Cow<'static, str>>, value: Duration) -> Result<Duration, Error> {
    if value <= MAX_DURATION {
        Ok(value)
    } else {
        Err(Error::option(option, OUT_OF_RANGE))
    }
}

/// A number of seconds from a binding (Python's `timeout=2.5`); negative, NaN, infinite or
/// over [`MAX_DURATION`] is a validation error about `option`.
pub fn from_secs_f64(option: impl Into<Cow<'static, str>>, secs: f64) -> Result<Duration, Error> {
    // The comparison is false for NaN, so NaN is refused with the rest.
    if (0.0..=MAX_DURATION.as_secs_f64()).contains(&secs) {
        Ok(Duration::from_secs_f64(secs))
    } else {
        Err(Error::option(option, OUT_OF_RANGE))
    }
}

/// A number of milliseconds from a binding (Node's `timeoutMs: 2500`), with the same rule.
pub fn from_millis_f64(option: impl Into<Cow<'static, str>>, ms: f64) -> Result<Duration, Error> {
    if (0.0..=MAX_DURATION.as_secs_f64() * 1000.0).contains(&ms) {
        Ok(Duration::from_secs_f64(ms / 1000.0))
    } else {
        Err(Error::option(option, OUT_OF_RANGE_MS))
    }
}

/// A duration given as something else than a number; `got` says what it was ("a string",
/// as [`json_kind`] words it).
pub fn not_a_number(option: impl Into<Cow<'static, str>>, got: &str) -> Error {
    Error::option(option, format!("must be a number, not {got}"))
}

/// What a JSON value is, in the words of the messages: "a string", "a boolean", …
pub fn json_kind(value: &serde_json::Value) -> &'static str {
    use serde_json::Value;
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn range() {
        assert_eq!(
            from_secs_f64("t", 2.5).unwrap(),
            Duration::from_millis(2500)
        );
        assert_eq!(
            from_millis_f64("t", 2500.0).unwrap(),
            Duration::from_millis(2500)
        );
        assert_eq!(from_secs_f64("t", 86_400.0).unwrap(), MAX_DURATION);
        for bad in [
            -1.0,
            f64::NAN,
            f64::INFINITY,
            86_400.5,
            1e300,
            1.8446744073709552e19,
        ] {
            let e = from_secs_f64("timeout", bad).unwrap_err();
            assert!(e.is_validation());
            assert_eq!(e.code(), None);
            assert_eq!(
                e.to_string(),
                "timeout: must be between 0 and 86400 seconds"
            );
            assert_eq!(
                from_millis_f64("timeoutMs", bad * 1000.0)
                    .unwrap_err()
                    .to_string(),
                "timeoutMs: must be between 0 and 86400000 milliseconds"
            );
        }
        assert!(check("t", Duration::MAX).is_err());
        assert!(check("t", MAX_DURATION).is_ok());
    }
}
