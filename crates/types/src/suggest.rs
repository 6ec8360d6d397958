//! Refusing unknown keys with a suggestion of the name meant, one rule for every binding.
//!
//! A misspelt or wrongly-cased key silently ignored is a payment without its webhook or a
//! timeout that never applies, so every binding checks request and option keys here.

use crate::Error;

/// Lowercase, without `_` and `-`: the name under every case convention (`notifyUrl`,
/// `NOTIFY_URL`, `notify-url` and `notify_url` are one name).
fn fold(key: &str) -> String {
    key.chars()
        .filter(|c| *c != '_' && *c != '-')
        .map(|c| c.to_ascii_lowercase())
        .collect()
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

/// The known name `key` most likely meant: the same name in another case convention
/// (`notifyUrl` → `notify_url`, `timeout_ms` → `timeoutMs`), a prefix (`timeout` →
/// `timeoutMs`), or the nearest within two edits (`merchnt_id`). `None` when nothing is close.
pub fn suggest<'a>(key: &str, known: &[&'a str]) -> Option<&'a str> {
    let folded = fold(key);
    if let Some(hit) = known.iter().find(|n| fold(n) == folded) {
        return Some(hit);
    }
    // Edit distance is quadratic: a huge key is no one's typo.
    if key.len() > 64 {
        return None;
    }
    if folded.len() >= 4 {
        if let Some(hit) = known.iter().find(|n| fold(n).starts_with(&folded)) {
            return Some(hit);
        }
    }
    known
        .iter()
        .map(|n| (distance(&folded, &fold(n)), *n))
        .filter(|(d, n)| *d > 0 && *d <= 2 && *d < n.len())
        .min_by_key(|(d, _)| *d)
        .map(|(_, n)| n)
}

/// The error for an unknown `key` of a request (`what` = "parameter") or of options
/// ("option"), with the suggestion when there is one.
pub fn unknown(key: &str, known: &[&str], what: &str) -> Error {
    // A caller's key is shown, capped so that a megabyte key is not a megabyte message.
    let shown: String = if key.chars().count() > 64 {
        key.chars().take(64).chain("…".chars()).collect()
    } else {
        key.to_owned()
    };
    let message = match suggest(key, known) {
        Some(s) => format!("unknown {what}; did you mean {s}?"),
        None => format!("unknown {what}"),
    };
    Error::option(shown, message)
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
