//! The HTTP server: binding, TLS, the accept loop, routing, the ticker, and shutdown.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use bytes::Bytes;
use http::{Method, Request, Response, StatusCode};
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tradepay_types::{Refund, Secret, Trade, WebhookSecret};

use crate::faults::Faults;
use crate::state::{random_hex, State};
use crate::webhooks::Deliverer;
use crate::{LedgerEntry, Outcome, SandboxConfig, SandboxError, TlsConfig, WebhookDelivery};

/// The response body type: a full body, or one that breaks on purpose (truncation).
pub(crate) type Body = BoxBody<Bytes, std::io::Error>;

/// Returned by the service to make hyper drop the connection without answering.
#[derive(Debug)]
pub(crate) struct Abort;

impl std::fmt::Display for Abort {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection closed by a sandbox fault")
    }
}

impl std::error::Error for Abort {}

pub(crate) fn full(bytes: impl Into<Bytes>) -> Body {
    Full::new(bytes.into())
        .map_err(|never: Infallible| match never {})
        .boxed()
}

/// Everything the server tasks and the handle share.
pub(crate) struct Shared {
    pub access_no: String,
    pub secret: Secret,
    pub webhook_secret: WebhookSecret,
    pub webhook_secret_text: String,
    pub seed: u64,
    pub timestamp_window_secs: u64,
    pub state: Mutex<State>,
    pub faults: Faults,
    pub deliverer: Deliverer,
}

impl Shared {
    /// Locks the state, fires due timers, runs `f`, and sends the webhooks it produced.
    pub fn with_state<R>(&self, f: impl FnOnce(&mut State) -> R) -> R {
        let (result, outgoing) = {
            let mut state = self.lock();
            state.tick();
            let result = f(&mut state);
            (result, std::mem::take(&mut state.outbox))
        };
        for out in outgoing {
            self.deliverer.send(out);
        }
        result
    }

    pub fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock cannot leave an order half-written (every
        // transition writes after its checks), so a poisoned lock is still usable.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn complete(&self, trade_id: &str, outcome: Outcome) -> Result<Trade, SandboxError> {
        self.with_state(|s| s.complete(trade_id, outcome))
    }

    pub fn advance_clock(&self, by: Duration) {
        let ms = i64::try_from(by.as_millis()).unwrap_or(i64::MAX);
        self.with_state(|s| s.advance(ms))
    }

    pub fn ledger(&self) -> Vec<LedgerEntry> {
        self.with_state(|s| s.ledger())
    }

    pub fn orders(&self) -> Vec<Trade> {
        self.with_state(|s| s.orders())
    }

    pub fn refunds(&self) -> Vec<Refund> {
        self.with_state(|s| s.refunds())
    }

    pub fn webhook_deliveries(&self) -> Vec<WebhookDelivery> {
        self.lock().deliveries.clone()
    }

    pub fn reset(&self) {
        self.faults.clear();
        self.deliverer.cancel_all();
        self.lock().reset();
    }
}

pub(crate) struct ServerHandle {
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl ServerHandle {
    pub fn signal(&self) {
        let _ = self.stop.send(true);
    }

    pub async fn shutdown(self) {
        self.signal();
        let _ = self.task.await;
    }
}

fn generated(prefix: &str, n: usize) -> String {
    format!("{prefix}{}", random_hex(n))
}

fn tls_acceptor(tls: &TlsConfig) -> Result<tokio_rustls::TlsAcceptor, SandboxError> {
    use rustls_pki_types::pem::PemObject;
    use rustls_pki_types::{CertificateDer, PrivateKeyDer};
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&tls.cert_pem)
        .collect::<Result<_, _>>()
        .map_err(|e| SandboxError::Tls(format!("certificate PEM: {e}")))?;
    if certs.is_empty() {
        return Err(SandboxError::Tls("no certificate in the PEM".into()));
    }
    let key = PrivateKeyDer::from_pem_slice(&tls.key_pem)
        .map_err(|e| SandboxError::Tls(format!("private key PEM: {e}")))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| SandboxError::Tls(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| SandboxError::Tls(e.to_string()))?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(tokio_rustls::TlsAcceptor::from(Arc::new(config)))
}

pub(crate) async fn start(
    config: SandboxConfig,
    addr: SocketAddr,
) -> Result<(Arc<Shared>, ServerHandle, String), SandboxError> {
    let access_no = config
        .access_no
        .clone()
        .unwrap_or_else(|| generated("acc_", 16));
    let secret = config
        .secret
        .clone()
        .unwrap_or_else(|| generated("sk_", 32));
    if access_no.is_empty() || access_no.len() > 64 {
        return Err(SandboxError::Invalid(
            "access_no must be 1 to 64 characters".into(),
        ));
    }
    if secret.is_empty() {
        return Err(SandboxError::Invalid("secret must not be empty".into()));
    }
    let webhook_secret = match &config.webhook_secret {
        Some(text) => WebhookSecret::parse(text)
            .map_err(|e| SandboxError::Invalid(format!("webhook_secret: {e}")))?,
        None => {
            use rand::RngCore;
            let mut key = [0u8; 24];
            rand::rng().fill_bytes(&mut key);
            WebhookSecret::from_key(key.to_vec())
        }
    };
    let acceptor = config.tls.as_ref().map(tls_acceptor).transpose()?;
    let listener = TcpListener::bind(addr).await?;
    let local = listener.local_addr()?;
    let scheme = if acceptor.is_some() { "https" } else { "http" };
    let url = format!("{scheme}://{local}");
    let (stop, stop_rx) = watch::channel(false);
    let shared = Arc::new(Shared {
        access_no: access_no.clone(),
        secret: Secret::new(secret),
        webhook_secret_text: webhook_secret.to_whsec(),
        webhook_secret,
        seed: config.seed,
        timestamp_window_secs: config.timestamp_window.as_secs(),
        state: Mutex::new(State::new(url.clone(), access_no)),
        faults: Faults::default(),
        deliverer: Deliverer::new(
            config.webhook_attempts.max(5),
            config.webhook_retry_base,
            config.webhook_timeout,
            stop_rx.clone(),
        ),
    });
    shared.deliverer.attach(Arc::downgrade(&shared));
    let task = tokio::spawn(serve(listener, acceptor, shared.clone(), stop_rx));
    Ok((shared, ServerHandle { stop, task }, url))
}

async fn serve(
    listener: TcpListener,
    acceptor: Option<tokio_rustls::TlsAcceptor>,
    shared: Arc<Shared>,
    mut stop: watch::Receiver<bool>,
) {
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let ticker = tokio::spawn(tick_loop(Arc::downgrade(&shared), stop.clone()));
    let mut builder = auto::Builder::new(TokioExecutor::new());
    // A client that never finishes its headers is dropped instead of held forever.
    builder
        .http1()
        .timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(Duration::from_secs(30));
    loop {
        let accepted = tokio::select! {
            _ = stop.changed() => break,
            accepted = listener.accept() => accepted,
        };
        let (tcp, _) = match accepted {
            Ok(pair) => pair,
            Err(_) => {
                // Out of file descriptors or a reset before accept: wait, keep serving.
                tokio::time::sleep(Duration::from_millis(20)).await;
                continue;
            }
        };
        let _ = tcp.set_nodelay(true);
        let shared = shared.clone();
        let service = service_fn(move |req| route(shared.clone(), req));
        match &acceptor {
            None => {
                let conn = builder.serve_connection(TokioIo::new(tcp), service);
                let conn = graceful.watch(conn.into_owned());
                tokio::spawn(async move {
                    let _ = conn.await;
                });
            }
            Some(acceptor) => {
                let acceptor = acceptor.clone();
                let builder = builder.clone();
                let watcher = graceful.watcher();
                tokio::spawn(async move {
                    let tls =
                        match tokio::time::timeout(Duration::from_secs(10), acceptor.accept(tcp))
                            .await
                        {
                            Ok(Ok(tls)) => tls,
                            _ => return,
                        };
                    let conn = builder
                        .serve_connection(TokioIo::new(tls), service)
                        .into_owned();
                    let _ = watcher.watch(conn).await;
                });
            }
        }
    }
    drop(listener);
    ticker.abort();
    shared.deliverer.cancel_all();
    let _ = tokio::time::timeout(Duration::from_secs(5), graceful.shutdown()).await;
}

/// Fires timers and forgets expired nonces even when no request arrives, so webhooks of
/// timed transitions go out on time.
async fn tick_loop(shared: std::sync::Weak<Shared>, mut stop: watch::Receiver<bool>) {
    let mut interval = tokio::time::interval(Duration::from_millis(100));
    let mut rounds: u64 = 0;
    loop {
        tokio::select! {
            _ = stop.changed() => return,
            _ = interval.tick() => {}
        }
        let Some(shared) = shared.upgrade() else {
            return;
        };
        rounds += 1;
        shared.with_state(|s| {
            if rounds % 50 == 0 {
                s.prune_nonces(tradepay_types::time::now_unix());
            }
        });
    }
}

async fn route(shared: Arc<Shared>, req: Request<Incoming>) -> Result<Response<Body>, Abort> {
    let path = req.uri().path();
    if path == "/v1/gateway" {
        if req.method() != Method::POST {
            return Ok(plain(StatusCode::METHOD_NOT_ALLOWED, "use POST"));
        }
        return crate::gateway::handle(shared, req).await;
    }
    if path.starts_with("/sandbox/") {
        return Ok(crate::control::handle(shared, req).await);
    }
    Ok(plain(StatusCode::NOT_FOUND, "not found"))
}

pub(crate) fn plain(status: StatusCode, text: &'static str) -> Response<Body> {
    let mut res = Response::new(full(text));
    *res.status_mut() = status;
    res.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    res
}

/// Reads a request body up to `limit` bytes; `None` when it is longer or broken.
pub(crate) async fn read_body(body: Incoming, limit: usize) -> Option<Bytes> {
    http_body_util::Limited::new(body, limit)
        .collect()
        .await
        .ok()
        .map(|c| c.to_bytes())
}
