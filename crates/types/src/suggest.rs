//! Refusing unknown keys with a suggestion of the name meant, one rule for every binding.
//!
//! A misspelt or wrongly-cased key silently ignored is a payment without its webhook or a
//! timeout that never applies, so every binding checks request and option keys here.

use crate::Error;

fn snake_to_camel(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut up = false;
    for c in s.chars() {
        if c == '_' {
            up = true;
        } else if up {
            out.extend(c.to_uppercase());
            up = false;
        } else {
            out.push(c);
        }
    }
    out
}

fn camel_to_snake(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 4);
    for c in s.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// The known name `key` most likely meant: the same name in the other case convention
/// (`notifyUrl` → `notify_url`), a prefix match (`timeout` → `timeoutMs`), or the nearest by
/// edit distance when it is within a third of the key's length. `None` when nothing is close.
pub fn suggest<'a>(key: &str, known: &[&'a str]) -> Option<&'a str> {
    let norm = |s: &str| camel_to_snake(s).to_ascii_lowercase();
    let k = norm(key);
    if let Some(hit) = known
        .iter()
        .find(|n| norm(n) == k || snake_to_camel(n) == key)
    {
        return Some(hit);
    }
    if key.len() >= 4 {
        if let Some(hit) = known.iter().find(|n| norm(n).starts_with(&k)) {
            return Some(hit);
        }
    }
    known
        .iter()
        .map(|n| (distance(&k, &norm(n)), *n))
        .filter(|(d, _)| *d > 0 && *d <= k.len().max(3) / 3)
        .min_by_key(|(d, _)| *d)
        .map(|(_, n)| n)
}

fn unknown(key: &str, known: &[&str], what: &str) -> Error {
    let message = match suggest(key, known) {
        Some(s) => format!("unknown {what}; did you mean {s}?"),
        None => format!("unknown {what}"),
    };
    Error::option(key.to_owned(), message)
}

/// Refuses the first key of `keys` not in `known`, as a request parameter
/// (`notifyUrl: unknown parameter; did you mean notify_url?`).
pub fn check_params<'k>(
    keys: impl IntoIterator<Item = &'k str>,
    known: &[&str],
) -> Result<(), Error> {
    check(keys, known, "parameter")
}

/// Refuses the first key of `keys` not in `known`, as an option
/// (`timeout: unknown option; did you mean timeoutMs?`).
pub fn check_options<'k>(
    keys: impl IntoIterator<Item = &'k str>,
    known: &[&str],
) -> Result<(), Error> {
    check(keys, known, "option")
}

fn check<'k>(
    keys: impl IntoIterator<Item = &'k str>,
    known: &[&str],
    what: &str,
) -> Result<(), Error> {
    match keys.into_iter().find(|k| !known.contains(k)) {
        Some(k) => Err(unknown(k, known, what)),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions() {
        let params = ["merchant_id", "order_id", "notify_url", "return_url"];
        assert_eq!(suggest("notifyUrl", &params), Some("notify_url"));
        assert_eq!(suggest("merchantId", &params), Some("merchant_id"));
        assert_eq!(suggest("oder_id", &params), Some("order_id"));
        assert_eq!(suggest("zzz", &params), None);
        let opts = ["baseUrl", "timeoutMs", "deadlineMs"];
        assert_eq!(suggest("timeout", &opts), Some("timeoutMs"));
        assert_eq!(suggest("base_url", &opts), Some("baseUrl"));
    }

    #[test]
    fn messages() {
        let e = check_params(["notifyUrl"], &["notify_url"]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "notifyUrl: unknown parameter; did you mean notify_url?"
        );
        let e = check_options(["timeout"], &["timeoutMs"]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "timeout: unknown option; did you mean timeoutMs?"
        );
        let e = check_options(["qqqq"], &["timeoutMs"]).unwrap_err();
        assert_eq!(e.to_string(), "qqqq: unknown option");
        assert!(check_params(["notify_url"], &["notify_url"]).is_ok());
    }
}
