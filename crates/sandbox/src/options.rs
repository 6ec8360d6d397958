//! A sandbox's start options given as data by a binding (Python keywords, a JS object):
//! one reader, so both languages accept the same options with the same messages.

use serde_json::{Map, Value};

use crate::{SandboxConfig, SandboxError};

/// The start options: the Python keyword, the Node key, and what it sets.
pub const START_OPTIONS: &[(&str, &str, &str)] = &[
    (
        "seed",
        "seed",
        "the default seed of probabilistic faults (0)",
    ),
    (
        "access_no",
        "accessNo",
        "the access party number (generated)",
    ),
    (
        "secret",
        "secret",
        "the access party's signing secret (generated)",
    ),
    (
        "webhook_secret",
        "webhookSecret",
        "the webhook secret, `whsec_<base64>` (generated)",
    ),
    ("port", "port", "the port on 127.0.0.1 (0: a free one)"),
    (
        "timestamp_window",
        "timestampWindowMs",
        "how far a request's timestamp may be from the sandbox clock (300 s; Python seconds, Node milliseconds), counted in whole seconds (a fraction is dropped)",
    ),
];

fn invalid(e: tradepay_types::Error) -> SandboxError {
    SandboxError::Invalid(e.to_string())
}

/// The configuration `options` ask for, with `camel` choosing Node's names. An unknown key
/// is refused naming the option probably meant; `null` means "not given".
pub fn config_from_options(
    options: &Map<String, Value>,
    camel: bool,
) -> Result<SandboxConfig, SandboxError> {
    let name = |o: &(&'static str, &'static str, &str)| if camel { o.1 } else { o.0 };
    let names: Vec<&str> = START_OPTIONS.iter().map(name).collect();
    tradepay_types::suggest::check_options(options.keys().map(String::as_str), &names)
        .map_err(invalid)?;
    let get = |i: usize| options.get(names[i]).filter(|v| !v.is_null());
    let text = |i: usize| -> Result<Option<String>, SandboxError> {
        get(i)
            .map(|v| {
                v.as_str().map(str::to_owned).ok_or_else(|| {
                    invalid(tradepay_types::Error::option(names[i], "must be a string"))
                })
            })
            .transpose()
    };
    let whole = |i: usize, max: u64| -> Result<Option<u64>, SandboxError> {
        get(i)
            .map(|v| {
                v.as_u64().filter(|n| *n <= max).ok_or_else(|| {
                    invalid(tradepay_types::Error::option(
                        names[i],
                        format!("must be a whole number from 0 to {max}"),
                    ))
                })
            })
            .transpose()
    };
    let mut config = SandboxConfig::default();
    if let Some(seed) = whole(0, u64::MAX)? {
        config.seed = seed;
    }
    config.access_no = text(1)?;
    config.secret = text(2)?;
    config.webhook_secret = text(3)?;
    if let Some(port) = whole(4, u64::from(u16::MAX))? {
        config.port = port as u16;
    }
    if let Some(window) = get(5) {
        let name = names[5];
        let n = window.as_f64().ok_or_else(|| {
            invalid(tradepay_types::duration::not_a_number(
                name,
                tradepay_types::duration::json_kind(window),
            ))
        })?;
        let window = if camel {
            tradepay_types::duration::from_millis_f64(name, n)
        } else {
            tradepay_types::duration::from_secs_f64(name, n)
        };
        config.timestamp_window = window.map_err(invalid)?;
    }
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn read(v: Value, camel: bool) -> Result<SandboxConfig, String> {
        let Value::Object(map) = v else {
            unreachable!()
        };
        config_from_options(&map, camel).map_err(|e| e.shown_message())
    }

    #[test]
    fn both_spellings_set_the_same_fields_and_refuse_the_other() {
        let node = read(
            json!({"seed": 7, "accessNo": "acc_x", "webhookSecret": null, "port": 0}),
            true,
        )
        .unwrap();
        assert_eq!((node.seed, node.access_no.as_deref()), (7, Some("acc_x")));
        let python = read(json!({"access_no": "acc_x"}), false).unwrap();
        assert_eq!(python.access_no.as_deref(), Some("acc_x"));
        assert_eq!(
            read(json!({"access_no": "a"}), true).unwrap_err(),
            "access_no: unknown option; did you mean accessNo?"
        );
        assert_eq!(
            read(json!({"port": 70000}), true).unwrap_err(),
            "port: must be a whole number from 0 to 65535"
        );
    }
}
