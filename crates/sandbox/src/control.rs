//! The control API under `/sandbox/` (JSON), and the next_action page under `/sandbox/pay/`.

use std::sync::Arc;
use std::time::Duration;

use http::{HeaderValue, Method, Request, Response, StatusCode};
use hyper::body::Incoming;
use serde::Deserialize;
use serde_json::json;

use crate::server::{full, read_body, Body, Shared};
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

pub(crate) async fn handle(shared: Arc<Shared>, req: Request<Incoming>) -> Response<Body> {
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let body = match read_body(req.into_body(), MAX_CONTROL_BODY).await {
        Some(b) => b,
        None => {
            return error(
                StatusCode::PAYLOAD_TOO_LARGE,
                "body too large or unreadable",
            )
        }
    };
    if let Some(trade_id) = path.strip_prefix("/sandbox/pay/") {
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
