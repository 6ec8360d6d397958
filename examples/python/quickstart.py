"""tradepay quickstart for Python: every flow of the gateway against the embedded sandbox.

Run: pip install ./bindings/python && python examples/python/quickstart.py
"""

from __future__ import annotations

import http.server
import threading
import time
from decimal import Decimal
from typing import Dict, List

import tradepay

CardData = Dict[str, Dict[str, str]]
RUN = format(int(time.time() * 1000), "x")  # order ids stay unique across runs
MERCHANT = "m_demo"
RETURN_URL = "https://shop.example/back"


def card(number: str) -> CardData:
    return {"card": {"number": number, "exp_month": "12", "exp_year": "2030", "cvc": "123"}}


def log(label: str, value: object) -> None:
    print(f"{label:<28} {value}")


class Receiver(http.server.ThreadingHTTPServer):
    """A webhook receiver, as a shop would run one: verify the raw body before trusting it."""

    def __init__(self, secret: str) -> None:
        self.secret = secret
        self.events: List[tradepay.Event] = []
        self.arrived = threading.Condition()
        super().__init__(("127.0.0.1", 0), ReceiverHandler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/webhooks"


class ReceiverHandler(http.server.BaseHTTPRequestHandler):
    server: Receiver

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        try:
            event = tradepay.webhooks.verify(body, dict(self.headers.items()), self.server.secret)
        except tradepay.WebhookVerificationError as e:
            self.send_response(400)
            self.end_headers()
            self.wfile.write(str(e).encode())
            return
        with self.server.arrived:
            # Deliveries are retried with the same id: keep the first.
            if all(e.id != event.id for e in self.server.events):
                self.server.events.append(event)
            self.server.arrived.notify_all()
        self.send_response(204)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


def main() -> None:
    with tradepay.Sandbox() as sandbox, tradepay.Client(
        base_url=sandbox.url, access_no=sandbox.access_no, secret=sandbox.secret
    ) as client:
        receiver = Receiver(sandbox.webhook_secret)
        threading.Thread(target=receiver.serve_forever, daemon=True).start()
        notify_url = receiver.url
        try:
            # 1. Card, paid at once.
            paid = client.pay(
                merchant_id=MERCHANT,
                order_id=f"card_ok_{RUN}",
                amount="10.5",
                currency="usd",
                payment_method="card",
                return_url=RETURN_URL,
                payment_method_data=card("4242424242424242"),
                notify_url=notify_url,
                metadata={"cart": "c_42"},
            )
            log("card 4242:", f"{paid.status} {paid.trade_status} {paid.amount} {paid.currency} {paid.trade_id}")

            # 2. Card declined: a result, not an exception.
            declined = client.pay(
                merchant_id=MERCHANT,
                order_id=f"card_declined_{RUN}",
                amount="5.00",
                currency="usd",
                payment_method="card",
                return_url=RETURN_URL,
                payment_method_data=card("4000000000000002"),
            )
            error_code = declined.last_payment_error.code if declined.last_payment_error else None
            log("card declined:", f"{declined.status} {error_code}")

            # 3. 3-D Secure: PENDING with a redirect; the customer approves on the page.
            three_ds = client.pay(
                merchant_id=MERCHANT,
                order_id=f"card_3ds_{RUN}",
                amount=Decimal("20.00"),
                currency="usd",
                payment_method="card",
                return_url=RETURN_URL,
                payment_method_data=card("4000000000003220"),
            )
            log("card 3-D Secure:", f"{three_ds.status} {three_ds.trade_status} -> {three_ds.redirect_url}")
            assert three_ds.trade_id is not None
            sandbox.complete(three_ds.trade_id, "succeeded")
            after = client.wait_final(merchant_id=MERCHANT, trade_id=three_ds.trade_id, timeout=10)
            log("  after approval:", after.status)

            # 4. QR code: show next_action.redirect.url as a QR code, learn the result by QUERY.
            qr = client.pay(
                merchant_id=MERCHANT, order_id=f"qr_{RUN}", amount="8.80", currency="CNY", payment_method="qr"
            )
            log("QR:", f"{qr.status} {qr.redirect_url}")
            assert qr.trade_id is not None
            sandbox.complete(qr.trade_id, "succeeded")
            log("  after the scan:", client.query(merchant_id=MERCHANT, order_id=f"qr_{RUN}").status)

            # 5. Micropay (the merchant scans the customer's code): pay, poll, reverse at the deadline.
            micro = client.micropay(
                merchant_id=MERCHANT,
                order_id=f"micro_{RUN}",
                amount="3.20",
                currency="CNY",
                auth_code="134567890123456781",
                deadline=15,
            )
            log("micropay (confirming):", f"{micro.status} {micro.trade_status}")
            stuck = client.micropay(
                merchant_id=MERCHANT,
                order_id=f"micro_stuck_{RUN}",
                amount="3.30",
                currency="CNY",
                auth_code="134567890123456783",
                deadline=1.5,
            )
            log("micropay (never confirmed):", f"{stuck.status} (reversed at the deadline)")

            # 6. Subscription, then a renewal with the returned token.
            first = client.pay(
                merchant_id=MERCHANT,
                order_id=f"sub_{RUN}",
                amount="9.99",
                currency="usd",
                payment_method="card",
                return_url=RETURN_URL,
                payment_mode="subscription",
                payment_method_data=card("4242424242424242"),
            )
            log("subscription:", f"{first.status} token={first.payment_token}")
            renewal = client.pay(
                merchant_id=MERCHANT,
                order_id=f"sub_{RUN}_2",
                amount="9.99",
                currency="USD",
                payment_method="card",
                payment_mode="recurring_payment",
                payment_token=first.payment_token,
            )
            log("  renewal:", renewal.status)

            # 7. Refunds: partial, then the rest; then one too many.
            r1 = client.refund(
                merchant_id=MERCHANT, trade_id=paid.trade_id, refund_id=f"rf1_{RUN}", amount="2.50", notify_url=notify_url
            )
            log("refund 2.50:", r1.status)
            r2 = client.refund(merchant_id=MERCHANT, order_id=f"card_ok_{RUN}", refund_id=f"rf2_{RUN}", amount="8")
            again = client.refund_query(merchant_id=MERCHANT, refund_id=f"rf2_{RUN}")
            log("refund the rest:", f"{r2.status} {again.amount}")
            order = client.query(merchant_id=MERCHANT, trade_id=paid.trade_id)
            log("  order now:", f"{order.refund_status} total_refunded_amount={order.total_refunded_amount}")
            try:
                client.refund(merchant_id=MERCHANT, trade_id=paid.trade_id, refund_id=f"rf3_{RUN}", amount="0.01")
            except tradepay.BusinessError as e:
                log("  one cent more:", f"{type(e).__name__} {e.code} {e.message} trace_id={e.trace_id}")

            # 8. Close a pending QR order; reverse a paid one.
            to_close = client.pay(
                merchant_id=MERCHANT, order_id=f"qr_close_{RUN}", amount="1.00", currency="USD", payment_method="qr"
            )
            log("close pending QR:", client.close_order(merchant_id=MERCHANT, trade_id=to_close.trade_id).status)
            log("reverse paid 3-D Secure:", client.reverse(merchant_id=MERCHANT, order_id=f"card_3ds_{RUN}").status)

            # 9. Amounts are str or Decimal: a float is refused before anything is sent.
            try:
                client.pay(
                    merchant_id=MERCHANT,
                    order_id=f"bad_{RUN}",
                    amount=10.5,  # type: ignore[arg-type]
                    currency="usd",
                    payment_method="card",
                    return_url=RETURN_URL,
                    payment_method_data=card("4242424242424242"),
                )
            except tradepay.ValidationError as e:
                log("amount as a float:", e.message)

            # 10. Webhooks: the sandbox notified our receiver, which verified each delivery.
            deadline = time.monotonic() + 10
            with receiver.arrived:
                while not any(e.type == tradepay.EventType.REFUND_SUCCEEDED for e in receiver.events):
                    left = deadline - time.monotonic()
                    if left <= 0:
                        break
                    receiver.arrived.wait(left)
                events = list(receiver.events)
            for event in events:
                status = event.data.status if isinstance(event.data, (tradepay.Trade, tradepay.Refund)) else "?"
                log("webhook verified:", f"{event.type} {status} id={event.id}")
            if not any(e.type == tradepay.EventType.TRADE_SUCCEEDED for e in events):
                raise SystemExit("no trade.succeeded webhook arrived")

            ledger = sandbox.ledger()
            log("ledger:", f"{len(ledger)} orders, none charged twice: {all(e['charges'] <= 1 for e in ledger)}")
        finally:
            receiver.shutdown()
            receiver.server_close()
    print("quickstart: done")


if __name__ == "__main__":
    main()
