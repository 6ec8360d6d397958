//! The HTTP server: binding, TLS, the accept loop, routing, the ticker, and shutdown.

use std::convert::Infallible;
use std::future::Future as _;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http::{Method, Request, Response, StatusCode};
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full};
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
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
    /// The bound address, for the Host and Origin checks of the control API.
    pub local: SocketAddr,
    pub scheme: &'static str,
    pub read_timeout: Duration,
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
    let extra_roots = match &config.webhook_ca {
        Some(pem) => crate::webhooks::parse_ca(pem)?,
        None => Vec::new(),
    };
    let read_timeout = tradepay_types::duration::check("read_timeout", config.read_timeout)
        .map_err(|e| SandboxError::Invalid(e.to_string()))?;
    if read_timeout.is_zero() {
        return Err(SandboxError::Invalid(
            "read_timeout must be above zero".into(),
        ));
    }
    for (name, value) in [
        ("webhook_retry_base", config.webhook_retry_base),
        ("webhook_timeout", config.webhook_timeout),
    ] {
        tradepay_types::duration::check(name, value)
            .map_err(|e| SandboxError::Invalid(e.to_string()))?;
    }
    if config.max_connections == 0 {
        return Err(SandboxError::Invalid(
            "max_connections must be at least 1".into(),
        ));
    }
    let listener = TcpListener::bind(addr).await?;
    let local = listener.local_addr()?;
    let scheme = if acceptor.is_some() { "https" } else { "http" };
    let url = format!("{scheme}://{local}");
    let (stop, stop_rx) = watch::channel(false);
    let shared = Arc::new(Shared {
        access_no: access_no.clone(),
        local,
        scheme,
        read_timeout,
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
            extra_roots,
            stop_rx.clone(),
        ),
    });
    shared.deliverer.attach(Arc::downgrade(&shared));
    let limits = Limits {
        max_connections: config.max_connections,
        read_timeout,
    };
    let task = tokio::spawn(serve(listener, acceptor, shared.clone(), stop_rx, limits));
    Ok((shared, ServerHandle { stop, task }, url))
}

#[derive(Clone, Copy)]
struct Limits {
    max_connections: usize,
    read_timeout: Duration,
}

async fn serve(
    listener: TcpListener,
    acceptor: Option<tokio_rustls::TlsAcceptor>,
    shared: Arc<Shared>,
    mut stop: watch::Receiver<bool>,
    limits: Limits,
) {
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let ticker = tokio::spawn(tick_loop(Arc::downgrade(&shared), stop.clone()));
    let permits = Arc::new(tokio::sync::Semaphore::new(limits.max_connections));
    let mut builder = auto::Builder::new(TokioExecutor::new());
    // A client that never finishes its headers is dropped instead of held forever (hyper's
    // deadline covers the whole head, so trickling a byte at a time does not extend it).
    builder
        .http1()
        .timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(limits.read_timeout);
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
        // Over the cap: closed at once, so the client sees a reset instead of a hang and
        // the sandbox never runs out of file descriptors.
        let Ok(permit) = permits.clone().try_acquire_owned() else {
            drop(tcp);
            continue;
        };
        let _ = tcp.set_nodelay(true);
        let shared = shared.clone();
        let service = service_fn(move |req: Request<hyper::body::Incoming>| {
            let req = req.map(|b| b.map_err(BoxError::from).boxed());
            route(shared.clone(), req)
        });
        let timeout = limits.read_timeout;
        match &acceptor {
            None => {
                let io = TokioIo::new(FirstBytes::new(tcp, timeout));
                let conn = builder.serve_connection(io, service);
                let conn = graceful.watch(conn.into_owned());
                tokio::spawn(async move {
                    let _ = conn.await;
                    drop(permit);
                });
            }
            Some(acceptor) => {
                let acceptor = acceptor.clone();
                let builder = builder.clone();
                let watcher = graceful.watcher();
                tokio::spawn(async move {
                    let tls = match tokio::time::timeout(timeout, acceptor.accept(tcp)).await {
                        Ok(Ok(tls)) => tls,
                        _ => return,
                    };
                    let io = TokioIo::new(FirstBytes::new(tls, timeout));
                    let conn = builder.serve_connection(io, service).into_owned();
                    let _ = watcher.watch(conn).await;
                    drop(permit);
                });
            }
        }
    }
    drop(listener);
    ticker.abort();
    shared.deliverer.cancel_all();
    let _ = tokio::time::timeout(Duration::from_secs(5), graceful.shutdown()).await;
}

/// The HTTP/2 preface is 24 bytes; hyper reads up to that many to tell HTTP/1 from HTTP/2.
const PREFACE_LEN: usize = 24;

/// A connection whose first bytes must arrive within a deadline. hyper's header timeout
/// only starts once it knows the HTTP version, which it learns from the first bytes, so a
/// client that connects and sends nothing (or trickles the preface) would otherwise be held
/// forever. After the first 24 bytes hyper's own deadlines apply.
struct FirstBytes<T> {
    inner: T,
    read: usize,
    deadline: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl<T> FirstBytes<T> {
    fn new(inner: T, timeout: Duration) -> Self {
        FirstBytes {
            inner,
            read: 0,
            deadline: Some(Box::pin(tokio::time::sleep(timeout))),
        }
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for FirstBytes<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let this = &mut *self;
        let before = buf.filled().len();
        match Pin::new(&mut this.inner).poll_read(cx, buf) {
            Poll::Ready(result) => {
                this.read = this.read.saturating_add(buf.filled().len() - before);
                if this.read >= PREFACE_LEN {
                    this.deadline = None;
                }
                Poll::Ready(result)
            }
            Poll::Pending => {
                let expired = match this.deadline.as_mut() {
                    Some(deadline) => deadline.as_mut().poll(cx).is_ready(),
                    None => false,
                };
                if expired {
                    Poll::Ready(Err(std::io::Error::new(
                        std::io::ErrorKind::TimedOut,
                        "no request within the read timeout",
                    )))
                } else {
                    Poll::Pending
                }
            }
        }
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for FirstBytes<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }
    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
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

/// Errors of request bodies.
pub(crate) type BoxError = Box<dyn std::error::Error + Send + Sync>;
/// A request body: hyper's `Incoming` from a socket, or a full one from `handle_raw`.
pub(crate) type ReqBody = http_body_util::combinators::BoxBody<Bytes, BoxError>;

pub(crate) async fn route(
    shared: Arc<Shared>,
    req: Request<ReqBody>,
) -> Result<Response<Body>, Abort> {
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

pub(crate) async fn handle_raw(
    shared: &Arc<Shared>,
    method: &str,
    uri: &str,
    headers: &[(String, Vec<u8>)],
    body: Vec<u8>,
) -> crate::RawResponse {
    let broken = || crate::RawResponse {
        status: Some(400),
        headers: Vec::new(),
        body: Vec::new(),
        complete: true,
    };
    let mut builder = Request::builder().method(method).uri(uri);
    for (name, value) in headers {
        builder = builder.header(name.as_str(), value.as_slice());
    }
    // What hyper itself would refuse before the service sees it: HTTP 400.
    let body = Full::new(Bytes::from(body))
        .map_err(|never: Infallible| match never {})
        .boxed();
    let Ok(req) = builder.body(body) else {
        return broken();
    };
    let Ok(res) = route(shared.clone(), req).await else {
        return crate::RawResponse {
            status: None,
            headers: Vec::new(),
            body: Vec::new(),
            complete: false,
        };
    };
    let status = res.status().as_u16();
    let headers = res
        .headers()
        .iter()
        .map(|(k, v)| (k.as_str().to_owned(), v.as_bytes().to_vec()))
        .collect();
    let mut body = res.into_body();
    let mut out = Vec::new();
    let mut complete = true;
    while let Some(frame) = body.frame().await {
        match frame {
            Ok(frame) => {
                if let Ok(data) = frame.into_data() {
                    out.extend_from_slice(&data);
                }
            }
            Err(_) => {
                complete = false;
                break;
            }
        }
    }
    crate::RawResponse {
        status: Some(status),
        headers,
        body: out,
        complete,
    }
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

/// Why a body could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BodyError {
    /// Longer than the limit, or broken.
    TooLong,
    /// Not all there within the read timeout.
    Timeout,
}

/// Reads a request body up to `limit` bytes within `timeout`.
pub(crate) async fn read_body(
    mut body: ReqBody,
    limit: usize,
    timeout: Duration,
) -> Result<Bytes, BodyError> {
    let read = async move {
        let mut out = bytes::BytesMut::new();
        while let Some(frame) = body.frame().await {
            let frame = frame.map_err(|_| BodyError::TooLong)?;
            if let Ok(data) = frame.into_data() {
                if out.len().saturating_add(data.len()) > limit {
                    return Err(BodyError::TooLong);
                }
                out.extend_from_slice(&data);
            }
        }
        Ok(out.freeze())
    };
    match tokio::time::timeout(timeout, read).await {
        Ok(result) => result,
        Err(_) => Err(BodyError::Timeout),
    }
}
