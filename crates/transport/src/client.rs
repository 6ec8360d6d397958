//! The engine: one validated request, sent as many signed attempts as the retry policy
//! allows, and the answer turned into a typed result or a typed error.

use std::borrow::Cow;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::header::{
    HeaderName, HeaderValue, ACCEPT, CONTENT_LENGTH, CONTENT_TYPE, RETRY_AFTER, USER_AGENT,
};
use http::{Method, Request, Uri};
use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::HttpConnector;
use rand::Rng;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{Map, Value};
use tokio::time::Instant;
use tracing::{field::Empty, Instrument};
use tradepay_types::body::encode_request;
use tradepay_types::code::{self, CodeClass};
use tradepay_types::signing::SIGNATURE_HEADER;
use tradepay_types::{
    Amount, Answered, CloseRequest, Envelope, Operation, OrderRef, PayRequest, QueryRequest,
    Refund, RefundQueryRequest, RefundRequest, ResponseInfo, ReversalRequest, Secret, StampSource,
    Trade, TransType,
};

use crate::builder::ClientBuilder;
use crate::error::{Error, ErrorKind};
use crate::hooks::{self, AttemptEvent, Hooks, Phase};
use crate::journal::{JournalCall, JournalHandle, OperationKind};

/// The most bytes of a response body the client reads (protocol §3).
pub const MAX_RESPONSE_BYTES: usize = 1024 * 1024;

/// A `Retry-After` longer than this (without a deadline to bound it) is not waited for.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(120);

/// The signature header as a ready name: parsed once at compile time, not per request.
const SIGNATURE: HeaderName = HeaderName::from_static(SIGNATURE_HEADER);
const APPLICATION_JSON: HeaderValue = HeaderValue::from_static("application/json");

type HttpClient = hyper_util::client::legacy::Client<HttpsConnector<HttpConnector>, Full<Bytes>>;

pub(crate) struct Config {
    pub http: HttpClient,
    pub endpoint: Uri,
    pub access_no: String,
    pub secret: Secret,
    pub user_agent: HeaderValue,
    pub stamps: Arc<dyn StampSource>,
    pub backoff: Duration,
    pub max_backoff: Duration,
    pub journal: Option<Arc<JournalHandle>>,
    pub hooks: Option<Arc<dyn Hooks>>,
}

/// What a call may take: the part of the configuration that
/// [`Client::with_options`] overrides, held beside the shared rest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Policy {
    pub max_retries: u32,
    pub timeout: Duration,
    pub deadline: Option<Duration>,
}

/// The gateway client. Cloning is cheap: clones share one connection pool and configuration.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Config>,
    pub(crate) policy: Policy,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("endpoint", &self.inner.endpoint.to_string())
            .field("access_no", &self.inner.access_no)
            .field("max_retries", &self.policy.max_retries)
            .field("timeout", &self.policy.timeout)
            .field("deadline", &self.policy.deadline)
            .finish_non_exhaustive()
    }
}

/// How one attempt failed, with what the retry loop needs to decide.
struct Failure {
    error: Error,
    retry_after: Option<Duration>,
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        Failure {
            error,
            retry_after: None,
        }
    }
}

impl Client {
    /// A builder with the defaults of the API contract.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    pub(crate) fn from_config(config: Config, policy: Policy) -> Client {
        Client {
            inner: Arc::new(config),
            policy,
        }
    }

    /// True when both share one connection pool and configuration (a clone, or a client
    /// made by [`Client::with_options`]).
    pub fn shares_pool_with(&self, other: &Client) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }

    /// The URL requests are sent to (`{base_url}/v1/gateway`).
    pub fn endpoint(&self) -> String {
        self.inner.endpoint.to_string()
    }

    /// The access party number.
    pub fn access_no(&self) -> &str {
        &self.inner.access_no
    }

    /// The per-attempt timeout.
    pub fn timeout(&self) -> Duration {
        self.policy.timeout
    }

    /// How many times a failed attempt is retried.
    pub fn max_retries(&self) -> u32 {
        self.policy.max_retries
    }

    /// The bound of each call, retries included, if any.
    pub fn deadline(&self) -> Option<Duration> {
        self.policy.deadline
    }

    /// PAY. `txn_time` is filled with the current time when absent, once for every retry.
    pub async fn pay(&self, req: PayRequest) -> Result<Trade, Error> {
        self.execute(&req).await
    }

    /// QUERY: the order as it is now.
    pub async fn query(&self, order: OrderRef, merchant_id: &str) -> Result<Trade, Error> {
        self.execute(&QueryRequest::new(order, merchant_id)).await
    }

    /// REFUND, idempotent by `refund_id`.
    pub async fn refund(&self, req: RefundRequest) -> Result<Refund, Error> {
        self.execute(&req).await
    }

    /// REFUND_QUERY: a refund as it is now.
    pub async fn refund_query(&self, refund_id: &str, merchant_id: &str) -> Result<Refund, Error> {
        self.execute(&RefundQueryRequest {
            merchant_id: merchant_id.to_owned(),
            refund_id: refund_id.to_owned(),
        })
        .await
    }

    /// REVERSAL: cancels the payment whatever its state (refunding it if paid); the order
    /// comes back CLOSED.
    pub async fn reverse(&self, order: OrderRef, merchant_id: &str) -> Result<Trade, Error> {
        self.execute(&ReversalRequest::new(order, merchant_id))
            .await
    }

    /// CLOSE: closes a PENDING order.
    pub async fn close_order(&self, order: OrderRef, merchant_id: &str) -> Result<Trade, Error> {
        self.execute(&CloseRequest::new(order, merchant_id)).await
    }

    pub(crate) fn journal_handle(&self) -> Option<&Arc<JournalHandle>> {
        self.inner.journal.as_ref()
    }

    /// Sends any operation with the client's retry policy and deadline.
    pub async fn execute<O: Operation>(&self, op: &O) -> Result<O::Output, Error>
    where
        O::Output: 'static,
    {
        // The deadline was checked at build() (at most a day), so the sum cannot overflow;
        // `checked_add` keeps that true whatever the clock says.
        let until = self
            .policy
            .deadline
            .and_then(|d| Instant::now().checked_add(d));
        self.execute_until(op, until).await
    }

    /// The deadline of one call inside a flow ending at `flow_until`: the flow's end, or
    /// the client's own per-call deadline if that comes first.
    pub(crate) fn call_until(&self, flow_until: Instant) -> Instant {
        match self
            .policy
            .deadline
            .and_then(|d| Instant::now().checked_add(d))
        {
            Some(call_until) => flow_until.min(call_until),
            None => flow_until,
        }
    }

    /// Like [`Client::execute`], with the call's deadline given as an instant.
    pub(crate) async fn execute_until<O: Operation>(
        &self,
        op: &O,
        until: Option<Instant>,
    ) -> Result<O::Output, Error>
    where
        O::Output: 'static,
    {
        let trans_type = op.trans_type();
        // Built and checked once: every attempt sends the same business parameters.
        let mut data = op.to_data().map_err(Error::from)?;
        if trans_type == TransType::Pay && !data.contains_key("txn_time") {
            data.insert("txn_time".into(), now_rfc3339().into());
        }
        let span = tracing::info_span!(
            "tradepay.call",
            trans_type = trans_type.as_str(),
            order_id = data.get("order_id").and_then(|v| v.as_str()),
            refund_id = data.get("refund_id").and_then(|v| v.as_str()),
            attempts = Empty,
            trace_id = Empty,
            elapsed_ms = Empty,
        );
        let call_span = span.clone();
        // Money-moving calls are recorded before their first byte goes out (journal.md).
        let mut journal = match (&self.inner.journal, OperationKind::of(&trans_type)) {
            (Some(j), Some(kind)) => Some(j.call(kind, &data, until)),
            _ => None,
        };
        async move {
            let expect = Expect::of(&trans_type, &data);
            let started = std::time::Instant::now();
            let result = self
                .run::<O::Output>(
                    &trans_type,
                    &data,
                    &expect,
                    until,
                    journal.as_mut(),
                    started,
                )
                .await;
            if let Some(journal) = journal {
                journal.finish(result.as_ref().map(|(v, _, _)| v));
            }
            let span = &call_span;
            let elapsed = started.elapsed();
            span.record("elapsed_ms", elapsed.as_millis() as u64);
            match result {
                Ok((mut value, trace_id, attempts)) => {
                    span.record("attempts", attempts);
                    span.record("trace_id", trace_id.as_str());
                    value.set_last_response(ResponseInfo {
                        trace_id,
                        http_status: 200,
                        attempts,
                        elapsed,
                    });
                    Ok(value)
                }
                Err(e) => {
                    span.record("attempts", e.attempts());
                    if let Some(t) = e.trace_id() {
                        span.record("trace_id", t);
                    }
                    tracing::debug!(error = %e, "call failed");
                    Err(e)
                }
            }
        }
        .instrument(span)
        .await
    }

    /// The retry loop. Returns the trusted success envelope and the number of attempts.
    async fn run<T: DeserializeOwned>(
        &self,
        trans_type: &TransType,
        data: &Map<String, Value>,
        expect: &Expect<'_>,
        until: Option<Instant>,
        mut journal: Option<&mut JournalCall>,
        started: std::time::Instant,
    ) -> Result<(T, String, u32), Error> {
        let cfg = &*self.inner;
        let hooks = cfg.hooks.as_deref().filter(|h| h.wants());
        let event = |phase, attempt| AttemptEvent {
            phase,
            trans_type: trans_type.as_str(),
            order_id: data.get("order_id").and_then(Value::as_str),
            refund_id: data.get("refund_id").and_then(Value::as_str),
            attempt,
            elapsed: started.elapsed(),
            http_status: None,
            trace_id: None,
            error: None,
            retry_in: None,
        };
        let mut attempt: u32 = 0;
        let mut maybe_processed = false;
        loop {
            let budget = match until {
                Some(until) => self
                    .policy
                    .timeout
                    .min(until.saturating_duration_since(Instant::now())),
                None => self.policy.timeout,
            };
            if budget.is_zero() {
                return Err(
                    Error::new(ErrorKind::Timeout, "the call's deadline has passed")
                        .with_retryable(true)
                        .with_attempts(attempt)
                        .with_outcome_unknown(maybe_processed),
                );
            }
            attempt += 1;
            let stamp = cfg.stamps.stamp();
            if let Some(j) = journal.as_deref_mut() {
                // Unrecorded, the attempt is not sent: nothing goes out that recovery
                // could not find.
                j.before_attempt(stamp.timestamp).await.map_err(|e| {
                    e.with_attempts(attempt - 1)
                        .with_outcome_unknown(maybe_processed)
                })?;
            }
            let body = encode_request(trans_type, &cfg.access_no, &stamp, data);
            let signature = cfg.secret.sign(&body);
            let span = tracing::debug_span!(
                "tradepay.attempt",
                attempt,
                trace_id = Empty,
                http_status = Empty,
                elapsed_ms = Empty
            );
            if let Some(hooks) = hooks {
                hooks::emit(hooks, &event(Phase::Request, attempt));
            }
            let attempt_started = (!span.is_disabled()).then(std::time::Instant::now);
            let outcome = tokio::time::timeout(budget, self.attempt::<T>(body, signature, expect))
                .instrument(span.clone())
                .await;
            if let Some(attempt_started) = attempt_started {
                span.record("elapsed_ms", attempt_started.elapsed().as_millis() as u64);
            }
            let failure = match outcome {
                Ok(Ok((value, trace_id))) => {
                    span.record("trace_id", trace_id.as_str());
                    span.record("http_status", 200);
                    if let Some(hooks) = hooks {
                        let event = AttemptEvent {
                            http_status: Some(200),
                            trace_id: Some(&trace_id),
                            ..event(Phase::Response, attempt)
                        };
                        hooks::emit(hooks, &event);
                    }
                    return Ok((value, trace_id, attempt));
                }
                Ok(Err(failure)) => failure,
                Err(_) => Failure::from(
                    Error::new(
                        ErrorKind::Timeout,
                        format!("no answer within {} ms", budget.as_millis()),
                    )
                    .with_retryable(true)
                    .with_outcome_unknown(true),
                ),
            };
            if let Some(t) = failure.error.trace_id() {
                span.record("trace_id", t);
            }
            if let Some(s) = failure.error.http_status() {
                span.record("http_status", s);
            }
            maybe_processed |= failure.error.is_outcome_unknown();
            let retry_in = self.retry_delay(&failure, attempt, until);
            if let Some(hooks) = hooks {
                let event = AttemptEvent {
                    http_status: failure.error.http_status(),
                    trace_id: failure.error.trace_id(),
                    error: Some(failure.error.class_name()),
                    retry_in,
                    ..event(Phase::Response, attempt)
                };
                hooks::emit(hooks, &event);
            }
            let Some(delay) = retry_in else {
                let unknown = failure.error.is_outcome_unknown() || maybe_processed;
                return Err(failure
                    .error
                    .with_attempts(attempt)
                    .with_outcome_unknown(unknown));
            };
            tracing::debug!(
                attempt,
                delay_ms = delay.as_millis() as u64,
                error = %failure.error,
                "retrying"
            );
            tokio::time::sleep(delay).await;
        }
    }

    /// How long to wait before retrying after `failure`, or `None` when the call ends
    /// with it: not retryable, out of retries, or the wait would pass the deadline.
    fn retry_delay(
        &self,
        failure: &Failure,
        attempt: u32,
        until: Option<Instant>,
    ) -> Option<Duration> {
        if !failure.error.is_retryable() || attempt > self.policy.max_retries {
            return None;
        }
        let mut delay = self.backoff(attempt);
        if let Some(after) = failure.retry_after {
            if after > MAX_RETRY_AFTER && until.is_none() {
                return None;
            }
            delay = delay.max(after);
        }
        if let Some(until) = until {
            // Leave room for the next attempt to do something useful. The delay may come
            // from the answer's Retry-After, any number up to u64::MAX seconds: an
            // instant past what the clock can hold is past the deadline too.
            match Instant::now().checked_add(delay) {
                Some(next) if next < until => {}
                _ => return None,
            }
        }
        Some(delay)
    }

    fn backoff(&self, attempt: u32) -> Duration {
        let cfg = &*self.inner;
        let exp = cfg
            .backoff
            .saturating_mul(1u32 << attempt.saturating_sub(1).min(16))
            .min(cfg.max_backoff);
        let nanos = exp.as_nanos() as u64;
        if nanos < 2 {
            return exp;
        }
        // "Equal jitter": between half and all of the exponential delay, so that many
        // clients retrying at once spread out but still back off.
        Duration::from_nanos(rand::rng().random_range(nanos / 2..=nanos))
    }

    /// One signed request and its answer.
    async fn attempt<T: DeserializeOwned>(
        &self,
        body: Vec<u8>,
        signature: String,
        expect: &Expect<'_>,
    ) -> Result<(T, String), Failure> {
        let cfg = &*self.inner;
        // The same request as `Request::post(..).header(..)`, without parsing the names and
        // checking the builder's state for every header of every attempt.
        let signature = HeaderValue::try_from(signature).map_err(|e| {
            Error::new(ErrorKind::Validation, "could not build the request").with_source(e)
        })?;
        let mut request = Request::new(Full::new(Bytes::from(body)));
        *request.method_mut() = Method::POST;
        *request.uri_mut() = cfg.endpoint.clone();
        let headers = request.headers_mut();
        headers.reserve(4);
        headers.insert(CONTENT_TYPE, APPLICATION_JSON);
        headers.insert(ACCEPT, APPLICATION_JSON);
        headers.insert(USER_AGENT, cfg.user_agent.clone());
        headers.insert(SIGNATURE, signature);
        let response = cfg.http.request(request).await.map_err(|e| {
            let connect = e.is_connect();
            let message = if connect {
                "could not connect to the gateway"
            } else {
                "the connection failed before the answer arrived"
            };
            Error::new(ErrorKind::Network, format!("{message}{}", root_cause(&e)))
                .with_retryable(true)
                // A failed connect sent nothing; anything later may have reached the gateway.
                .with_outcome_unknown(!connect)
                .with_source(e)
        })?;
        let (parts, body) = response.into_parts();
        let status = parts.status.as_u16();
        let headers = &parts.headers;
        let signature = headers.get(SIGNATURE).and_then(|v| v.to_str().ok());
        let retry_after = headers
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let declared = headers
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|n| n > MAX_RESPONSE_BYTES as u64) {
            return Err(too_large(status).into());
        }
        let body = match Limited::new(body, MAX_RESPONSE_BYTES).collect().await {
            Ok(collected) => collected.to_bytes(),
            Err(e) if e.downcast_ref::<LengthLimitError>().is_some() => {
                return Err(too_large(status).into())
            }
            Err(_) => {
                return Err(Error::new(
                    ErrorKind::Network,
                    "the connection closed before the whole answer arrived",
                )
                .with_http_status(Some(status))
                .with_retryable(true)
                .with_outcome_unknown(true)
                .into())
            }
        };
        match status {
            200 => {
                if let Some((value, trace_id, text)) =
                    signature.and_then(|sig| typed_success::<T>(&cfg.secret, &body, sig))
                {
                    expect.check_text(text, &trace_id)?;
                    return Ok((value, trace_id));
                }
                let verified = signature.is_some_and(|sig| cfg.secret.verify(&body, sig).is_ok());
                let envelope = Envelope::parse(&body);
                if !verified {
                    // Protocol §9: only an authentication failure (`1000xxxx`) may come
                    // unsigned, since the gateway did not know the caller. Any other code
                    // without a valid signature may be forged or replayed: its code and data
                    // are never used.
                    return match envelope {
                        Ok(env) if code::may_come_unsigned(&env.code) => {
                            Err(Error::from_envelope(&env, 200, false).into())
                        }
                        _ => Err(Error::new(
                            ErrorKind::Signature,
                            if signature.is_some() {
                                "the answer's signature does not match: its data is not trusted"
                            } else {
                                "the answer is not signed: its data is not trusted"
                            },
                        )
                        .with_http_status(Some(200))
                        // An untrusted answer: the gateway may well have acted.
                        .with_outcome_unknown(true)
                        .into()),
                    };
                }
                let envelope = envelope.map_err(|e| {
                    Error::from(e)
                        .with_http_status(Some(200))
                        .with_outcome_unknown(true)
                })?;
                if envelope.class().is_ok() {
                    let value = envelope.data_as::<T>().map_err(|e| {
                        Error::from(e)
                            .with_trace_id(Some(envelope.trace_id.clone()))
                            .with_http_status(Some(200))
                            // The gateway processed the request; only its answer is unreadable.
                            .with_outcome_unknown(true)
                    })?;
                    expect.check(&body, &envelope.trace_id)?;
                    Ok((value, envelope.trace_id))
                } else {
                    Err(Error::from_envelope(&envelope, 200, true).into())
                }
            }
            429 | 502 | 503 | 504 => {
                // Possibly from a proxy and never signed: read only to report its code, which
                // no flow acts on (the error is not marked signed).
                let envelope = Envelope::parse(&body).ok();
                let mut message = match status {
                    429 => "rate limited by the gateway".to_owned(),
                    502 => "bad gateway".to_owned(),
                    503 => "the gateway is unavailable".to_owned(),
                    _ => "gateway timeout".to_owned(),
                };
                if let Some(env) = envelope.as_ref().filter(|e| !e.message.is_empty()) {
                    message = format!("{message}: {}", untrusted_text(&env.message, 200));
                }
                let error = Error::new(ErrorKind::Gateway, message)
                    .with_http_status(Some(status))
                    .with_code(envelope.as_ref().map(|e| e.code.clone()))
                    .with_trace_id(envelope.map(|e| untrusted_text(&e.trace_id, 64)))
                    .with_retryable(true)
                    // Protocol §9: a 429 is refused before processing; a 502/503/504 may come
                    // from a proxy after the gateway acted.
                    .with_outcome_unknown(status != 429);
                Err(Failure {
                    error,
                    retry_after: if status == 429 { retry_after } else { None },
                })
            }
            300..=399 => Err(Error::new(
                ErrorKind::Protocol,
                format!(
                    "the gateway answered a redirect (HTTP {status}); redirects are not followed"
                ),
            )
            .with_http_status(Some(status))
            .into()),
            _ => Err(Error::new(
                ErrorKind::Protocol,
                format!("unexpected HTTP status {status}"),
            )
            .with_http_status(Some(status))
            // Protocol §9: any other 5xx, and a 2xx other than 200, may follow a processed
            // request.
            .with_outcome_unknown(status >= 500 || (200..300).contains(&status))
            .into()),
        }
    }
}

/// Text from a body nobody signed (a proxy's page, an unsigned `1000xxxx`), shown in
/// errors and logs: cut to `max` characters and without control characters, so that an
/// answer cannot put a megabyte, or forged log lines, into the caller's error messages.
pub(crate) fn untrusted_text(text: &str, max: usize) -> String {
    let mut out: String = text
        .chars()
        .take(max)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if text.chars().nth(max).is_some() {
        out.push('…');
    }
    out
}

/// What a success must agree with: the identifiers the request sent (protocol §9), so that
/// a validly signed answer about another order (a replay) is never taken as this result.
///
/// It borrows the request's `data`, which outlives every attempt: nothing is copied.
pub(crate) struct Expect<'a> {
    ids: [(&'static str, Option<&'a str>); 4],
    amount: Option<Amount>,
    currency: Option<&'a str>,
}

/// The identifying fields of an answer's `data`, read from the signed body without
/// building a JSON tree (the rest of the fields are skipped).
#[derive(Deserialize)]
struct AnswerIds<'a> {
    #[serde(default, borrow)]
    data: Option<Ids<'a>>,
}

#[derive(Deserialize)]
struct Ids<'a> {
    #[serde(default, borrow)]
    merchant_id: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    order_id: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    trade_id: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    refund_id: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    amount: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    currency: Option<Cow<'a, str>>,
}

impl Ids<'_> {
    fn get(&self, field: &str) -> Option<&str> {
        match field {
            "merchant_id" => self.merchant_id.as_deref(),
            "order_id" => self.order_id.as_deref(),
            "trade_id" => self.trade_id.as_deref(),
            "refund_id" => self.refund_id.as_deref(),
            _ => None,
        }
    }
}

impl<'a> Expect<'a> {
    pub(crate) fn of(trans_type: &TransType, data: &'a Map<String, Value>) -> Expect<'a> {
        let text = |k: &str| data.get(k).and_then(Value::as_str);
        let ids = ["merchant_id", "order_id", "trade_id", "refund_id"].map(|k| (k, text(k)));
        let pay = *trans_type == TransType::Pay;
        Expect {
            ids,
            amount: if pay {
                text("amount").and_then(|a| Amount::parse(a).ok())
            } else {
                None
            },
            currency: if pay { text("currency") } else { None },
        }
    }

    /// A field the answer carries and that differs from the request's is a protocol
    /// error with outcome unknown; a field the answer leaves out contradicts nothing.
    fn check(&self, body: &[u8], trace_id: &str) -> Result<(), Failure> {
        match std::str::from_utf8(body) {
            Ok(text) => self.check_text(text, trace_id),
            Err(_) => self.check_ids(serde_json::from_slice(body), trace_id),
        }
    }

    /// [`Expect::check`] of a body already known to be UTF-8: the same answer, read without
    /// checking every string's UTF-8 again.
    fn check_text(&self, body: &str, trace_id: &str) -> Result<(), Failure> {
        self.check_ids(serde_json::from_str(body), trace_id)
    }

    fn check_ids(
        &self,
        answer: serde_json::Result<AnswerIds<'_>>,
        trace_id: &str,
    ) -> Result<(), Failure> {
        let mismatch = |field: &str| -> Failure {
            Error::new(
                ErrorKind::Protocol,
                format!(
                    "the answer is about another request: its {field} is not the one sent; \
                     it is not taken as a result"
                ),
            )
            .with_http_status(Some(200))
            .with_trace_id(Some(trace_id.to_owned()))
            .with_outcome_unknown(true)
            .into()
        };
        // The typed read of the same body succeeded, so a failure here means an
        // identifying field is not a string: not the request's either.
        let answer = answer.map_err(|_| mismatch("data"))?;
        let Some(data) = answer.data else {
            return Ok(());
        };
        for (k, sent) in self.ids.iter().filter_map(|(k, v)| v.map(|v| (*k, v))) {
            if data.get(k).is_some_and(|got| got != sent) {
                return Err(mismatch(k));
            }
        }
        if let (Some(sent), Some(got)) = (&self.amount, data.amount.as_deref()) {
            if Amount::parse(got).ok().as_ref() != Some(sent) {
                return Err(mismatch("amount"));
            }
        }
        if let (Some(sent), Some(got)) = (&self.currency, data.currency.as_deref()) {
            if !got.eq_ignore_ascii_case(sent) {
                return Err(mismatch("currency"));
            }
        }
        Ok(())
    }
}

fn too_large(status: u16) -> Error {
    Error::new(
        ErrorKind::Protocol,
        format!("the answer is larger than {MAX_RESPONSE_BYTES} bytes"),
    )
    .with_http_status(Some(status))
    .with_outcome_unknown(true)
}

/// The envelope of a success, typed in one pass.
#[derive(Deserialize)]
struct TypedEnvelope<'a, T> {
    #[serde(borrow)]
    code: Cow<'a, str>,
    // Read only so that a non-string message sends the body down the full path.
    #[allow(dead_code)]
    #[serde(default, borrow)]
    message: Option<Cow<'a, str>>,
    #[serde(default, rename = "traceId")]
    trace_id: Option<String>,
    #[serde(default = "none")]
    data: Option<T>,
}

fn none<T>() -> Option<T> {
    None
}

/// The common case, a correctly signed success, read straight into its type instead of
/// through a JSON tree (the client's largest cost per request). Anything else (no or bad
/// signature, an error code, an unusual shape) returns `None` and takes the full path of
/// `open_response` and `Envelope::parse`, which decide every error; this only ever accepts
/// bodies that path accepts as the same success. The body is checked to be UTF-8 once, as a
/// whole, and returned as text so that the answer check reads it without checking again.
fn typed_success<'b, T: DeserializeOwned>(
    secret: &Secret,
    body: &'b [u8],
    signature: &str,
) -> Option<(T, String, &'b str)> {
    secret.verify(body, signature).ok()?;
    let text = std::str::from_utf8(body).ok()?;
    let envelope: TypedEnvelope<'_, T> = serde_json::from_str(text).ok()?;
    if !code::is_well_formed(&envelope.code) || !CodeClass::of(&envelope.code).is_ok() {
        return None;
    }
    Some((envelope.data?, envelope.trace_id.unwrap_or_default(), text))
}

/// `": <innermost cause>"` of an error chain (a TLS or DNS failure, say), or nothing.
fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = e.source();
    let mut last = None;
    while let Some(c) = cause {
        last = Some(c);
        cause = c.source();
    }
    last.map(|c| format!(": {c}")).unwrap_or_default()
}

pub(crate) fn now_rfc3339() -> String {
    tradepay_types::time::format_rfc3339(tradepay_types::time::now_unix()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SUCCESS: &[u8] = br#"{"code":"00000000","message":"SUCCESS","traceId":"t1","data":{"status":"SUCCESS","trade_id":"tr_1","order_id":"o_1","merchant_id":"m_1","amount":"25.00","currency":"USD"}}"#;

    #[test]
    fn typed_read_takes_a_signed_success_and_hands_back_its_text() {
        let secret = Secret::new("unit-secret");
        let sig = secret.sign(SUCCESS);
        let (trade, trace_id, text) = typed_success::<Trade>(&secret, SUCCESS, &sig).unwrap();
        assert_eq!(trade.order_id.as_deref(), Some("o_1"));
        assert_eq!(trace_id, "t1");
        assert_eq!(text.as_bytes(), SUCCESS);
    }

    /// A body that is not UTF-8 as a whole (here inside a field the typed read skips) is
    /// left to the full path, which refuses it: the fast path never accepts more than the
    /// full path would.
    #[test]
    fn typed_read_leaves_a_body_that_is_not_utf8_to_the_full_path() {
        let secret = Secret::new("unit-secret");
        let mut body = br#"{"code":"00000000","extra":"x"#.to_vec();
        body.push(0xff);
        body.extend_from_slice(br#"","data":{"status":"SUCCESS","trade_id":"tr_1"}}"#);
        let sig = secret.sign(&body);
        assert!(typed_success::<Trade>(&secret, &body, &sig).is_none());
        assert!(Envelope::parse(&body).is_err());
    }

    #[test]
    fn the_answer_check_reads_bytes_and_text_alike() {
        let mut data = Map::new();
        data.insert("merchant_id".into(), "m_1".into());
        data.insert("order_id".into(), "o_2".into());
        data.insert("amount".into(), "25.00".into());
        data.insert("currency".into(), "USD".into());
        let expect = Expect::of(&TransType::Pay, &data);
        let text = std::str::from_utf8(SUCCESS).unwrap();
        for failure in [
            expect.check(SUCCESS, "t1").unwrap_err(),
            expect.check_text(text, "t1").unwrap_err(),
        ] {
            assert_eq!(failure.error.kind(), ErrorKind::Protocol);
            assert!(failure.error.to_string().contains("order_id"));
        }
        data.insert("order_id".into(), "o_1".into());
        let expect = Expect::of(&TransType::Pay, &data);
        assert!(expect.check(SUCCESS, "t1").is_ok());
        assert!(expect.check_text(text, "t1").is_ok());
    }
}
