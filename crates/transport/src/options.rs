//! Client options given as data (a Python `**kwargs`, a JS options object), read by the one
//! table of `tradepay_types::describe::CLIENT_OPTIONS`: the names, types, defaults and
//! messages of every option are the same in each binding, and no binding holds its own.

use serde_json::{Map, Value};
use tradepay_types::describe::{OptionDesc, OptionType, CLIENT_OPTIONS, PER_CALL_OPTIONS};
use tradepay_types::{duration, suggest};

use crate::builder::ClientBuilder;
use crate::call_options::CallOptions;
use crate::client::Client;
use crate::error::Error;

/// Which language's names and units the options use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Spelling {
    /// snake_case keywords; durations in seconds.
    Python,
    /// camelCase keys; durations in milliseconds (`timeoutMs`).
    Node,
}

impl Spelling {
    /// The name of `option` in this language.
    pub fn name(self, option: &OptionDesc) -> &'static str {
        match self {
            Spelling::Python => option.python,
            Spelling::Node => option.node,
        }
    }
}

enum Given {
    Str(String),
    AppInfo(Map<String, Value>),
    Count(u32),
    Bool(bool),
    Duration(std::time::Duration),
}

fn read(
    option: &OptionDesc,
    name: &'static str,
    value: &Value,
    number: Option<f64>,
    spelling: Spelling,
) -> Result<Given, Error> {
    let wrong = |rule: &'static str| Error::from(tradepay_types::Error::option(name, rule));
    match option.ty {
        OptionType::Str => value
            .as_str()
            .map(|s| Given::Str(s.to_owned()))
            .ok_or_else(|| wrong("must be a string")),
        OptionType::AppInfo => value
            .as_object()
            .map(|m| Given::AppInfo(m.clone()))
            .ok_or_else(|| {
                wrong(match spelling {
                    Spelling::Python => {
                        "must be a dict like {\"name\": \"shop\", \"version\": \"1.2\"}"
                    }
                    Spelling::Node => "must be an object like { name: 'shop', version: '1.2' }",
                })
            }),
        OptionType::Bool => value
            .as_bool()
            .map(Given::Bool)
            .ok_or_else(|| wrong("must be true or false")),
        // The binding takes a value it can use before the core reads the rest: anything left
        // under the name is of the wrong type.
        OptionType::EventHooks => Err(wrong(EVENT_HOOKS_RULE)),
        OptionType::Logger => Err(wrong(LOGGER_RULE)),
        OptionType::Count => value
            .as_u64()
            .and_then(|n| u32::try_from(n).ok())
            .map(Given::Count)
            .ok_or_else(|| wrong("must be a whole number, 0 or more")),
        OptionType::Duration => {
            // A bool is a JSON value of its own, so `true` never reads as 1.
            let n = number
                .or(value.as_f64())
                .ok_or_else(|| duration::not_a_number(name, duration::json_kind(value)))?;
            let d = match spelling {
                Spelling::Python => duration::from_secs_f64(name, n),
                Spelling::Node => duration::from_millis_f64(name, n),
            };
            Ok(Given::Duration(d?))
        }
    }
}

/// What Python's `event_hooks` must be.
pub const EVENT_HOOKS_RULE: &str =
    "must be a dict like {\"request\": [fn], \"response\": [fn]} of lists of callables";

/// What Node's `logger` must be.
pub const LOGGER_RULE: &str = "must be an object with debug, info, warn and error methods";

/// The hooks a binding may set: `request` and `response`.
pub const HOOK_NAMES: &[&str] = &["request", "response"];

/// `name` as a hook's name, or a ValidationError naming the hook probably meant
/// (`requests: unknown hook; did you mean request?`).
pub fn hook_phase(name: &str) -> Result<crate::hooks::Phase, Error> {
    match name {
        "request" => Ok(crate::hooks::Phase::Request),
        "response" => Ok(crate::hooks::Phase::Response),
        other => Err(suggest::unknown(other, HOOK_NAMES, "hook").into()),
    }
}

fn apply(builder: ClientBuilder, option: &OptionDesc, given: Given) -> ClientBuilder {
    match (option.python, given) {
        ("base_url", Given::Str(s)) => builder.base_url(s),
        ("access_no", Given::Str(s)) => builder.access_no(s),
        ("secret", Given::Str(s)) => builder.secret(s),
        ("max_retries", Given::Count(n)) => builder.max_retries(n),
        ("timeout", Given::Duration(d)) => builder.timeout(d),
        ("deadline", Given::Duration(d)) => builder.deadline(d),
        ("connect_timeout", Given::Duration(d)) => builder.connect_timeout(d),
        ("allow_insecure_http", Given::Bool(b)) => builder.allow_insecure_http(b),
        ("ca_cert", Given::Str(s)) => builder.ca_cert(s),
        ("tls_roots", Given::Str(s)) => builder.tls_roots(s),
        ("app_info", Given::AppInfo(m)) => builder.app_info_fields(m),
        ("journal", Given::Str(s)) => builder.journal(s),
        ("replay_window", Given::Duration(d)) => builder.replay_window(d),
        // The table and this match are checked against each other by a test below.
        (other, _) => unreachable!("client option {other} is described but not applied"),
    }
}

/// The builder the `options` describe, in the names of `spelling`. An unknown key is refused
/// with the name probably meant (`timeout: unknown option; did you mean timeoutMs?`), a
/// value of the wrong type or range with the option's name; a missing required option is
/// refused by [`ClientBuilder::build`]. A `null` / `None` value means "not given".
///
/// `numbers` holds the options a binding read as raw numbers before converting the rest to
/// JSON (which has no NaN or infinity), so that every duration gets the core's one message.
pub fn client_builder(
    options: &Map<String, Value>,
    numbers: &[(String, f64)],
    spelling: Spelling,
) -> Result<ClientBuilder, Error> {
    // An empty name: an option of the other language only.
    let names: Vec<&str> = CLIENT_OPTIONS
        .iter()
        .map(|o| spelling.name(o))
        .filter(|n| !n.is_empty())
        .collect();
    let keys = options.keys().chain(numbers.iter().map(|(k, _)| k));
    suggest::check_options(keys.map(String::as_str), &names)?;
    let mut builder = Client::builder();
    for option in CLIENT_OPTIONS
        .iter()
        .filter(|o| !spelling.name(o).is_empty())
    {
        let name = spelling.name(option);
        let number = numbers.iter().find(|(k, _)| k == name).map(|(_, n)| *n);
        let value = options.get(name).unwrap_or(&Value::Null);
        if value.is_null() && number.is_none() {
            continue;
        }
        builder = apply(
            builder,
            option,
            read(option, name, value, number, spelling)?,
        );
    }
    Ok(builder)
}

/// The Node per-call option that aborts a call: an `AbortSignal`.
pub const NODE_SIGNAL: &str = "signal";

/// The options that may be given for some calls ([`PER_CALL_OPTIONS`]), as described.
pub fn per_call() -> impl Iterator<Item = &'static OptionDesc> {
    CLIENT_OPTIONS
        .iter()
        .filter(|o| PER_CALL_OPTIONS.contains(&o.python))
}

/// The [`CallOptions`] that `options` describe (`with_options(timeout=2)`, a Node call's
/// `{ timeoutMs: 2000 }`), read and checked as [`client_builder`] reads the client's own:
/// the same types, ranges and messages, in the names of `spelling`. Any other key is
/// refused with the name probably meant.
pub fn call_options(
    options: &Map<String, Value>,
    numbers: &[(String, f64)],
    spelling: Spelling,
) -> Result<CallOptions, Error> {
    let mut names: Vec<&str> = per_call().map(|o| spelling.name(o)).collect();
    if spelling == Spelling::Node {
        // A real AbortSignal is taken out by index.js (it is no JSON value); anything
        // else under that key is refused here.
        names.push(NODE_SIGNAL);
        if options.get(NODE_SIGNAL).is_some_and(|v| !v.is_null()) {
            return Err(
                tradepay_types::Error::option(NODE_SIGNAL, "must be an AbortSignal").into(),
            );
        }
    }
    let keys = options.keys().chain(numbers.iter().map(|(k, _)| k));
    suggest::check_options(keys.map(String::as_str), &names)?;
    let mut out = CallOptions::default();
    for option in per_call() {
        let name = spelling.name(option);
        let number = numbers.iter().find(|(k, _)| k == name).map(|(_, n)| *n);
        let value = options.get(name).unwrap_or(&Value::Null);
        if value.is_null() && number.is_none() {
            continue;
        }
        match (option.python, read(option, name, value, number, spelling)?) {
            ("timeout", Given::Duration(d)) => out.timeout = Some(d),
            ("max_retries", Given::Count(n)) => out.max_retries = Some(n),
            ("deadline", Given::Duration(d)) => out.deadline = Some(d),
            (other, _) => unreachable!("per-call option {other} is described but not read"),
        }
    }
    out.check().map_err(|e| in_spelling(e, spelling))?;
    Ok(out)
}

fn in_spelling(e: Error, spelling: Spelling) -> Error {
    match CLIENT_OPTIONS.iter().find(|o| e.field() == Some(o.python)) {
        Some(option) => e.rename_field(spelling.name(option)),
        None => e,
    }
}

/// Builds `builder`, naming the option of a build error as `spelling` does
/// (`baseUrl: is required` in Node, `base_url: is required` in Python and Rust).
pub fn build(builder: ClientBuilder, spelling: Spelling) -> Result<Client, Error> {
    builder.build().map_err(|e| in_spelling(e, spelling))
}

/// The names of the duration options in `spelling` (the ones to read as raw numbers).
pub fn duration_names(spelling: Spelling) -> impl Iterator<Item = &'static str> {
    CLIENT_OPTIONS
        .iter()
        .filter(|o| o.ty == OptionType::Duration)
        .map(move |o| spelling.name(o))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn every_option(spelling: Spelling) -> Map<String, Value> {
        let mut map = Map::new();
        for option in CLIENT_OPTIONS {
            let value = match option.ty {
                OptionType::Str if option.python == "base_url" => json!("http://127.0.0.1:9"),
                // Opened at build(): a file of its own, not one in the working directory.
                OptionType::Str if option.python == "journal" => json!(std::env::temp_dir()
                    .join(format!("tradepay-options-{}.db", std::process::id()))
                    .display()
                    .to_string()),
                OptionType::Str if option.python == "ca_cert" => {
                    json!(std::fs::read_to_string(concat!(
                        env!("CARGO_MANIFEST_DIR"),
                        "/../../tests/fixtures/tls/ca.pem"
                    ))
                    .unwrap())
                }
                OptionType::Str if option.python == "tls_roots" => json!("webpki"),
                OptionType::Str => json!("x"),
                OptionType::Count => json!(1),
                OptionType::Bool => json!(false),
                OptionType::AppInfo => json!({"name": "shop"}),
                OptionType::Duration => json!(5),
                // Set by the binding, never read from data.
                OptionType::EventHooks | OptionType::Logger => continue,
            };
            map.insert(spelling.name(option).into(), value);
        }
        map
    }

    #[test]
    fn every_described_option_is_applied_in_both_spellings() {
        for spelling in [Spelling::Python, Spelling::Node] {
            let builder = client_builder(&every_option(spelling), &[], spelling).unwrap();
            let _runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap()
                .enter();
            drop(builder.build().unwrap());
        }
        let journal =
            std::env::temp_dir().join(format!("tradepay-options-{}.db", std::process::id()));
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", journal.display()));
        }
    }

    #[test]
    fn unknown_keys_wrong_types_and_ranges_name_the_option() {
        let refuse = |map: Value, spelling| {
            let Value::Object(map) = map else {
                unreachable!()
            };
            client_builder(&map, &[], spelling)
                .err()
                .map(|e| e.shown_message())
        };
        assert_eq!(
            refuse(json!({"timeout": 5}), Spelling::Node).as_deref(),
            Some("timeout: unknown option; did you mean timeoutMs?")
        );
        assert_eq!(
            refuse(json!({"timeoutMs": 5}), Spelling::Python).as_deref(),
            Some("timeoutMs: unknown option; did you mean timeout?")
        );
        assert_eq!(
            refuse(json!({"maxRetries": -1}), Spelling::Node).as_deref(),
            Some("maxRetries: must be a whole number, 0 or more")
        );
        assert!(refuse(json!({"timeout": -1.0}), Spelling::Python)
            .is_some_and(|m| m.starts_with("timeout: ")));
        assert_eq!(refuse(json!({"deadline": null}), Spelling::Python), None);
        let Value::Object(no_url) = json!({"accessNo": "a", "secret": "s"}) else {
            unreachable!()
        };
        let built = build(
            client_builder(&no_url, &[], Spelling::Node).unwrap(),
            Spelling::Node,
        );
        assert_eq!(
            built.err().map(|e| e.shown_message()).as_deref(),
            Some("baseUrl: is required")
        );
        let nan = client_builder(
            &Map::new(),
            &[("timeoutMs".into(), f64::NAN)],
            Spelling::Node,
        );
        assert!(nan
            .err()
            .is_some_and(|e| e.shown_message().starts_with("timeoutMs: ")));
    }
}
