//! The one error type of this crate.

use std::borrow::Cow;
use std::fmt;

/// What went wrong, for callers that branch on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A value breaks a rule of the protocol. From a caller, nothing has been sent; in the
    /// gateway, [`Error::code`] is what it answers.
    Validation,
    /// Bytes that came over the network are not what the protocol says they are.
    Protocol,
    /// A request or response signature is missing or does not match.
    Signature,
    /// A webhook delivery failed verification (signature, timestamp, headers or body).
    Webhook,
}

/// An error with the field it concerns and the rule that was broken.
///
/// Messages never contain secrets, card numbers or CVCs: they name the field and the rule,
/// and quote a value only when it is harmless (an amount, a currency, a code).
#[derive(Clone, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
    code: Option<&'static str>,
    field: Option<Cow<'static, str>>,
    message: Cow<'static, str>,
}

impl Error {
    /// A validation error with the gateway code that answers it.
    pub fn validation(
        code: &'static str,
        field: impl Into<Cow<'static, str>>,
        message: impl Into<Cow<'static, str>>,
    ) -> Self {
        Error {
            kind: ErrorKind::Validation,
            code: Some(code),
            field: Some(field.into()),
            message: message.into(),
        }
    }

    /// A caller's option (a timeout, a tolerance, a URL) that the SDK refuses: a validation
    /// error with no gateway code, since the gateway never sees options.
    pub fn option(
        field: impl Into<Cow<'static, str>>,
        message: impl Into<Cow<'static, str>>,
    ) -> Self {
        Error {
            kind: ErrorKind::Validation,
            code: None,
            field: Some(field.into()),
            message: message.into(),
        }
    }

    /// An error about bytes received from the network.
    pub fn protocol(message: impl Into<Cow<'static, str>>) -> Self {
        Error {
            kind: ErrorKind::Protocol,
            code: None,
            field: None,
            message: message.into(),
        }
    }

    /// A signature that is missing or does not match.
    pub fn signature(message: impl Into<Cow<'static, str>>) -> Self {
        Error {
            kind: ErrorKind::Signature,
            code: None,
            field: None,
            message: message.into(),
        }
    }

    /// A webhook delivery that failed verification.
    pub fn webhook(message: impl Into<Cow<'static, str>>) -> Self {
        Error {
            kind: ErrorKind::Webhook,
            code: None,
            field: None,
            message: message.into(),
        }
    }

    /// A webhook delivery whose `field` (`body`, `headers`) cannot be read at all.
    pub fn webhook_about(
        field: impl Into<Cow<'static, str>>,
        message: impl Into<Cow<'static, str>>,
    ) -> Self {
        Error {
            kind: ErrorKind::Webhook,
            code: None,
            field: Some(field.into()),
            message: message.into(),
        }
    }

    /// Returns the same error about a field nested under `parent` (`card` → `payment_method_data.card`).
    pub(crate) fn under(mut self, parent: &str) -> Self {
        self.field = Some(match self.field {
            Some(f) => Cow::Owned(format!("{parent}.{f}")),
            None => Cow::Owned(parent.to_owned()),
        });
        self
    }

    /// Returns the same error naming `to` if it named `from`: for a field the caller gave
    /// under another name than the wire's (micropay's top-level `auth_code`).
    pub(crate) fn renamed(mut self, from: &str, to: &'static str) -> Self {
        if self.field.as_deref() == Some(from) {
            self.field = Some(Cow::Borrowed(to));
        }
        self
    }

    /// What kind of error this is.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The gateway code for this rule (`22070010` for an invalid amount, …), when there is one.
    pub fn code(&self) -> Option<&'static str> {
        self.code
    }

    /// The field the error concerns, with dots for nesting (`payment_method_data.card.number`).
    pub fn field(&self) -> Option<&str> {
        self.field.as_deref()
    }

    /// The rule that was broken, without the field name.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// True for [`ErrorKind::Validation`].
    pub fn is_validation(&self) -> bool {
        self.kind == ErrorKind::Validation
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.field {
            Some(field) => write!(f, "{field}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Error")
            .field("kind", &self.kind)
            .field("code", &self.code)
            .field("field", &self.field)
            .field("message", &self.message)
            .finish()
    }
}

impl std::error::Error for Error {}

/// A serde_json error as text with every quoted value left out: serde quotes the offending
/// value (`invalid type: string "4242…"`), which may be a card number, a token or a secret.
/// Field names (in backticks), positions and the rule stay.
pub(crate) fn serde_detail(e: &serde_json::Error) -> String {
    let text = e.to_string();
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '"' {
            out.push(c);
            continue;
        }
        out.push_str("\"…\"");
        // serde writes the value with Debug escapes, so a quote inside it is `\"`.
        while let Some(c) = chars.next() {
            match c {
                '\\' => {
                    chars.next();
                }
                '"' => break,
                _ => {}
            }
        }
    }
    out
}
