//! Webhook delivery (protocol §7): POST to notify_url, signed as Standard Webhooks sign,
//! retried with growing delays; a retry keeps the id and body and is signed afresh.

use std::sync::{Mutex, OnceLock, Weak};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use rustls_pki_types::CertificateDer;
use tokio::sync::watch;
use tokio::task::AbortHandle;

use crate::server::Shared;
use crate::state::Outgoing;
use crate::SandboxError;

/// The webhook client: `http://` and `https://` notify URLs, the latter verified against
/// the system's roots (webpki's when the system has none) and any CA given at start.
type WebhookClient = Client<HttpsConnector<HttpConnector>, Full<Bytes>>;

/// Reads the PEM certificates of `webhook_ca`; at least one is required.
pub(crate) fn parse_ca(pem: &[u8]) -> Result<Vec<CertificateDer<'static>>, SandboxError> {
    use rustls_pki_types::pem::PemObject;
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<_, _>>()
        .map_err(|e| SandboxError::Tls(format!("webhook_ca PEM: {e}")))?;
    if certs.is_empty() {
        return Err(SandboxError::Tls(
            "no certificate in the webhook_ca PEM".into(),
        ));
    }
    Ok(certs)
}

fn build_client(extra_roots: &[CertificateDer<'static>], timeout: Duration) -> WebhookClient {
    let mut roots = rustls::RootCertStore::empty();
    let native = rustls_native_certs::load_native_certs();
    roots.add_parsable_certificates(native.certs);
    if roots.is_empty() {
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    }
    roots.add_parsable_certificates(extra_roots.iter().cloned());
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map(|b| b.with_root_certificates(roots).with_no_client_auth());
    let mut http = HttpConnector::new();
    http.set_nodelay(true);
    http.set_connect_timeout(Some(timeout));
    http.enforce_http(false);
    let connector = match tls {
        Ok(tls) => hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_http1()
            .wrap_connector(http),
        // ring supports the default versions, so this cannot happen; if it did, https
        // deliveries would fail with a TLS error and http ones still work.
        Err(_) => hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(
                rustls::ClientConfig::builder()
                    .with_root_certificates(rustls::RootCertStore::empty())
                    .with_no_client_auth(),
            )
            .https_or_http()
            .enable_http1()
            .wrap_connector(http),
    };
    Client::builder(TokioExecutor::new()).build(connector)
}

/// The longest wait between two attempts, however many came before.
const MAX_RETRY_DELAY: Duration = Duration::from_secs(300);

pub(crate) struct Deliverer {
    attempts: u32,
    retry_base: Duration,
    timeout: Duration,
    extra_roots: Vec<CertificateDer<'static>>,
    // Built on the first delivery: loading the system's roots takes a moment that most
    // sandboxes (which send no webhook) need not spend.
    client: OnceLock<WebhookClient>,
    shared: OnceLock<Weak<Shared>>,
    tasks: Mutex<Vec<AbortHandle>>,
    stop: watch::Receiver<bool>,
    runtime: tokio::runtime::Handle,
}

impl Deliverer {
    /// Must be built inside the tokio runtime that will run the deliveries.
    pub fn new(
        attempts: u32,
        retry_base: Duration,
        timeout: Duration,
        extra_roots: Vec<CertificateDer<'static>>,
        stop: watch::Receiver<bool>,
    ) -> Self {
        Deliverer {
            attempts,
            retry_base,
            timeout,
            extra_roots,
            client: OnceLock::new(),
            shared: OnceLock::new(),
            tasks: Mutex::new(Vec::new()),
            stop,
            runtime: tokio::runtime::Handle::current(),
        }
    }

    pub fn attach(&self, shared: Weak<Shared>) {
        let _ = self.shared.set(shared);
    }

    /// Starts delivering in the background. Callable from any thread (a binding's caller).
    pub fn send(&self, out: Outgoing) {
        if *self.stop.borrow() {
            return;
        }
        let Some(shared) = self.shared.get().cloned() else {
            return;
        };
        let client = self
            .client
            .get_or_init(|| build_client(&self.extra_roots, self.timeout))
            .clone();
        let (attempts, base, timeout) = (self.attempts, self.retry_base, self.timeout);
        let task = self
            .runtime
            .spawn(deliver(shared, client, out, attempts, base, timeout));
        let mut tasks = self.tasks.lock().unwrap_or_else(|p| p.into_inner());
        tasks.retain(|t| !t.is_finished());
        tasks.push(task.abort_handle());
    }

    pub fn cancel_all(&self) {
        let mut tasks = self.tasks.lock().unwrap_or_else(|p| p.into_inner());
        for task in tasks.drain(..) {
            task.abort();
        }
    }
}

enum Attempt {
    Status(u16),
    Error(String),
}

async fn attempt(
    client: &WebhookClient,
    shared: &Weak<Shared>,
    out: &Outgoing,
    timeout: Duration,
) -> Attempt {
    let Some(secret) = shared.upgrade().map(|s| s.webhook_secret.clone()) else {
        return Attempt::Error("sandbox stopped".into());
    };
    let timestamp = tradepay_types::time::now_unix();
    let signature = secret.sign(&out.id, timestamp, &out.body);
    let request = http::Request::post(&out.url)
        .header(http::header::CONTENT_TYPE, "application/json")
        .header(http::header::USER_AGENT, "tradepay-sandbox")
        .header(tradepay_types::webhook::ID_HEADER, &out.id)
        .header(
            tradepay_types::webhook::TIMESTAMP_HEADER,
            timestamp.to_string(),
        )
        .header(tradepay_types::webhook::SIGNATURE_HEADER, signature)
        .body(Full::new(Bytes::from(out.body.clone())));
    let request = match request {
        Ok(r) => r,
        Err(e) => return Attempt::Error(format!("invalid notify_url: {e}")),
    };
    let exchange = async {
        let response = client.request(request).await.map_err(|e| error_chain(&e))?;
        let status = response.status().as_u16();
        // Drain the answer so the connection can be reused; its content does not matter.
        let _ = response.into_body().collect().await;
        Ok::<u16, String>(status)
    };
    match tokio::time::timeout(timeout, exchange).await {
        Ok(Ok(status)) => Attempt::Status(status),
        Ok(Err(e)) => Attempt::Error(e),
        Err(_) => Attempt::Error(format!("no answer within {} ms", timeout.as_millis())),
    }
}

async fn deliver(
    shared: Weak<Shared>,
    client: WebhookClient,
    out: Outgoing,
    attempts: u32,
    base: Duration,
    timeout: Duration,
) {
    let mut delay = base;
    for n in 1..=attempts {
        let result = attempt(&client, &shared, &out, timeout).await;
        let delivered = matches!(result, Attempt::Status(s) if (200..300).contains(&s));
        {
            let Some(shared) = shared.upgrade() else {
                return;
            };
            let mut state = shared.lock();
            if let Some(record) = state.deliveries.iter_mut().rev().find(|d| d.id == out.id) {
                record.attempts = n;
                record.delivered = delivered;
                match result {
                    Attempt::Status(s) => {
                        record.last_status = Some(s);
                        record.last_error = None;
                    }
                    Attempt::Error(e) => {
                        record.last_status = None;
                        record.last_error = Some(e);
                    }
                }
            }
        }
        if delivered || n == attempts {
            return;
        }
        tokio::time::sleep(delay).await;
        delay = delay.saturating_mul(2).min(MAX_RETRY_DELAY);
    }
}

/// An error with its causes ("client error (Connect): invalid peer certificate: …"), so a
/// failed TLS delivery says why.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
