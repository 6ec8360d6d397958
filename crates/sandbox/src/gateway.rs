//! `POST /v1/gateway`: the checks of protocol §2 in their order, the operations, signed
//! answers, and the faults that break them on purpose.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderValue, Request, Response, StatusCode};
use http_body_util::BodyExt;
use hyper::body::{Frame, SizeHint};
use serde_json::{Map, Value};
use tradepay_types::body::IncomingRequest;
use tradepay_types::code;
use tradepay_types::signing::SIGNATURE_HEADER;
use tradepay_types::{
    CloseRequest, Envelope, Error, PayRequest, QueryRequest, RefundQueryRequest, RefundRequest,
    ReversalRequest, TransType,
};

use crate::faults::{Fault, FaultKind};
use crate::server::{full, read_body, Abort, Body, BodyError, ReqBody, Shared};
use crate::state::{random_hex, Payload};

/// The largest request body the gateway reads.
pub(crate) const MAX_BODY: usize = 64 * 1024;

/// One answer before it is written: the envelope's bytes and whether they are signed.
struct Answer {
    bytes: Vec<u8>,
    signed: bool,
}

fn failed_data() -> Option<Map<String, Value>> {
    let mut data = Map::new();
    data.insert("status".into(), Value::String("FAILED".into()));
    Some(data)
}

fn trace_id() -> String {
    random_hex(16)
}

/// An authentication failure: never signed, since the caller is not authenticated.
fn auth(code: &'static str, detail: Option<String>) -> Answer {
    let mut envelope = Envelope::new(code, trace_id(), failed_data());
    if let Some(detail) = detail {
        envelope.message = format!("{}: {detail}", envelope.message);
    }
    Answer {
        bytes: envelope.to_vec(),
        signed: false,
    }
}

/// A signed failure with a message naming the field and the rule.
fn failure(code: &'static str, message: String) -> Answer {
    let mut envelope = Envelope::new(code, trace_id(), failed_data());
    envelope.message = message;
    Answer {
        bytes: envelope.to_vec(),
        signed: true,
    }
}

fn validation(e: &Error) -> Answer {
    let code = e.code().unwrap_or(code::FORMAT_FIELD);
    let message = match e.field() {
        Some(field) => format!("Format error-{field} {}", e.message()),
        None => format!("Format error-{}", e.message()),
    };
    failure(code, message)
}

/// A processed request's envelope, written straight from the order or refund.
#[derive(serde::Serialize)]
struct Success<'a> {
    code: &'static str,
    message: &'static str,
    #[serde(rename = "traceId")]
    trace_id: String,
    data: &'a Payload,
}

fn success(code: &'static str, data: &Payload) -> Answer {
    let envelope = Success {
        code,
        message: "SUCCESS",
        trace_id: trace_id(),
        data,
    };
    Answer {
        bytes: serde_json::to_vec(&envelope).unwrap_or_default(),
        signed: true,
    }
}

/// A request whose business fields have been read, ready to run under the lock.
enum Operation {
    Pay(Box<PayRequest>),
    Query(QueryRequest),
    Refund(RefundRequest),
    RefundQuery(RefundQueryRequest),
    Reversal(ReversalRequest),
    Close(CloseRequest),
}

/// `transType`, `data` and the business fields, read without holding the state lock.
fn read_operation(request: &IncomingRequest) -> Result<Operation, Error> {
    let trans_type = request.trans_type()?;
    let data = request.data()?;
    Ok(match trans_type {
        TransType::Pay => Operation::Pay(Box::new(PayRequest::from_data(data)?)),
        TransType::Query => Operation::Query(QueryRequest::from_data(data)?),
        TransType::Refund => Operation::Refund(RefundRequest::from_data(data)?),
        TransType::RefundQuery => Operation::RefundQuery(RefundQueryRequest::from_data(data)?),
        TransType::Reversal => Operation::Reversal(ReversalRequest::from_data(data)?),
        TransType::Close => Operation::Close(CloseRequest::from_data(data)?),
        // `trans_type()` already refuses unknown values; this keeps the match total.
        TransType::Unknown(_) => {
            return Err(Error::validation(
                code::FORMAT_TRANS_TYPE_UNKNOWN,
                "transType",
                "is not supported",
            ))
        }
    })
}

/// Runs every check of protocol §2 in order, then the operation.
fn process(shared: &Shared, has_query: bool, body: &[u8], signature: Option<&[u8]>) -> Answer {
    if has_query {
        return auth(code::AUTH_QUERY_STRING, None);
    }
    let request = match IncomingRequest::parse(body) {
        Ok(r) => r,
        Err(e) => {
            return auth(
                e.code().unwrap_or(code::AUTH_MISSING_PARAMS),
                Some(e.to_string()),
            )
        }
    };
    if request.access_no != shared.access_no {
        return auth(code::AUTH_UNKNOWN_ACCESS_NO, None);
    }
    let verified = signature
        .and_then(|s| std::str::from_utf8(s).ok())
        .is_some_and(|s| shared.secret.verify(body, s).is_ok());
    if !verified {
        let detail = if signature.is_none() {
            "header X-Signature is missing"
        } else {
            "X-Signature does not match the body"
        };
        return auth(code::AUTH_BAD_SIGNATURE, Some(detail.into()));
    }
    let now = tradepay_types::time::now_unix();
    if request.timestamp.abs_diff(now) > shared.timestamp_window_secs {
        return auth(
            code::AUTH_TIMESTAMP,
            Some(format!("the gateway's time is {now}")),
        );
    }
    // Read before locking so the lock is held only for the nonce and the state change;
    // the nonce is still checked (and spent) before a format error is answered.
    let operation = read_operation(&request);
    let result = shared.with_state(|state| {
        if !state.spend_nonce(&request.nonce, now) {
            return None;
        }
        let operation = match operation {
            Ok(op) => op,
            Err(e) => return Some(Err(e)),
        };
        Some(Ok(match operation {
            Operation::Pay(r) => state.pay(*r),
            Operation::Query(r) => state.query(r),
            Operation::Refund(r) => state.refund(r),
            Operation::RefundQuery(r) => state.refund_query(r),
            Operation::Reversal(r) => state.reversal(r),
            Operation::Close(r) => state.close(r),
        }))
    });
    match result {
        None => auth(code::AUTH_NONCE_REUSED, None),
        Some(Err(e)) => validation(&e),
        Some(Ok(Err(f))) => failure(f.code, f.message),
        Some(Ok(Ok((code, data)))) => success(code, &data),
    }
}

/// Reads only `transType`, to match fault rules before anything else is looked at.
fn peek_trans_type(body: &[u8]) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Peek {
        #[serde(rename = "transType")]
        trans_type: Option<Value>,
    }
    match serde_json::from_slice::<Peek>(body).ok()?.trans_type? {
        Value::String(s) => Some(s),
        _ => None,
    }
}

fn json_response(status: StatusCode, bytes: Vec<u8>) -> Response<Body> {
    let mut res = Response::new(full(bytes));
    *res.status_mut() = status;
    res.headers_mut().insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    res
}

fn write(shared: &Shared, answer: Answer, fault: Option<FaultKind>) -> Response<Body> {
    let bytes = match fault {
        Some(FaultKind::FutureField) => with_future_field(answer.bytes),
        _ => answer.bytes,
    };
    let signature = match (answer.signed, fault) {
        (_, Some(FaultKind::NoSignature)) => None,
        (true, Some(FaultKind::BadSignature)) => {
            Some(tradepay_types::Secret::new("not-the-secret").sign(&bytes))
        }
        (true, _) => Some(shared.secret.sign(&bytes)),
        (false, _) => None,
    };
    let mut res = if fault == Some(FaultKind::Truncate) {
        truncated(bytes)
    } else {
        json_response(StatusCode::OK, bytes)
    };
    if let Some(sig) = signature.and_then(|s| HeaderValue::from_str(&s).ok()) {
        res.headers_mut().insert(SIGNATURE_HEADER, sig);
    }
    res
}

/// The answer with `data.x_future_field` added (an object, so that a client must keep
/// nested values too); an answer without a `data` object is left as it is.
fn with_future_field(bytes: Vec<u8>) -> Vec<u8> {
    let Ok(mut envelope) = serde_json::from_slice::<Map<String, Value>>(&bytes) else {
        return bytes;
    };
    let Some(Value::Object(data)) = envelope.get_mut("data") else {
        return bytes;
    };
    data.insert(
        "x_future_field".into(),
        serde_json::json!({ "since": "2027-01", "values": [1, "two", null] }),
    );
    serde_json::to_vec(&envelope).unwrap_or(bytes)
}

/// A body that promises its full length, sends half, then fails (hyper drops the connection).
struct Truncated {
    part: Option<Bytes>,
    len: u64,
}

impl hyper::body::Body for Truncated {
    type Data = Bytes;
    type Error = std::io::Error;
    fn poll_frame(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
        match self.part.take() {
            Some(part) => Poll::Ready(Some(Ok(Frame::data(part)))),
            None => Poll::Ready(Some(Err(std::io::Error::other(
                "sandbox fault: truncated body",
            )))),
        }
    }
    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.len)
    }
}

fn truncated(bytes: Vec<u8>) -> Response<Body> {
    let len = bytes.len() as u64;
    let part = Bytes::from(bytes).slice(..(len as usize) / 2);
    let mut res = Response::new(
        Truncated {
            part: Some(part),
            len,
        }
        .boxed(),
    );
    res.headers_mut().insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    res.headers_mut()
        .insert(http::header::CONTENT_LENGTH, HeaderValue::from(len));
    res
}

fn unavailable(status: StatusCode, retry_after: Option<u64>) -> Response<Body> {
    let code = code::SYSTEM_BUSY;
    let mut envelope = Envelope::new(code, trace_id(), None);
    envelope.message = format!(
        "{} (sandbox fault: HTTP {})",
        envelope.message,
        status.as_u16()
    );
    let mut res = json_response(status, envelope.to_vec());
    if let Some(secs) = retry_after {
        res.headers_mut()
            .insert(http::header::RETRY_AFTER, HeaderValue::from(secs));
    }
    res
}

pub(crate) async fn handle(
    shared: Arc<Shared>,
    req: Request<ReqBody>,
) -> Result<Response<Body>, Abort> {
    let too_long = req
        .headers()
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        .is_some_and(|n| n > MAX_BODY as u64);
    let (parts, body) = req.into_parts();
    let body = if too_long {
        Err(BodyError::TooLong)
    } else {
        read_body(body, MAX_BODY, shared.read_timeout).await
    };
    let body = match body {
        Ok(body) => body,
        Err(why) => return Ok(unreadable(why)),
    };
    respond(shared, parts, body).await
}

/// 413 or 408 with an unsigned `10000001` envelope; the connection is closed after it.
fn unreadable(why: BodyError) -> Response<Body> {
    let mut envelope = Envelope::new(code::AUTH_MISSING_PARAMS, trace_id(), failed_data());
    let status = match why {
        BodyError::TooLong => {
            envelope.message =
                format!("request body is over {} KiB or unreadable", MAX_BODY / 1024);
            StatusCode::PAYLOAD_TOO_LARGE
        }
        BodyError::Timeout => {
            envelope.message = "request body did not arrive within the read timeout".into();
            StatusCode::REQUEST_TIMEOUT
        }
    };
    let mut res = json_response(status, envelope.to_vec());
    res.headers_mut()
        .insert(http::header::CONNECTION, HeaderValue::from_static("close"));
    res
}

/// Everything after the body is read: faults, the checks, the operation, the answer.
async fn respond(
    shared: Arc<Shared>,
    parts: http::request::Parts,
    body: Bytes,
) -> Result<Response<Body>, Abort> {
    let has_query = parts.uri.query().is_some();
    let fault: Option<Fault> = if shared.faults.is_armed() {
        shared.faults.pick(peek_trans_type(&body).as_deref())
    } else {
        None
    };
    let kind = fault.map(|f| f.kind);
    match fault {
        Some(Fault {
            kind: FaultKind::CloseBefore,
            ..
        }) => return Err(Abort),
        Some(Fault {
            kind: FaultKind::Http503,
            ..
        }) => return Ok(unavailable(StatusCode::SERVICE_UNAVAILABLE, None)),
        Some(Fault {
            kind: FaultKind::Http429,
            retry_after,
            ..
        }) => {
            return Ok(unavailable(
                StatusCode::TOO_MANY_REQUESTS,
                Some(retry_after),
            ))
        }
        Some(Fault {
            kind: FaultKind::Busy,
            ..
        }) => {
            let answer = failure(code::SYSTEM_BUSY, "System busy (sandbox fault)".into());
            return Ok(write(&shared, answer, None));
        }
        Some(Fault {
            kind: FaultKind::Delay,
            delay_ms,
            ..
        }) => tokio::time::sleep(Duration::from_millis(delay_ms)).await,
        _ => {}
    }
    // Read after the delay fault's await: a borrow held across it makes the future
    // only Send for one lifetime, which hyper's executor does not accept.
    let signature = parts
        .headers
        .get(SIGNATURE_HEADER)
        .map(HeaderValue::as_bytes);
    let mut answer = process(&shared, has_query, &body, signature);
    if kind == Some(FaultKind::ChannelTimeout) && answer.signed {
        answer = failure(
            code::CHANNEL_TIMEOUT,
            "Channel timeout, the outcome is unknown (sandbox fault)".into(),
        );
    }
    if kind == Some(FaultKind::CloseAfterCommit) {
        return Err(Abort);
    }
    Ok(write(&shared, answer, kind))
}
