//! Gateway result codes (protocol §4): the constants and how each is classed.

/// Processed; read `data.status`.
pub const SUCCESS: &str = "00000000";
/// Accepted, awaiting the user's payment; the order is `PENDING`.
pub const ACCEPTED: &str = "00000003";
/// Missing or malformed system parameters.
pub const AUTH_MISSING_PARAMS: &str = "10000001";
/// Invalid signature, or a wrong secret.
pub const AUTH_BAD_SIGNATURE: &str = "10000002";
/// Timestamp outside the ±300 s window.
pub const AUTH_TIMESTAMP: &str = "10000003";
/// Nonce reused within 10 minutes.
pub const AUTH_NONCE_REUSED: &str = "10000004";
/// Unknown accessNo.
pub const AUTH_UNKNOWN_ACCESS_NO: &str = "10000005";
/// Parameters in the query string.
pub const AUTH_QUERY_STRING: &str = "10000006";
/// `transType` empty or absent.
pub const FORMAT_TRANS_TYPE_EMPTY: &str = "22070030";
/// `transType` unknown.
pub const FORMAT_TRANS_TYPE_UNKNOWN: &str = "22070031";
/// A field missing, of the wrong JSON type or not matching its pattern.
pub const FORMAT_FIELD: &str = "22070001";
/// Amount invalid.
pub const FORMAT_AMOUNT: &str = "22070010";
/// Currency invalid.
pub const FORMAT_CURRENCY: &str = "22070011";
/// Metadata over its limits.
pub const FORMAT_METADATA: &str = "22070012";
/// `payment_mode` unknown or inconsistent.
pub const FORMAT_PAYMENT_MODE: &str = "22070013";
/// Order or refund not found, or `trade_id` and `order_id` name different orders.
pub const NOT_FOUND: &str = "30000001";
/// order_id / refund_id reused with different parameters.
pub const IDEMPOTENCY_CONFLICT: &str = "30000002";
/// The order's state does not allow this operation.
pub const INVALID_STATE: &str = "30000003";
/// Refund amount exceeds what is refundable.
pub const REFUND_EXCEEDS: &str = "30000004";
/// payment_token invalid or revoked.
pub const TOKEN_INVALID: &str = "30000005";
/// System busy.
pub const SYSTEM_BUSY: &str = "90000001";
/// Channel timeout: the outcome is unknown.
pub const CHANNEL_TIMEOUT: &str = "90000002";

/// Every code protocol §4 lists, with its standard message.
pub const KNOWN: &[(&str, &str)] = &[
    (SUCCESS, "SUCCESS"),
    (ACCEPTED, "ACCEPTED"),
    (
        AUTH_MISSING_PARAMS,
        "Missing or malformed system parameters",
    ),
    (AUTH_BAD_SIGNATURE, "Invalid signature"),
    (AUTH_TIMESTAMP, "Timestamp outside the allowed window"),
    (AUTH_NONCE_REUSED, "Nonce already used"),
    (AUTH_UNKNOWN_ACCESS_NO, "Unknown accessNo"),
    (
        AUTH_QUERY_STRING,
        "Parameters must be in the request body, not the query string",
    ),
    (
        FORMAT_TRANS_TYPE_EMPTY,
        "Format error-transType cannot be empty",
    ),
    (
        FORMAT_TRANS_TYPE_UNKNOWN,
        "Format error-transType is not supported",
    ),
    (FORMAT_FIELD, "Format error"),
    (FORMAT_AMOUNT, "Format error-amount is invalid"),
    (FORMAT_CURRENCY, "Format error-currency is invalid"),
    (FORMAT_METADATA, "Format error-metadata exceeds its limits"),
    (FORMAT_PAYMENT_MODE, "Format error-payment_mode is invalid"),
    (NOT_FOUND, "Order not found"),
    (
        IDEMPOTENCY_CONFLICT,
        "Duplicate ID with different parameters",
    ),
    (INVALID_STATE, "Order state does not allow this operation"),
    (
        REFUND_EXCEEDS,
        "Refund amount exceeds the refundable amount",
    ),
    (TOKEN_INVALID, "payment_token is invalid or revoked"),
    (SYSTEM_BUSY, "System busy"),
    (CHANNEL_TIMEOUT, "Channel timeout, the outcome is unknown"),
];

/// The class of a code, which decides the error a client raises for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CodeClass {
    /// `00000000`: processed.
    Success,
    /// `00000003`: accepted, awaiting the user's payment.
    Accepted,
    /// `1xxxxxxx` (`1000xxxx` listed): the caller was not authenticated.
    Authentication,
    /// `2xxxxxxx` (`2207xxxx` listed): the request was malformed.
    InvalidRequest,
    /// `3xxxxxxx`: the request broke a business rule.
    Business,
    /// `9xxxxxxx`: the gateway or a channel failed.
    Gateway,
    /// Any other code, including `0xxxxxxx` codes other than the two successes.
    Other,
}

impl CodeClass {
    /// Classes a code: the two success codes exactly, everything else by its first digit.
    pub fn of(code: &str) -> CodeClass {
        match code {
            SUCCESS => return CodeClass::Success,
            ACCEPTED => return CodeClass::Accepted,
            _ => {}
        }
        match code.as_bytes().first() {
            Some(b'1') => CodeClass::Authentication,
            Some(b'2') => CodeClass::InvalidRequest,
            Some(b'3') => CodeClass::Business,
            Some(b'9') => CodeClass::Gateway,
            _ => CodeClass::Other,
        }
    }

    /// True for the two codes whose `data` is the result.
    pub fn is_ok(self) -> bool {
        matches!(self, CodeClass::Success | CodeClass::Accepted)
    }
}

/// True when a client may send the same request again (with a new nonce): `90000001` and
/// `90000002`, and no other code, since every other one is a final answer.
pub fn is_retryable(code: &str) -> bool {
    matches!(code, SYSTEM_BUSY | CHANNEL_TIMEOUT)
}

/// True when a (signed) answer with this code does not tell whether the operation happened:
/// `90000002`, and any `9xxxxxxx` this version does not know (protocol §9); only `90000001`
/// (busy) is known to be refused before processing.
pub fn is_outcome_unknown(code: &str) -> bool {
    code == CHANNEL_TIMEOUT || (CodeClass::of(code) == CodeClass::Gateway && code != SYSTEM_BUSY)
}

/// True for the codes the gateway sends unsigned, authentication failures `1000xxxx`
/// (protocol §3, §9); any other code must come signed to be believed.
pub fn may_come_unsigned(code: &str) -> bool {
    is_well_formed(code) && code.starts_with("1000")
}

/// True when the code is one protocol §4 lists.
pub fn is_known(code: &str) -> bool {
    KNOWN.iter().any(|(c, _)| *c == code)
}

/// The standard message of a listed code.
pub fn standard_message(code: &str) -> Option<&'static str> {
    KNOWN.iter().find(|(c, _)| *c == code).map(|(_, m)| *m)
}

/// True for a well-formed code: exactly eight ASCII digits.
pub fn is_well_formed(code: &str) -> bool {
    code.len() == 8 && code.bytes().all(|b| b.is_ascii_digit())
}
