//! The tradepay quickstart: starts the embedded sandbox gateway and walks through every
//! payment flow with the Rust client. Run it with `cargo xtask demo`
//! (or `cargo run -p tradepay --example quickstart`).

use std::convert::Infallible;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tradepay::{
    Amount, Client, Event, EventData, OrderRef, PayRequest, PaymentMethodData, PaymentMode,
    RefundRequest, Status, Trade,
};
use tradepay_sandbox::{Outcome, Sandbox, SandboxConfig};

type Failure = Box<dyn std::error::Error + Send + Sync>;

const MERCHANT: &str = "m_demo";
const RETURN_URL: &str = "https://shop.example/return";

#[tokio::main]
pub async fn main() -> Result<(), Failure> {
    let sandbox = Sandbox::start(SandboxConfig::default()).await?;
    println!("sandbox gateway at {}/v1/gateway", sandbox.url());

    let client = Client::builder()
        .base_url(sandbox.url())
        .access_no(sandbox.access_no())
        .secret(sandbox.secret())
        .max_retries(2)
        .timeout(Duration::from_secs(10))
        .deadline(Duration::from_secs(30))
        .build()?;

    card_success(&client).await?;
    card_decline(&client).await?;
    three_d_secure(&client).await?;
    qr(&client, &sandbox).await?;
    micropay(&client).await?;
    subscription(&client).await?;
    refunds(&client).await?;
    close(&client).await?;
    webhook(&client, &sandbox).await?;

    let ledger = sandbox.ledger();
    let charged: u32 = ledger.iter().map(|e| e.charges).sum();
    println!(
        "\nledger: {} orders, {charged} charges, none charged twice",
        ledger.len()
    );
    assert!(ledger.iter().all(|e| e.charges <= 1));
    sandbox.shutdown().await;
    println!("done.");
    Ok(())
}

fn section(title: &str) {
    println!("\n== {title}");
}

fn show(label: &str, t: &Trade) {
    let mut line = format!(
        "  {label}: order {} trade {} {} {} -> {}",
        t.order_id.as_deref().unwrap_or("-"),
        t.trade_id.as_deref().unwrap_or("-"),
        t.amount.map(|a| a.to_string()).unwrap_or_default(),
        t.currency.as_deref().unwrap_or(""),
        t.status
    );
    if let Some(ts) = &t.trade_status {
        line.push_str(&format!(" ({ts})"));
    }
    if let Some(err) = &t.last_payment_error {
        line.push_str(&format!(
            " last_payment_error={}",
            err.code.as_deref().unwrap_or("?")
        ));
    }
    if let Some(rs) = &t.refund_status {
        line.push_str(&format!(" refund_status={rs}"));
    }
    println!("{line}");
}

fn card(order_id: &str, amount: &str, number: &str) -> Result<PayRequest, Failure> {
    Ok(PayRequest {
        merchant_id: MERCHANT.into(),
        order_id: order_id.into(),
        amount: Amount::parse(amount)?,
        currency: "usd".into(),
        payment_method: Some("card".into()),
        return_url: Some(RETURN_URL.into()),
        payment_method_data: Some(PaymentMethodData::card(number, "12", "2030", "123")),
        ..Default::default()
    })
}

fn check(ok: bool, what: &str) -> Result<(), Failure> {
    if ok {
        Ok(())
    } else {
        Err(format!("unexpected: {what}").into())
    }
}

async fn card_success(client: &Client) -> Result<(), Failure> {
    section("card payment that succeeds (4242 4242 4242 4242)");
    let t = client
        .pay(card("demo_card_ok", "25.00", "4242424242424242")?)
        .await?;
    show("pay", &t);
    check(t.status == Status::Success, "card not paid")?;
    // Paying again with the same order_id is safe: the gateway returns the same order.
    let again = client
        .pay(card("demo_card_ok", "25.00", "4242424242424242")?)
        .await?;
    println!(
        "  same order_id again -> same trade {} (no second charge)",
        again.trade_id.as_deref().unwrap_or("-")
    );
    Ok(())
}

async fn card_decline(client: &Client) -> Result<(), Failure> {
    section("card payment that is declined (4000 0000 0000 0002): a result, not an error");
    let t = client
        .pay(card("demo_card_declined", "25.00", "4000000000000002")?)
        .await?;
    show("pay", &t);
    check(t.status == Status::Failed, "decline not FAILED")
}

async fn three_d_secure(client: &Client) -> Result<(), Failure> {
    section("3-D Secure (4000 0000 0000 3220): follow next_action like a browser");
    let order = "demo_3ds";
    let t = client
        .pay(card(order, "99.90", "4000000000003220")?)
        .await?;
    show("pay", &t);
    let url = t
        .next_action
        .as_ref()
        .and_then(|a| a.redirect_url())
        .ok_or("no next_action.redirect.url")?
        .to_owned();
    println!("  next_action: redirect to {url}");
    let (status, _, page) = browser(hyper::Method::GET, &url, None).await?;
    println!("  GET page -> HTTP {status}, {} bytes of HTML", page.len());
    let action = form_action(&page).ok_or("the page has no form")?;
    let target = absolute(&url, &action);
    let (status, location, _) =
        browser(hyper::Method::POST, &target, Some("action=approve")).await?;
    println!(
        "  POST Approve -> HTTP {status}, redirected to {}",
        location.unwrap_or_default()
    );
    let t = client
        .wait_final(
            OrderRef::OrderId(order.into()),
            MERCHANT,
            Duration::from_secs(10),
        )
        .await?;
    show("after approval", &t);
    check(t.status == Status::Success, "3-D Secure not paid")
}

async fn qr(client: &Client, sandbox: &Sandbox) -> Result<(), Failure> {
    section("QR code payment: pending until the customer pays, then wait_final");
    let t = client.pay(qr_request("demo_qr", "8.5")?).await?;
    show("pay", &t);
    let trade_id = t.trade_id.clone().ok_or("no trade_id")?;
    println!(
        "  QR code content: {}",
        t.next_action
            .as_ref()
            .and_then(|a| a.redirect_url())
            .unwrap_or("-")
    );
    sandbox.complete(&trade_id, Outcome::Succeeded)?;
    println!("  (the customer scans and pays)");
    let t = client
        .wait_final(
            OrderRef::TradeId(trade_id),
            MERCHANT,
            Duration::from_secs(10),
        )
        .await?;
    show("wait_final", &t);
    check(t.status == Status::Success, "QR not paid")
}

fn qr_request(order_id: &str, amount: &str) -> Result<PayRequest, Failure> {
    Ok(PayRequest {
        merchant_id: MERCHANT.into(),
        order_id: order_id.into(),
        amount: Amount::parse(amount)?,
        currency: "USD".into(),
        payment_method: Some("qr".into()),
        ..Default::default()
    })
}

fn micropay_request(order_id: &str, auth_code: &str) -> Result<PayRequest, Failure> {
    Ok(PayRequest {
        merchant_id: MERCHANT.into(),
        order_id: order_id.into(),
        amount: Amount::parse("3.20")?,
        currency: "USD".into(),
        payment_method: Some("micropay".into()),
        payment_method_data: Some(PaymentMethodData::micropay(auth_code)),
        ..Default::default()
    })
}

async fn micropay(client: &Client) -> Result<(), Failure> {
    section("micropay (merchant scans the customer's code): pending, then success");
    let started = std::time::Instant::now();
    let t = client
        .micropay(
            micropay_request("demo_micropay_ok", "28000000000000000001")?,
            Duration::from_secs(15),
        )
        .await?;
    show("micropay", &t);
    println!(
        "  PAY answered PENDING (processing); micropay() queried until final ({:.1} s)",
        started.elapsed().as_secs_f64()
    );
    check(t.status == Status::Success, "micropay not paid")?;

    section("micropay never confirmed by its deadline: reversed automatically");
    let t = client
        .micropay(
            micropay_request("demo_micropay_rev", "28000000000000000003")?,
            Duration::from_secs(2),
        )
        .await?;
    show("micropay", &t);
    println!("  still PENDING at the 2 s deadline: REVERSAL sent, the order is CLOSED");
    check(t.status == Status::Closed, "micropay not reversed")
}

async fn subscription(client: &Client) -> Result<(), Failure> {
    section("subscription, then a recurring payment with its payment_token");
    let mut first = card("demo_sub_first", "15.00", "4242424242424242")?;
    first.payment_mode = Some(PaymentMode::Subscription);
    let t = client.pay(first).await?;
    show("subscription", &t);
    let token = t.payment_token.clone().ok_or("no payment_token")?;
    println!("  payment_token: {}…", &token[..token.len().min(8)]);
    let t = client
        .pay(PayRequest {
            merchant_id: MERCHANT.into(),
            order_id: "demo_sub_renewal".into(),
            amount: Amount::parse("15.00")?,
            currency: "USD".into(),
            payment_method: Some("card".into()),
            payment_mode: Some(PaymentMode::RecurringPayment),
            payment_token: Some(token),
            ..Default::default()
        })
        .await?;
    show("recurring", &t);
    check(t.status == Status::Success, "renewal not paid")
}

async fn refunds(client: &Client) -> Result<(), Failure> {
    section("partial, then full refund");
    let t = client
        .pay(card("demo_refund", "10.00", "4242424242424242")?)
        .await?;
    show("pay", &t);
    let order = OrderRef::OrderId("demo_refund".into());
    let r = client
        .refund(RefundRequest {
            merchant_id: MERCHANT.into(),
            order: order.clone(),
            refund_id: "demo_refund_1".into(),
            amount: Amount::parse("4")?,
            reason: Some("one item returned".into()),
            notify_url: None,
        })
        .await?;
    println!(
        "  refund {} of {} -> {}",
        r.refund_id.as_deref().unwrap_or("-"),
        r.amount.map(|a| a.to_string()).unwrap_or_default(),
        r.status
    );
    show("order", &client.query(order.clone(), MERCHANT).await?);
    let r = client
        .refund(RefundRequest {
            merchant_id: MERCHANT.into(),
            order: order.clone(),
            refund_id: "demo_refund_2".into(),
            amount: Amount::parse("6.00")?,
            reason: None,
            notify_url: None,
        })
        .await?;
    println!(
        "  refund {} of {} -> {}",
        r.refund_id.as_deref().unwrap_or("-"),
        r.amount.map(|a| a.to_string()).unwrap_or_default(),
        r.status
    );
    let r = client.refund_query("demo_refund_1", MERCHANT).await?;
    println!("  refund_query demo_refund_1 -> {}", r.status);
    let t = client.query(order, MERCHANT).await?;
    show("order", &t);
    println!(
        "  total_refunded_amount: {}",
        t.total_refunded_amount
            .map(|a| a.to_string())
            .unwrap_or_default()
    );
    let e = client
        .refund(RefundRequest {
            merchant_id: MERCHANT.into(),
            order: OrderRef::OrderId("demo_refund".into()),
            refund_id: "demo_refund_3".into(),
            amount: Amount::parse("0.01")?,
            reason: None,
            notify_url: None,
        })
        .await
        .err()
        .ok_or("a refund beyond the amount was accepted")?;
    println!(
        "  one cent more -> {:?} error {} \"{}\" (traceId {})",
        e.kind(),
        e.code().unwrap_or("-"),
        e.message(),
        e.trace_id().unwrap_or("-")
    );
    Ok(())
}

async fn close(client: &Client) -> Result<(), Failure> {
    section("close an unpaid order");
    let t = client.pay(qr_request("demo_close", "5")?).await?;
    show("pay", &t);
    let t = client
        .close_order(OrderRef::OrderId("demo_close".into()), MERCHANT)
        .await?;
    show("close_order", &t);
    check(t.status == Status::Closed, "order not closed")
}

async fn webhook(client: &Client, sandbox: &Sandbox) -> Result<(), Failure> {
    section("webhook received by a local endpoint and verified");
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let notify_url = format!("http://{}/webhooks/tradepay", listener.local_addr()?);
    let (tx, mut rx) = mpsc::unbounded_channel::<Event>();
    let secret = sandbox.webhook_secret().to_owned();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let tx = tx.clone();
            let secret = secret.clone();
            tokio::spawn(async move {
                let service = service_fn(move |req: Request<Incoming>| {
                    let tx = tx.clone();
                    let secret = secret.clone();
                    async move {
                        let headers = req.headers().clone();
                        let body = req.into_body().collect().await.map(|b| b.to_bytes());
                        let status = match body {
                            Ok(body) => match tradepay::webhook::verify(
                                &body,
                                &headers,
                                &secret,
                                Duration::from_secs(300),
                            ) {
                                Ok(event) => {
                                    let _ = tx.send(event);
                                    StatusCode::NO_CONTENT
                                }
                                Err(_) => StatusCode::BAD_REQUEST,
                            },
                            Err(_) => StatusCode::BAD_REQUEST,
                        };
                        let mut res = Response::new(Full::new(Bytes::new()));
                        *res.status_mut() = status;
                        Ok::<_, Infallible>(res)
                    }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    println!("  receiver listening at {notify_url}");
    let mut req = card("demo_webhook", "42.00", "4242424242424242")?;
    req.notify_url = Some(notify_url);
    let t = client.pay(req).await?;
    show("pay", &t);
    let event = tokio::time::timeout(Duration::from_secs(10), rx.recv())
        .await?
        .ok_or("receiver stopped")?;
    let about = match &event.data {
        EventData::Trade(t) => format!(
            "order {} {}",
            t.order_id.as_deref().unwrap_or("-"),
            t.status
        ),
        EventData::Refund(r) => format!(
            "refund {} {}",
            r.refund_id.as_deref().unwrap_or("-"),
            r.status
        ),
        EventData::Unknown(_) => "unknown data".to_owned(),
    };
    println!(
        "  verified event {} ({}) at {}: {about}",
        event.event_type, event.id, event.timestamp
    );
    Ok(())
}

/// A minimal browser: one request, no redirects followed, the body as text.
async fn browser(
    method: hyper::Method,
    url: &str,
    form: Option<&str>,
) -> Result<(u16, Option<String>, String), Failure> {
    let http = hyper_util::client::legacy::Client::builder(TokioExecutor::new())
        .build::<_, Full<Bytes>>(HttpConnector::new());
    let mut req = Request::builder().method(method).uri(url);
    if form.is_some() {
        req = req.header("content-type", "application/x-www-form-urlencoded");
    }
    let req = req.body(Full::new(Bytes::from(form.unwrap_or("").to_owned())))?;
    let res = http.request(req).await?;
    let status = res.status().as_u16();
    let location = res
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body = res.into_body().collect().await?.to_bytes();
    Ok((
        status,
        location,
        String::from_utf8_lossy(&body).into_owned(),
    ))
}

/// The `action` of the page's first form.
fn form_action(html: &str) -> Option<String> {
    let form = &html[html.find("<form")?..];
    let start = form.find("action=\"")? + "action=\"".len();
    let end = form[start..].find('"')?;
    Some(form[start..start + end].to_owned())
}

/// Resolves a path against the page's URL.
fn absolute(page: &str, action: &str) -> String {
    if action.starts_with("http://") || action.starts_with("https://") {
        return action.to_owned();
    }
    let after_scheme = page.find("://").map(|i| i + 3).unwrap_or(0);
    let origin_end = page[after_scheme..]
        .find('/')
        .map(|i| after_scheme + i)
        .unwrap_or(page.len());
    format!("{}{}", &page[..origin_end], action)
}
