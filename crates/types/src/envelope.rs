//! The response envelope (protocol §3): `code`, `message`, `traceId`, `data`.

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::code::{self, CodeClass};
use crate::error::{serde_detail, Error};
use crate::open_enum::Status;

/// A gateway response as it came over the wire, checked for shape but not yet interpreted.
/// `Debug` masks card data, auth codes and tokens in `data`.
#[derive(Clone, PartialEq, Serialize)]
pub struct Envelope {
    /// Eight digits; `00000000` and `00000003` mean the request was processed.
    pub code: String,
    /// `SUCCESS` or the error description.
    pub message: String,
    /// The gateway's trace number for this call.
    #[serde(rename = "traceId")]
    pub trace_id: String,
    /// Business data; absent or `null` read as `None`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<Map<String, Value>>,
}

impl std::fmt::Debug for Envelope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Envelope")
            .field("code", &self.code)
            .field("message", &self.message)
            .field("trace_id", &self.trace_id)
            .field("data", &self.data.as_ref().map(crate::redact::RedactedMap))
            .finish()
    }
}

impl Envelope {
    /// An envelope for the given code with its standard message.
    pub fn new(code: &str, trace_id: impl Into<String>, data: Option<Map<String, Value>>) -> Self {
        Envelope {
            code: code.to_owned(),
            message: code::standard_message(code).unwrap_or("").to_owned(),
            trace_id: trace_id.into(),
            data,
        }
    }

    /// Parses raw response bytes. Anything but a JSON object with an eight-digit string
    /// `code`, a string `message`, a string `traceId` and an object (or null, or no) `data`
    /// is a protocol error.
    pub fn parse(bytes: &[u8]) -> Result<Envelope, Error> {
        let value: Value = serde_json::from_slice(bytes).map_err(|e| {
            Error::protocol(format!(
                "response body is not valid JSON: {}",
                serde_detail(&e)
            ))
        })?;
        let Value::Object(mut object) = value else {
            return Err(Error::protocol("response body is not a JSON object"));
        };
        let code = match object.remove("code") {
            Some(Value::String(code)) if code::is_well_formed(&code) => code,
            Some(Value::String(_)) => {
                return Err(Error::protocol("response code is not eight digits"))
            }
            Some(_) => return Err(Error::protocol("response code is not a string")),
            None => return Err(Error::protocol("response has no code")),
        };
        let message = match object.remove("message") {
            Some(Value::String(message)) => message,
            Some(Value::Null) | None => String::new(),
            Some(_) => return Err(Error::protocol("response message is not a string")),
        };
        let trace_id = match object.remove("traceId") {
            Some(Value::String(trace_id)) => trace_id,
            Some(Value::Null) | None => String::new(),
            Some(_) => return Err(Error::protocol("response traceId is not a string")),
        };
        let data = match object.remove("data") {
            Some(Value::Object(data)) => Some(data),
            Some(Value::Null) | None => None,
            Some(_) => return Err(Error::protocol("response data is not a JSON object")),
        };
        Ok(Envelope {
            code,
            message,
            trace_id,
            data,
        })
    }

    /// The class of the code.
    pub fn class(&self) -> CodeClass {
        CodeClass::of(&self.code)
    }

    /// `data.status`, when it is a string.
    pub fn status(&self) -> Option<Status> {
        match self.data.as_ref()?.get("status")? {
            Value::String(s) => Some(Status::from_wire(s)),
            _ => None,
        }
    }

    /// Reads `data` as a typed object (a [`crate::Trade`] or [`crate::Refund`]).
    pub fn data_as<T: DeserializeOwned>(&self) -> Result<T, Error> {
        let data = self
            .data
            .as_ref()
            .ok_or_else(|| Error::protocol("response has no data"))?;
        T::deserialize(data).map_err(|e| {
            Error::protocol(format!(
                "response data is not a valid object: {}",
                serde_detail(&e)
            ))
        })
    }

    /// The bytes of this envelope as the gateway sends them.
    pub fn to_vec(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }
}
