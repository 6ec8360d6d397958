//! `Client`: the Rust client behind Promises. Each method reads its arguments, awaits the
//! Rust future on napi's tokio runtime (never on the JS thread), and converts the result.

use std::sync::RwLock;
use std::time::Duration;

use napi_derive::napi;
use serde_json::Value;
use tradepay_transport::Client;

use crate::convert::{self, ms, object, to_js};
use crate::failure::{napi_err, Failure};

/// Used when `waitFinal` is given no `timeoutMs`, as in api.md's examples.
const DEFAULT_WAIT: Duration = Duration::from_secs(60);
/// Used when `micropay` is given no `deadlineMs`, as in api.md's examples.
const DEFAULT_MICROPAY_DEADLINE: Duration = Duration::from_secs(30);

/// The native client; `index.js` wraps it as `Client`.
#[napi]
pub struct NativeClient {
    // `close()` drops the pool; requests already running keep their own handle.
    inner: RwLock<Option<Client>>,
}

impl NativeClient {
    fn client(&self) -> Result<Client, Failure> {
        self.inner
            .read()
            .ok()
            .and_then(|c| c.clone())
            .ok_or_else(|| Failure::validation(None, "the client is closed; create a new Client"))
    }
}

#[napi]
impl NativeClient {
    /// Builds the client from `{ baseUrl, accessNo, secret, maxRetries, timeoutMs, deadlineMs,
    /// allowInsecureHttp }`; refuses bad options with a ValidationError (nothing is sent).
    #[napi(constructor, catch_unwind)]
    pub fn new(options: Option<Value>) -> napi::Result<NativeClient> {
        let build = || -> Result<Client, Failure> {
            let o = object(options, "new Client()")?;
            let mut b = Client::builder();
            if let Some(v) = convert::opt_string(&o, "baseUrl")? {
                b = b.base_url(v);
            }
            if let Some(v) = convert::opt_string(&o, "accessNo")? {
                b = b.access_no(v);
            }
            if let Some(v) = convert::opt_string(&o, "secret")? {
                b = b.secret(v);
            }
            if let Some(v) = convert::opt_count(&o, "maxRetries")? {
                b = b.max_retries(v);
            }
            if let Some(v) = o.get("timeoutMs").filter(|v| !v.is_null()) {
                b = b.timeout(ms(v, "timeoutMs")?);
            }
            if let Some(v) = o.get("deadlineMs").filter(|v| !v.is_null()) {
                b = b.deadline(ms(v, "deadlineMs")?);
            }
            if let Some(v) = convert::opt_bool(&o, "allowInsecureHttp")? {
                b = b.allow_insecure_http(v);
            }
            Ok(b.build()?)
        };
        let client = build().map_err(napi_err)?;
        Ok(NativeClient {
            inner: RwLock::new(Some(client)),
        })
    }

    /// PAY.
    #[napi]
    pub async fn pay(&self, req: Option<Value>) -> napi::Result<Value> {
        let run = async {
            let request = convert::pay(object(req, "pay")?)?;
            let trade = self.client()?.pay(request).await?;
            to_js(&trade)
        };
        run.await.map_err(napi_err)
    }

    /// QUERY.
    #[napi]
    pub async fn query(&self, req: Option<Value>) -> napi::Result<Value> {
        let run = async {
            let (order, merchant) = convert::order(&object(req, "query")?)?;
            let trade = self.client()?.query(order, &merchant).await?;
            to_js(&trade)
        };
        run.await.map_err(napi_err)
    }

    /// REFUND.
    #[napi]
    pub async fn refund(&self, req: Option<Value>) -> napi::Result<Value> {
        let run = async {
            let request = convert::refund(&object(req, "refund")?)?;
            let refund = self.client()?.refund(request).await?;
            to_js(&refund)
        };
        run.await.map_err(napi_err)
    }

    /// REFUND_QUERY.
    #[napi]
    pub async fn refund_query(&self, req: Option<Value>) -> napi::Result<Value> {
        let run = async {
            let request = convert::refund_query(&object(req, "refundQuery")?)?;
            let refund = self
                .client()?
                .refund_query(&request.refund_id, &request.merchant_id)
                .await?;
            to_js(&refund)
        };
        run.await.map_err(napi_err)
    }

    /// REVERSAL.
    #[napi]
    pub async fn reverse(&self, req: Option<Value>) -> napi::Result<Value> {
        let run = async {
            let (order, merchant) = convert::order(&object(req, "reverse")?)?;
            let trade = self.client()?.reverse(order, &merchant).await?;
            to_js(&trade)
        };
        run.await.map_err(napi_err)
    }

    /// CLOSE.
    #[napi]
    pub async fn close_order(&self, req: Option<Value>) -> napi::Result<Value> {
        let run = async {
            let (order, merchant) = convert::order(&object(req, "closeOrder")?)?;
            let trade = self.client()?.close_order(order, &merchant).await?;
            to_js(&trade)
        };
        run.await.map_err(napi_err)
    }

    /// QUERY until the order is final, or TimeoutError (with the last trade) at `timeoutMs`.
    #[napi]
    pub async fn wait_final(&self, req: Option<Value>) -> napi::Result<Value> {
        let run = async {
            let mut map = object(req, "waitFinal")?;
            let timeout = convert::take_ms(&mut map, "timeoutMs")?.unwrap_or(DEFAULT_WAIT);
            let (order, merchant) = convert::order(&map)?;
            let trade = self.client()?.wait_final(order, &merchant, timeout).await?;
            to_js(&trade)
        };
        run.await.map_err(napi_err)
    }

    /// Micropay: PAY, QUERY until final, REVERSAL at `deadlineMs`.
    #[napi]
    pub async fn micropay(&self, req: Option<Value>) -> napi::Result<Value> {
        let run = async {
            let mut map = object(req, "micropay")?;
            let deadline =
                convert::take_ms(&mut map, "deadlineMs")?.unwrap_or(DEFAULT_MICROPAY_DEADLINE);
            let request = convert::micropay(map)?;
            let trade = self.client()?.micropay(request, deadline).await?;
            to_js(&trade)
        };
        run.await.map_err(napi_err)
    }

    /// Releases the connection pool; later calls reject with a ValidationError.
    #[napi(catch_unwind)]
    pub fn close(&self) {
        if let Ok(mut c) = self.inner.write() {
            c.take();
        }
    }
}
