//! The request body with its system parameters (protocol §2): writing it on the client and
//! reading it in the gateway.

use serde::Serialize;
use serde_json::{Map, Value};

use crate::code::{
    AUTH_MISSING_PARAMS, FORMAT_FIELD, FORMAT_TRANS_TYPE_EMPTY, FORMAT_TRANS_TYPE_UNKNOWN,
};
use crate::error::Error;
use crate::open_enum::TransType;

/// Seconds a request timestamp may be off the gateway's clock, either way.
pub const TIMESTAMP_WINDOW_SECS: i64 = 300;
/// Seconds a nonce stays spent for its accessNo.
pub const NONCE_TTL_SECS: i64 = 600;

/// The timestamp and nonce of one attempt. Every attempt gets a fresh one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stamp {
    /// Unix seconds.
    pub timestamp: i64,
    /// 16–64 of `[A-Za-z0-9_-]`.
    pub nonce: String,
}

/// Where stamps come from: the system clock and a random nonce, or a fixed source in tests.
pub trait StampSource: Send + Sync {
    /// A stamp for the next attempt.
    fn stamp(&self) -> Stamp;
}

/// The real clock and a random 32-character nonce (a v4 UUID without dashes).
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemStamps;

impl StampSource for SystemStamps {
    fn stamp(&self) -> Stamp {
        Stamp {
            timestamp: crate::time::now_unix(),
            nonce: uuid::Uuid::new_v4().simple().to_string(),
        }
    }
}

impl<F: Fn() -> Stamp + Send + Sync> StampSource for F {
    fn stamp(&self) -> Stamp {
        self()
    }
}

/// True for a nonce of 16–64 characters of `[A-Za-z0-9_-]`.
pub fn is_valid_nonce(nonce: &str) -> bool {
    (16..=64).contains(&nonce.len())
        && nonce
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

#[derive(Serialize)]
struct OutgoingBody<'a> {
    #[serde(rename = "transType")]
    trans_type: &'a str,
    #[serde(rename = "accessNo")]
    access_no: &'a str,
    timestamp: i64,
    nonce: &'a str,
    data: &'a Map<String, Value>,
}

/// The exact bytes of a request body: system parameters first, then `data`.
pub fn encode_request(
    trans_type: &TransType,
    access_no: &str,
    stamp: &Stamp,
    data: &Map<String, Value>,
) -> Vec<u8> {
    serde_json::to_vec(&OutgoingBody {
        trans_type: trans_type.as_str(),
        access_no,
        timestamp: stamp.timestamp,
        nonce: &stamp.nonce,
        data,
    })
    .unwrap_or_default()
}

/// A request body as the gateway reads it, with its system parameters checked for shape.
/// `Debug` masks card data, auth codes and tokens in the body.
#[derive(Clone, PartialEq)]
pub struct IncomingRequest {
    /// `accessNo`.
    pub access_no: String,
    /// `timestamp`, Unix seconds.
    pub timestamp: i64,
    /// `nonce`.
    pub nonce: String,
    body: Map<String, Value>,
}

impl IncomingRequest {
    /// Reads a body: a JSON object with `accessNo` (non-empty string), `timestamp` (JSON
    /// integer) and `nonce` (16–64 of `[A-Za-z0-9_-]`), or `10000001`.
    pub fn parse(bytes: &[u8]) -> Result<IncomingRequest, Error> {
        let missing = |field: &'static str, rule: &'static str| {
            Error::validation(AUTH_MISSING_PARAMS, field, rule)
        };
        let Ok(Value::Object(body)) = serde_json::from_slice::<Value>(bytes) else {
            return Err(missing("body", "must be a JSON object"));
        };
        let access_no = match body.get("accessNo") {
            Some(Value::String(s)) if !s.is_empty() && s.len() <= 64 => s.clone(),
            _ => {
                return Err(missing(
                    "accessNo",
                    "is required: a string of 1 to 64 characters",
                ))
            }
        };
        let timestamp = match body.get("timestamp").and_then(Value::as_i64) {
            Some(t) => t,
            None => {
                return Err(missing(
                    "timestamp",
                    "is required: Unix seconds as a JSON integer",
                ))
            }
        };
        let nonce = match body.get("nonce") {
            Some(Value::String(s)) if is_valid_nonce(s) => s.clone(),
            _ => {
                return Err(missing(
                    "nonce",
                    "is required: 16 to 64 characters of letters, digits, '_' and '-'",
                ))
            }
        };
        Ok(IncomingRequest {
            access_no,
            timestamp,
            nonce,
            body,
        })
    }

    /// `transType`: `22070030` when empty or absent, `22070031` when unknown.
    pub fn trans_type(&self) -> Result<TransType, Error> {
        match self.body.get("transType") {
            None | Some(Value::Null) => Err(trans_type_empty()),
            Some(Value::String(s)) if s.is_empty() => Err(trans_type_empty()),
            Some(Value::String(s)) => match TransType::from_wire(s) {
                TransType::Unknown(_) => Err(Error::validation(
                    FORMAT_TRANS_TYPE_UNKNOWN,
                    "transType",
                    "is not one of PAY, QUERY, REFUND, REFUND_QUERY, REVERSAL, CLOSE",
                )),
                known => Ok(known),
            },
            Some(_) => Err(Error::validation(
                FORMAT_TRANS_TYPE_UNKNOWN,
                "transType",
                "must be a string",
            )),
        }
    }

    /// `data`, which must be a JSON object (`22070001`).
    pub fn data(&self) -> Result<&Map<String, Value>, Error> {
        match self.body.get("data") {
            Some(Value::Object(data)) => Ok(data),
            None | Some(Value::Null) => Err(Error::validation(FORMAT_FIELD, "data", "is required")),
            Some(_) => Err(Error::validation(
                FORMAT_FIELD,
                "data",
                "must be a JSON object",
            )),
        }
    }
}

impl std::fmt::Debug for IncomingRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IncomingRequest")
            .field("access_no", &self.access_no)
            .field("timestamp", &self.timestamp)
            .field("nonce", &self.nonce)
            .field("body", &crate::redact::RedactedMap(&self.body))
            .finish()
    }
}

fn trans_type_empty() -> Error {
    Error::validation(FORMAT_TRANS_TYPE_EMPTY, "transType", "cannot be empty")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_masks_card_data_auth_codes_and_tokens() {
        let body = br#"{"transType":"PAY","accessNo":"acc_1","timestamp":1,"nonce":"0123456789abcdef",
            "data":{"merchant_id":"m_1","payment_token":"tok_SECRETTOKEN99",
            "payment_method_data":{"card":{"number":"4000000000003220","cvc":"987","exp_month":"11","exp_year":"2031"},
            "micropay":{"auth_code":"28763443825664731"}}}}"#;
        let request = IncomingRequest::parse(body).unwrap();
        let text = format!("{request:?}");
        for secret in [
            "tok_SECRETTOKEN99",
            "4000000000003220",
            "987",
            "2031",
            "28763443825664731",
        ] {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
        assert!(text.contains("****3220") && text.contains("m_1"), "{text}");

        let envelope = crate::Envelope::parse(
            br#"{"code":"00000000","message":"SUCCESS","traceId":"t","data":{"payment_token":"tok_SECRETTOKEN99","card":{"number":"4000000000003220","cvc":"987"}}}"#,
        )
        .unwrap();
        let text = format!("{envelope:?}");
        for secret in ["tok_SECRETTOKEN99", "4000000000003220", "987"] {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
        let card = crate::PaymentMethodData::card("4000000000003220", "11", "2031", "987");
        let text = format!("{card:?}");
        for secret in ["4000000000003220", "987", "2031", "\"11\""] {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
    }

    #[test]
    fn envelope_errors_leave_out_quoted_values() {
        let envelope = crate::Envelope::parse(
            br#"{"code":"00000000","message":"SUCCESS","traceId":"t","data":{"status":"SUCCESS","metadata":"tok_SECRETTOKEN99"}}"#,
        )
        .unwrap();
        let e = envelope.data_as::<crate::Trade>().unwrap_err();
        assert!(!e.to_string().contains("SECRETTOKEN"), "{e}");
    }
}
