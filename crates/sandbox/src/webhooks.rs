//! Webhook delivery (protocol §7): POST to notify_url, signed as Standard Webhooks sign,
//! retried with growing delays; a retry keeps the id and body and is signed afresh.

use std::sync::{Mutex, OnceLock, Weak};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use tokio::sync::watch;
use tokio::task::AbortHandle;

use crate::server::Shared;
use crate::state::Outgoing;

/// The longest wait between two attempts, however many came before.
const MAX_RETRY_DELAY: Duration = Duration::from_secs(300);

pub(crate) struct Deliverer {
    attempts: u32,
    retry_base: Duration,
    timeout: Duration,
    client: Client<HttpConnector, Full<Bytes>>,
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
        stop: watch::Receiver<bool>,
    ) -> Self {
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        connector.set_connect_timeout(Some(timeout));
        Deliverer {
            attempts,
            retry_base,
            timeout,
            client: Client::builder(TokioExecutor::new()).build(connector),
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
        let client = self.client.clone();
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
    client: &Client<HttpConnector, Full<Bytes>>,
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
        let response = client.request(request).await.map_err(|e| format!("{e}"))?;
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
    client: Client<HttpConnector, Full<Bytes>>,
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
        delay = (delay * 2).min(MAX_RETRY_DELAY);
    }
}
