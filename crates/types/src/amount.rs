//! Exact decimal amounts with two decimals (protocol §5), never a float.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::code::FORMAT_AMOUNT;
use crate::currency::Currency;
use crate::error::Error;

/// An amount in hundredths of the currency unit, written with exactly two decimals.
///
/// `Amount::parse("10.5")` is 10.50; `"10.505"` is refused, never rounded. Ordering and
/// arithmetic are exact. The default is zero, which no request accepts.
#[derive(Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Amount {
    hundredths: u64,
}

impl Amount {
    /// Zero, as the gateway writes an unrefunded total (`"0.00"`).
    pub const ZERO: Amount = Amount { hundredths: 0 };
    /// The smallest amount a request may carry: 0.01.
    pub const MIN: Amount = Amount { hundredths: 1 };
    /// The largest amount a request may carry: 9999999999.99.
    pub const MAX: Amount = Amount {
        hundredths: 999_999_999_999,
    };

    /// Parses an amount a request may carry: the decimal form of protocol §5 and
    /// 0.01 ≤ amount ≤ 9999999999.99. The error's message says which rule failed.
    pub fn parse(text: &str) -> Result<Amount, Error> {
        let amount = Self::parse_unbounded_below(text)?;
        if amount.hundredths == 0 {
            return Err(invalid("must be at least 0.01"));
        }
        Ok(amount)
    }

    /// Parses an amount the gateway may write, which includes `0.00` (a total with nothing
    /// refunded yet); otherwise the same rules as [`Amount::parse`].
    pub fn parse_total(text: &str) -> Result<Amount, Error> {
        Self::parse_unbounded_below(text)
    }

    fn parse_unbounded_below(text: &str) -> Result<Amount, Error> {
        if text.is_empty() {
            return Err(invalid("must not be empty"));
        }
        let bytes = text.as_bytes();
        if bytes.iter().any(|b| b.is_ascii_whitespace()) {
            return Err(invalid("must not contain spaces"));
        }
        if matches!(bytes[0], b'+' | b'-') {
            return Err(invalid("must not have a sign"));
        }
        if looks_like_exponent(text) {
            return Err(invalid("must not use an exponent"));
        }
        if bytes.iter().any(|b| matches!(b, b',' | b'_' | b'\'')) {
            return Err(invalid("must not contain thousands separators"));
        }
        let (whole, fraction) = match text.split_once('.') {
            Some((w, f)) => (w, Some(f)),
            None => (text, None),
        };
        let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if !all_digits(whole) || !fraction.is_none_or(all_digits) {
            return Err(invalid(
                "must be digits with an optional decimal point and up to two decimals, like 10.50",
            ));
        }
        if whole.is_empty() {
            return Err(invalid("needs a digit before the decimal point"));
        }
        let fraction = fraction.unwrap_or("");
        if text.ends_with('.') {
            return Err(invalid("needs a digit after the decimal point"));
        }
        if fraction.len() > 2 {
            return Err(invalid(
                "must not have more than two decimals (amounts are never rounded)",
            ));
        }
        let significant = whole.trim_start_matches('0');
        if significant.len() > 10 {
            return Err(invalid("must be at most 9999999999.99"));
        }
        let units: u64 = if significant.is_empty() {
            0
        } else {
            significant
                .parse()
                .map_err(|_| invalid("must be at most 9999999999.99"))?
        };
        let mut cents: u64 = 0;
        for (i, b) in fraction.bytes().enumerate() {
            cents += u64::from(b - b'0') * if i == 0 { 10 } else { 1 };
        }
        let hundredths = units * 100 + cents;
        if hundredths > Self::MAX.hundredths {
            return Err(invalid("must be at most 9999999999.99"));
        }
        Ok(Amount { hundredths })
    }

    /// An amount from an exact decimal given as its parts, as Python's
    /// `Decimal.as_tuple()` gives them: the value is `digits × 10^exponent`, negated when
    /// `negative`. `digits` are single decimal digits (0 to 9), most significant first.
    ///
    /// Unlike [`Amount::parse`], the value counts and not its spelling: `7.000` is exactly
    /// 7.00 and is accepted, while `7.001` has three decimals and is refused. Absurd parts
    /// (an exponent of a hundred million, a million digits) are refused before anything is
    /// built from them, so they cost no time or memory. The rules and messages are
    /// otherwise those of [`Amount::parse`].
    pub fn from_decimal_parts(
        negative: bool,
        digits: &[u8],
        exponent: i64,
    ) -> Result<Amount, Error> {
        if digits.iter().any(|d| *d > 9) {
            return Err(invalid(
                "must be digits with an optional decimal point and up to two decimals, like 10.50",
            ));
        }
        if negative {
            return Err(invalid("must not have a sign"));
        }
        let start = digits.iter().position(|d| *d != 0).unwrap_or(digits.len());
        let significant = &digits[start..];
        let zeros = significant.iter().rev().take_while(|d| **d == 0).count();
        let significant = &significant[..significant.len() - zeros];
        if significant.is_empty() {
            return Err(invalid("must be at least 0.01"));
        }
        // Trailing zeros move into the exponent: 7000 × 10^-3 is 7 × 10^0. Both counts are
        // bounded by the slice length, so this cannot overflow an i128.
        let exponent = i128::from(exponent) + zeros as i128;
        if exponent < -2 {
            return Err(invalid(
                "must not have more than two decimals (amounts are never rounded)",
            ));
        }
        // Digits before the decimal point, at least 10 + 1 means above the maximum.
        if significant.len() as i128 + exponent > 10 {
            return Err(invalid("must be at most 9999999999.99"));
        }
        // Now at most 12 significant digits and 0 ≤ exponent + 2 ≤ 12: fits a u64.
        let mut hundredths: u64 = 0;
        for d in significant {
            hundredths = hundredths * 10 + u64::from(*d);
        }
        for _ in 0..(exponent + 2) {
            hundredths *= 10;
        }
        Self::from_hundredths(hundredths).ok_or_else(|| invalid("must be at most 9999999999.99"))
    }

    /// An amount from a whole number of units (Python's `amount=10`), with the rules of
    /// [`Amount::parse`]. A binding whose integers are unbounded passes `i128::MAX` or
    /// `i128::MIN` for any integer beyond `i128`: it breaks the same rule.
    pub fn from_int(units: i128) -> Result<Amount, Error> {
        let magnitude = units.unsigned_abs().to_string();
        let digits: Vec<u8> = magnitude.bytes().map(|b| b - b'0').collect();
        Self::from_decimal_parts(units < 0, &digits, 0)
    }

    /// An amount from hundredths of the unit; `None` above [`Amount::MAX`].
    pub fn from_hundredths(hundredths: u64) -> Option<Amount> {
        (hundredths <= Self::MAX.hundredths).then_some(Amount { hundredths })
    }

    /// The amount in hundredths of the unit (10.50 → 1050).
    pub fn hundredths(self) -> u64 {
        self.hundredths
    }

    /// True for 0.00.
    pub fn is_zero(self) -> bool {
        self.hundredths == 0
    }

    /// Exact sum; `None` above [`Amount::MAX`].
    pub fn checked_add(self, other: Amount) -> Option<Amount> {
        Self::from_hundredths(self.hundredths.checked_add(other.hundredths)?)
    }

    /// Exact difference; `None` below zero.
    pub fn checked_sub(self, other: Amount) -> Option<Amount> {
        self.hundredths
            .checked_sub(other.hundredths)
            .map(|hundredths| Amount { hundredths })
    }

    /// Checks the amount against its currency: a zero-decimal currency takes no fraction
    /// other than `.00` (protocol §5).
    pub fn check_currency(self, currency: &Currency) -> Result<(), Error> {
        if currency.exponent() == 0 && self.hundredths % 100 != 0 {
            return Err(Error::validation(
                FORMAT_AMOUNT,
                "amount",
                format!(
                    "{} has no minor unit, so the amount must be a whole number (got {self})",
                    currency.code()
                ),
            ));
        }
        Ok(())
    }
}

/// `1e3`, `1.5E-2`, `2e+5`: a number in scientific notation, which a float formatter writes
/// and which must be named as such rather than as a generic format error.
fn looks_like_exponent(text: &str) -> bool {
    let Some(at) = text.find(['e', 'E']) else {
        return false;
    };
    let (mantissa, rest) = (&text[..at], &text[at + 1..]);
    let exponent = rest.strip_prefix(['+', '-']).unwrap_or(rest);
    mantissa.bytes().any(|b| b.is_ascii_digit())
        && mantissa.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && !exponent.is_empty()
        && exponent.bytes().all(|b| b.is_ascii_digit())
}

fn invalid(rule: &'static str) -> Error {
    Error::validation(FORMAT_AMOUNT, "amount", rule)
}

impl fmt::Display for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:02}", self.hundredths / 100, self.hundredths % 100)
    }
}

impl fmt::Debug for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Amount({self})")
    }
}

impl FromStr for Amount {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Amount::parse(s)
    }
}

impl TryFrom<&str> for Amount {
    type Error = Error;
    fn try_from(s: &str) -> Result<Self, Self::Error> {
        Amount::parse(s)
    }
}

impl Serialize for Amount {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Amount {
    /// Reads what the gateway writes: a decimal string, `0.00` included. A JSON number is
    /// refused, since a float cannot carry an amount exactly.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Amount::parse_total(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(negative: bool, digits: &str, exponent: i64) -> Result<String, String> {
        let digits: Vec<u8> = digits.bytes().map(|b| b - b'0').collect();
        Amount::from_decimal_parts(negative, &digits, exponent)
            .map(|a| a.to_string())
            .map_err(|e| e.message().to_owned())
    }

    #[test]
    fn decimal_parts_value_counts_not_spelling() {
        assert_eq!(parts(false, "7000", -3).unwrap(), "7.00"); // Decimal("7.000")
        assert_eq!(parts(false, "1050", -2).unwrap(), "10.50");
        assert_eq!(parts(false, "105", -1).unwrap(), "10.50");
        assert_eq!(parts(false, "1", 1).unwrap(), "10.00"); // Decimal("1E+1")
        assert_eq!(parts(false, "0001", -2).unwrap(), "0.01");
        assert_eq!(parts(false, "999999999999", -2).unwrap(), "9999999999.99");
        assert_eq!(parts(false, "99999999990000", -4).unwrap(), "9999999999.00");
        assert!(parts(false, "7001", -3)
            .unwrap_err()
            .contains("two decimals"));
        assert!(parts(false, "1", -100_000_000)
            .unwrap_err()
            .contains("two decimals"));
        assert!(parts(false, "1", 10).unwrap_err().contains("at most"));
        assert!(parts(false, "1", 100_000_000)
            .unwrap_err()
            .contains("at most"));
        assert!(parts(false, "1", i64::MAX).unwrap_err().contains("at most"));
        assert!(parts(false, "1", i64::MIN)
            .unwrap_err()
            .contains("two decimals"));
        assert!(parts(false, "1000000000000", -2)
            .unwrap_err()
            .contains("at most"));
        assert!(parts(false, "0", 5).unwrap_err().contains("at least"));
        assert!(parts(false, "", 0).unwrap_err().contains("at least"));
        assert!(parts(true, "5", 0).unwrap_err().contains("sign"));
        assert!(Amount::from_decimal_parts(false, &[1, 10], 0).is_err());
        let many = vec![1u8; 1_000_000];
        assert!(Amount::from_decimal_parts(false, &many, -999_990)
            .unwrap_err()
            .message()
            .contains("two decimals"));
    }

    #[test]
    fn ints() {
        assert_eq!(Amount::from_int(10).unwrap().to_string(), "10.00");
        assert_eq!(
            Amount::from_int(9_999_999_999).unwrap(),
            "9999999999".parse().unwrap()
        );
        assert!(Amount::from_int(10_000_000_000).is_err());
        assert!(Amount::from_int(0).is_err());
        assert!(Amount::from_int(i128::MAX)
            .unwrap_err()
            .message()
            .contains("at most"));
        assert!(Amount::from_int(i128::MIN)
            .unwrap_err()
            .message()
            .contains("sign"));
    }
}
