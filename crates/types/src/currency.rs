//! ISO 4217 currencies (protocol §5), from the `iso_currency` crate's table of the standard.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::code::FORMAT_CURRENCY;
use crate::error::Error;

/// Codes ISO 4217 lists that are not currencies one pays in: precious metals, SDR and
/// other units of account, the testing code and "no currency".
const NOT_FOR_PAYMENT: &[&str] = &[
    "XAU", "XAG", "XPD", "XPT", "XDR", "XSU", "XUA", "XBA", "XBB", "XBC", "XBD", "XTS", "XXX",
];

/// A current ISO 4217 currency that the gateway accepts, with its minor unit.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Currency {
    code: [u8; 3],
    exponent: u8,
}

impl Currency {
    /// Reads a currency as a caller gives it: case does not matter (`"usd"` is USD).
    pub fn from_user(text: &str) -> Result<Currency, Error> {
        Self::from_wire(&text.to_ascii_uppercase())
    }

    /// Reads a currency as the wire carries it: uppercase ISO 4217 alpha-3 only.
    pub fn from_wire(text: &str) -> Result<Currency, Error> {
        if text.is_empty() {
            return Err(invalid("is required"));
        }
        if text.len() != 3 || !text.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(invalid(
                "must be an uppercase ISO 4217 alpha-3 code, like USD",
            ));
        }
        if NOT_FOR_PAYMENT.contains(&text) {
            return Err(invalid(format!(
                "{text} is an ISO 4217 code for a metal, fund unit or test, not a currency one pays in"
            )));
        }
        let iso = iso_currency::Currency::from_code(text)
            .ok_or_else(|| invalid(format!("{text} is not an ISO 4217 currency code")))?;
        for flag in iso.flags() {
            match flag {
                // XAD (Arab accounting dinar) and any unit of account ISO adds later.
                iso_currency::Flag::Special => {
                    return Err(invalid(format!(
                        "{text} is an ISO 4217 code for a metal, fund unit or test, not a currency one pays in"
                    )))
                }
                // The crate marks VES as superseded by VED, but ISO 4217 still lists both as
                // current Venezuelan currencies.
                iso_currency::Flag::Superseded(_) if text == "VES" => {}
                iso_currency::Flag::Superseded(by) => {
                    return Err(invalid(format!(
                        "{text} has been withdrawn from ISO 4217 (replaced by {})",
                        by.code()
                    )))
                }
                iso_currency::Flag::Fund => {}
            }
        }
        let exponent = iso.exponent().unwrap_or(2).min(u16::from(u8::MAX)) as u8;
        let b = text.as_bytes();
        Ok(Currency {
            code: [b[0], b[1], b[2]],
            exponent,
        })
    }

    /// The three-letter code.
    pub fn code(&self) -> &str {
        // The bytes were checked to be ASCII uppercase letters when the value was made.
        std::str::from_utf8(&self.code).unwrap_or("XXX")
    }

    /// ISO 4217's minor unit: 2 for USD, 0 for JPY, 3 for KWD.
    pub fn exponent(&self) -> u8 {
        self.exponent
    }
}

fn invalid(rule: impl Into<std::borrow::Cow<'static, str>>) -> Error {
    Error::validation(FORMAT_CURRENCY, "currency", rule)
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl fmt::Debug for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Currency({})", self.code())
    }
}

impl Serialize for Currency {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Currency::from_wire(&text).map_err(serde::de::Error::custom)
    }
}
