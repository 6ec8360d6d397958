//! The next_action page of 3-D Secure and QR orders: what the customer's browser opens.

use tradepay_types::{Status, Trade};

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The page for an order: its merchant, amount and currency, and the Approve and Fail
/// buttons while it is pending.
pub(crate) fn render(trade: &Trade, trade_id: &str) -> String {
    let merchant = escape(trade.merchant_id.as_deref().unwrap_or(""));
    let amount = trade.amount.map(|a| a.to_string()).unwrap_or_default();
    let currency = escape(trade.currency.as_deref().unwrap_or(""));
    let order_id = escape(trade.order_id.as_deref().unwrap_or(""));
    let method = trade
        .payment_method
        .as_ref()
        .map(|m| m.as_str().to_owned())
        .unwrap_or_default();
    let title = if method == "qr" {
        "Sandbox QR payment"
    } else {
        "Sandbox 3-D Secure"
    };
    let id = escape(trade_id);
    let action = if trade.status == Status::Pending {
        format!(
            r#"<form method="post" action="/sandbox/pay/{id}">
  <button type="submit" name="action" value="approve" id="approve">Approve</button>
  <button type="submit" name="action" value="fail" id="fail">Fail</button>
</form>"#
        )
    } else {
        format!(
            r#"<p id="status">This payment is {}.</p>"#,
            escape(trade.status.as_str())
        )
    };
    format!(
        r#"<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>{title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{{font-family:sans-serif;max-width:28em;margin:3em auto}} button{{font-size:1.1em;margin-right:1em}}</style>
</head>
<body>
<h1>{title}</h1>
<p>This is the tradepay sandbox. No real money moves.</p>
<dl>
  <dt>Merchant</dt><dd id="merchant">{merchant}</dd>
  <dt>Order</dt><dd id="order">{order_id}</dd>
  <dt>Amount</dt><dd id="amount">{amount} {currency}</dd>
</dl>
{action}
</body>
</html>
"#
    )
}

/// The page shown after a decision when the order has no return_url (a QR order).
pub(crate) fn done(trade: &Trade) -> String {
    format!(
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sandbox payment</title></head>
<body><h1>Sandbox payment</h1><p id="status">This payment is {}.</p></body></html>
"#,
        escape(trade.status.as_str())
    )
}
