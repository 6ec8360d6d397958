//! The control API under `/sandbox/` (JSON), and the next_action page under `/sandbox/pay/`.

use std::sync::Arc;
use std::time::Duration;

use http::{HeaderValue, Method, Request, Response, StatusCode};
use serde::Deserialize;
use serde_json::json;

use crate::server::{full, read_body, Body, BodyError, ReqBody, Shared};
use crate::{FaultRule, Outcome, SandboxError};

const MAX_CONTROL_BODY: usize = 256 * 1024;

fn json_response(status: StatusCode, value: &impl serde::Serialize) -> Response<Body> {
    let bytes = serde_json::to_vec(value).unwrap_or_default();
    let mut res = Response::new(full(bytes));
    *res.status_mut() = status;
    res.headers_mut().insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    res
}

fn error(status: StatusCode, message: impl std::fmt::Display) -> Response<Body> {
    json_response(status, &json!({ "error": message.to_string() }))
}

fn sandbox_error(e: SandboxError) -> Response<Body> {
    let status = match e {
        SandboxError::NotFound(_) => StatusCode::NOT_FOUND,
        SandboxError::InvalidState(_) => StatusCode::CONFLICT,
        _ => StatusCode::BAD_REQUEST,
    };
    error(status, e)
}

fn html(status: StatusCode, text: String) -> Response<Body> {
    let mut res = Response::new(full(text));
    *res.status_mut() = status;
    res.headers_mut().insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    res.headers_mut().insert(
        http::header::CACHE_CONTROL,
        HeaderValue::from_static("no-store"),
    );
    res
}

#[derive(Deserialize)]
struct CompleteBody {
    trade_id: String,
    outcome: Outcome,
}

#[derive(Deserialize)]
struct AdvanceBody {
    seconds: f64,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum FaultsBody {
    List(Vec<FaultRule>),
    Wrapped { rules: Vec<FaultRule> },
}

/// The names the sandbox answers to: its loopback address with its port (and, when bound
/// elsewhere with allow_remote, that address). A name that resolves to 127.0.0.1 but is not
/// one of these is how a DNS-rebinding page reaches a local server, so it is refused.
fn own_authority(shared: &Shared, authority: &str) -> bool {
    let port = shared.local.port();
    let Some(host) = authority
        .strip_suffix(&format!(":{port}"))
        .filter(|h| !h.is_empty())
    else {
        return false;
    };
    if host.eq_ignore_ascii_case("localhost") || host == "127.0.0.1" || host == "[::1]" {
        return true;
    }
    let ip: Option<std::net::IpAddr> = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host)
        .parse()
        .ok();
    match ip {
        // Bound to this very address (allowed only with allow_remote), or to every address:
        // then any IP literal names it, but still no DNS name.
        Some(ip) => {
            let bound = shared.local.ip();
            ip == bound || bound.is_unspecified() || (ip.is_loopback() && bound.is_loopback())
        }
        None => false,
    }
}

/// Refuses what a foreign web page could send: a request under another name (DNS
/// rebinding), a POST from another origin, or a body a page can send without a CORS
/// preflight (`text/plain`, form-encoded, multipart) to the control API.
fn guard(shared: &Shared, req: &Request<ReqBody>, page: bool) -> Result<(), &'static str> {
    let host = req
        .uri()
        .authority()
        .map(|a| a.as_str())
        .or_else(|| req.headers().get(http::header::HOST)?.to_str().ok());
    if !host.is_some_and(|h| own_authority(shared, h)) {
        return Err("the Host header must be the sandbox's own address (127.0.0.1, localhost or [::1] with its port)");
    }
    if let Some(origin) = req.headers().get(http::header::ORIGIN) {
        let own = origin
            .to_str()
            .ok()
            .and_then(|o| o.strip_prefix(shared.scheme)?.strip_prefix("://"))
            .is_some_and(|authority| own_authority(shared, authority));
        if !own {
            return Err("cross-origin requests to the sandbox are refused");
        }
    }
    if !page && req.method() != Method::GET {
        let content_type = req
            .headers()
            .get(http::header::CONTENT_TYPE)
            .map(|v| v.to_str().unwrap_or("").to_ascii_lowercase());
        if let Some(ct) = content_type {
            let essence = ct.split(';').next().unwrap_or("").trim();
            if essence != "application/json" {
                return Err("the control API takes application/json bodies only");
            }
        }
    }
    Ok(())
}

pub(crate) async fn handle(shared: Arc<Shared>, req: Request<ReqBody>) -> Response<Body> {
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let page_path = path.strip_prefix("/sandbox/pay/").map(str::to_owned);
    if let Err(why) = guard(&shared, &req, page_path.is_some()) {
        return error(StatusCode::FORBIDDEN, why);
    }
    let body = match read_body(req.into_body(), MAX_CONTROL_BODY, shared.read_timeout).await {
        Ok(b) => b,
        Err(BodyError::TooLong) => {
            return error(
                StatusCode::PAYLOAD_TOO_LARGE,
                "body too large or unreadable",
            )
        }
        Err(BodyError::Timeout) => {
            return error(
                StatusCode::REQUEST_TIMEOUT,
                "body did not arrive within the read timeout",
            )
        }
    };
    if let Some(trade_id) = page_path.as_deref() {
        return page(&shared, &method, trade_id, &body);
    }
    match (method, path.as_str()) {
        (Method::GET, "/sandbox/info") => json_response(
            StatusCode::OK,
            &json!({
                "url": shared.lock().base_url,
                "access_no": shared.access_no,
                "secret": shared.secret.expose(),
                "webhook_secret": shared.webhook_secret_text,
            }),
        ),
        (Method::GET, "/sandbox/orders") => json_response(StatusCode::OK, &shared.orders()),
        (Method::GET, "/sandbox/refunds") => json_response(StatusCode::OK, &shared.refunds()),
        (Method::GET, "/sandbox/ledger") => json_response(StatusCode::OK, &shared.ledger()),
        (Method::GET, "/sandbox/webhooks") => {
            json_response(StatusCode::OK, &shared.webhook_deliveries())
        }
        (Method::POST, "/sandbox/complete") => match decode::<CompleteBody>(&body) {
            Ok(c) => match shared.complete(&c.trade_id, c.outcome) {
                Ok(trade) => json_response(StatusCode::OK, &trade),
                Err(e) => sandbox_error(e),
            },
            Err(e) => error(StatusCode::BAD_REQUEST, e),
        },
        (Method::POST, "/sandbox/clock/advance") => match decode::<AdvanceBody>(&body) {
            Ok(a) if a.seconds.is_finite() && a.seconds >= 0.0 => {
                shared.advance_clock(Duration::from_secs_f64(a.seconds.min(1e12)));
                json_response(StatusCode::OK, &json!({ "advanced_seconds": a.seconds }))
            }
            Ok(_) => error(StatusCode::BAD_REQUEST, "seconds must be a number >= 0"),
            Err(e) => error(StatusCode::BAD_REQUEST, e),
        },
        (Method::POST | Method::PUT, "/sandbox/faults") => {
            let rules = match decode::<FaultsBody>(&body) {
                Ok(FaultsBody::List(rules)) | Ok(FaultsBody::Wrapped { rules }) => rules,
                Err(e) => return error(StatusCode::BAD_REQUEST, e),
            };
            let count = rules.len();
            match shared.faults.set(rules, shared.seed) {
                Ok(()) => json_response(StatusCode::OK, &json!({ "rules": count })),
                Err(e) => sandbox_error(e),
            }
        }
        (Method::DELETE, "/sandbox/faults") | (Method::POST, "/sandbox/faults/clear") => {
            shared.faults.clear();
            json_response(StatusCode::OK, &json!({ "rules": 0 }))
        }
        (Method::POST, "/sandbox/reset") => {
            shared.reset();
            json_response(StatusCode::OK, &json!({ "reset": true }))
        }
        _ => error(StatusCode::NOT_FOUND, "no such sandbox endpoint"),
    }
}

fn decode<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, String> {
    serde_json::from_slice(body).map_err(|e| format!("invalid request body: {e}"))
}

fn form_action(body: &[u8]) -> Option<Outcome> {
    let text = std::str::from_utf8(body).ok()?;
    text.split('&').find_map(|pair| match pair.split_once('=') {
        Some(("action", "approve")) => Some(Outcome::Succeeded),
        Some(("action", "fail")) => Some(Outcome::Failed),
        _ => None,
    })
}

fn page(shared: &Shared, method: &Method, trade_id: &str, body: &[u8]) -> Response<Body> {
    let Some(trade) = shared.with_state(|s| s.page_view(trade_id)) else {
        return html(
            StatusCode::NOT_FOUND,
            "<!doctype html><p>No such payment.</p>".into(),
        );
    };
    match *method {
        Method::GET => html(StatusCode::OK, crate::page::render(&trade, trade_id)),
        Method::POST => {
            let Some(outcome) = form_action(body) else {
                return html(
                    StatusCode::BAD_REQUEST,
                    "<!doctype html><p>Choose Approve or Fail.</p>".into(),
                );
            };
            // A second click (or a click after expiry) leaves the order as it is and
            // still sends the customer back: the shop reads the status by QUERY.
            let trade = match shared.complete(trade_id, outcome) {
                Ok(t) => t,
                Err(_) => shared
                    .with_state(|s| s.page_view(trade_id))
                    .unwrap_or(trade),
            };
            match trade
                .return_url
                .as_deref()
                .and_then(|u| HeaderValue::from_str(u).ok())
            {
                Some(location) => {
                    let mut res = Response::new(full(""));
                    *res.status_mut() = StatusCode::SEE_OTHER;
                    res.headers_mut().insert(http::header::LOCATION, location);
                    res
                }
                None => html(StatusCode::OK, crate::page::done(&trade)),
            }
        }
        _ => error(StatusCode::METHOD_NOT_ALLOWED, "use GET or POST"),
    }
}
