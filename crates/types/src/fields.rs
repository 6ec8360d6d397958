//! Reading and checking `data` fields, shared by every request type.

use serde_json::{Map, Value};

use crate::code::FORMAT_FIELD;
use crate::error::Error;

pub(crate) fn field_error(
    field: &'static str,
    rule: impl Into<std::borrow::Cow<'static, str>>,
) -> Error {
    Error::validation(FORMAT_FIELD, field, rule)
}

pub(crate) struct Reader<'a> {
    pub map: &'a Map<String, Value>,
}

impl<'a> Reader<'a> {
    pub fn new(map: &'a Map<String, Value>) -> Self {
        Reader { map }
    }

    /// A string field that may be absent or null.
    pub fn opt_str(&self, field: &'static str) -> Result<Option<&'a str>, Error> {
        match self.map.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(field_error(field, "must be a string")),
        }
    }

    /// A string field that must be present and non-empty.
    pub fn req_str(&self, field: &'static str) -> Result<&'a str, Error> {
        match self.opt_str(field)? {
            Some(s) if !s.is_empty() => Ok(s),
            _ => Err(field_error(field, "is required")),
        }
    }

    /// An object field that may be absent or null.
    pub fn opt_object(&self, field: &'static str) -> Result<Option<&'a Map<String, Value>>, Error> {
        match self.map.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Object(o)) => Ok(Some(o)),
            Some(_) => Err(field_error(field, "must be a JSON object")),
        }
    }
}

/// IDs (`merchant_id`, `order_id`, `refund_id`, `trade_id`): 1–64 of `[A-Za-z0-9_-]`.
pub(crate) fn check_id(field: &'static str, value: &str) -> Result<(), Error> {
    if value.is_empty() || value.len() > 64 {
        return Err(field_error(field, "must be 1 to 64 characters long"));
    }
    if !value
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        return Err(field_error(
            field,
            "may contain only letters, digits, '_' and '-'",
        ));
    }
    Ok(())
}

/// Free text with a length limit and no control characters.
pub(crate) fn check_text(field: &'static str, value: &str, max_bytes: usize) -> Result<(), Error> {
    if value.len() > max_bytes {
        return Err(field_error(
            field,
            format!("must be at most {max_bytes} bytes long"),
        ));
    }
    if value.chars().any(char::is_control) {
        return Err(field_error(field, "must not contain control characters"));
    }
    Ok(())
}

/// An absolute http(s) URL without spaces, at most 2048 bytes.
pub(crate) fn check_url(field: &'static str, value: &str) -> Result<(), Error> {
    let rest = value
        .strip_prefix("https://")
        .or_else(|| value.strip_prefix("http://"))
        .ok_or_else(|| field_error(field, "must be an absolute http:// or https:// URL"))?;
    if value.len() > 2048 {
        return Err(field_error(field, "must be at most 2048 bytes long"));
    }
    let host_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    if host_end == 0 {
        return Err(field_error(field, "must name a host"));
    }
    if value
        .bytes()
        .any(|b| b.is_ascii_whitespace() || b.is_ascii_control())
    {
        return Err(field_error(
            field,
            "must not contain spaces or control characters",
        ));
    }
    Ok(())
}

/// Only ASCII digits, with a length range.
pub(crate) fn check_digits(
    field: &'static str,
    value: &str,
    min: usize,
    max: usize,
) -> Result<(), Error> {
    if value.len() < min || value.len() > max || !value.bytes().all(|b| b.is_ascii_digit()) {
        let rule = if min == max {
            format!("must be {min} digits")
        } else {
            format!("must be {min} to {max} digits")
        };
        return Err(field_error(field, rule));
    }
    Ok(())
}
