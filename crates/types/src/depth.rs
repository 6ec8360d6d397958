//! How deeply nested a value a binding converts from its language may be (Python dicts and
//! lists given to `Trade.from_dict`, fault rules, …).
//!
//! A binding converts such values recursively; without a bound a 10 000-deep or cyclic value
//! overflows the stack and kills the process. No value of the protocol nests more than a few
//! levels, so a limit far above that refuses only what is hostile or cyclic (a cycle is
//! infinitely deep, so it meets the limit too).

use std::borrow::Cow;

use crate::error::Error;

/// The deepest nesting a converted value may have (serde_json's own parser stops at 128).
pub const MAX_DEPTH: usize = 64;

/// The deepest nesting of a request's parameters, as both bindings read them. Requests of the
/// protocol are a few levels deep; anything deeper is a mistake (most likely a cyclic
/// object) and is refused before it can exhaust the stack.
pub const REQUEST_MAX_DEPTH: usize = 32;

/// The rule a request nested deeper than [`REQUEST_MAX_DEPTH`] breaks.
pub const REQUEST_TOO_DEEP: &str = "is nested too deeply (more than 32 levels; a cyclic object?)";

/// `Ok` while `depth` (0 at the top value) is within [`MAX_DEPTH`]; else a validation error
/// about `what`.
pub fn check(what: impl Into<Cow<'static, str>>, depth: usize) -> Result<(), Error> {
    if depth <= MAX_DEPTH {
        Ok(())
    } else {
        Err(Error::option(
            what,
            "nests deeper than 64 levels, or contains itself",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limit() {
        assert!(check("data", 0).is_ok());
        assert!(check("data", MAX_DEPTH).is_ok());
        let e = check("data", MAX_DEPTH + 1).unwrap_err();
        assert!(e.is_validation());
        assert_eq!(
            e.to_string(),
            "data: nests deeper than 64 levels, or contains itself"
        );
    }

    #[test]
    fn the_request_rule_states_its_own_bound() {
        assert!(REQUEST_TOO_DEEP.contains(&format!("more than {REQUEST_MAX_DEPTH} levels")));
        const { assert!(REQUEST_MAX_DEPTH <= MAX_DEPTH) };
    }
}
