"""What a shop's webhook endpoint does in any framework, and a demo that drives one.

Each framework example (flask_app.py, fastapi_app.py, django_app.py) only shows how its
framework hands over the raw body and the headers; ``WebhookInbox.receive`` does the rest:
verify the raw bytes, drop a delivery whose ``webhook-id`` was already handled (the gateway
retries until it gets a 2xx, so a slow answer means a second delivery), act once, answer 2xx.
"""

from __future__ import annotations

import threading
import time
import urllib.error
import urllib.request
import uuid
from typing import Callable, Dict, List, Protocol, Tuple

import tradepay
from tradepay import webhooks

CARD = {"card": {"number": "4242424242424242", "exp_month": "12", "exp_year": "2030", "cvc": "123"}}
# Any secret but the sandbox's: a delivery signed with it is a forgery.
FORGER = "whsec_" + "YW5vdGhlciBzZWNyZXQga2V5IGZvciBmb3JnZXJ5"
DEADLINE = 15.0


class WebhookInbox:
    """Verified events by webhook-id. In-memory for the demo: with several processes, use a
    journal and ``client.webhook_seen(event)``, which records each id durably."""

    def __init__(self, secret: str) -> None:
        self.secret = secret
        self.events: List[tradepay.Event] = []
        self._handled: Dict[str, int] = {}
        self._arrived = threading.Condition()

    def receive(self, body: bytes, headers: webhooks.Headers) -> int:
        """The HTTP status to answer a delivery with."""
        try:
            event = webhooks.verify(body, headers, self.secret)
        except tradepay.WebhookVerificationError:
            return 400  # not from the gateway, or altered: never act on it
        with self._arrived:
            self._handled[event.id] = self._handled.get(event.id, 0) + 1
            if self._handled[event.id] > 1:
                return 200  # a retry of a delivery already handled: acknowledge, do nothing
            self.events.append(event)
            self._arrived.notify_all()
        # The shop's own work (mark the order paid, email the receipt) goes here.
        return 200

    def acted_on(self, event_id: str) -> int:
        with self._arrived:
            return sum(1 for e in self.events if e.id == event_id)

    def wait_for(self, order_id: str, timeout: float) -> tradepay.Event:
        end = time.monotonic() + timeout
        with self._arrived:
            while True:
                for event in self.events:
                    if event.trade is not None and event.trade.order_id == order_id:
                        return event
                left = end - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"no webhook for {order_id} within {timeout} s")
                self._arrived.wait(left)


class Server(Protocol):
    url: str

    def stop(self) -> None: ...


class Serving(Protocol):
    """What werkzeug's and wsgiref's servers share (socketserver's interface)."""

    server_port: int

    def serve_forever(self) -> None: ...
    def shutdown(self) -> None: ...
    def server_close(self) -> None: ...


class ThreadedServer:
    """A socketserver-style server run on a thread of its own, so the demo can pay meanwhile."""

    def __init__(self, server: Serving) -> None:
        self._server = server
        self.url = f"http://127.0.0.1:{server.server_port}"
        self._thread = threading.Thread(target=server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join()
        self._server.server_close()


def post(url: str, body: bytes, headers: Dict[str, str]) -> int:
    request = urllib.request.Request(url, data=body, method="POST", headers={"content-type": "application/json", **headers})
    try:
        with urllib.request.urlopen(request, timeout=DEADLINE) as response:
            return int(response.status)
    except urllib.error.HTTPError as e:
        return int(e.code)


def demo(framework: str, serve: Callable[[WebhookInbox], Server]) -> None:
    """Pays an order whose notify_url is the framework's server, waits for the sandbox's real
    delivery, then replays it (a duplicate) and sends a forgery; raises if any step is off."""
    with tradepay.Sandbox() as sandbox:
        inbox = WebhookInbox(sandbox.webhook_secret)
        server = serve(inbox)
        try:
            endpoint = server.url + "/webhooks"
            with tradepay.Client(base_url=sandbox.url, access_no=sandbox.access_no, secret=sandbox.secret) as client:
                order_id = f"o_{framework}_{uuid.uuid4().hex[:12]}"
                trade = client.pay(
                    merchant_id="m_1",
                    order_id=order_id,
                    amount="10.00",
                    currency="USD",
                    payment_method="card",
                    payment_method_data=CARD,
                    return_url="https://shop.example/back",
                    notify_url=endpoint,
                )
            assert trade.status == "SUCCESS", trade.status
            event = inbox.wait_for(order_id, DEADLINE)
            assert event.type == "trade.succeeded" and event.trade is not None
            delivery = next(d for d in sandbox.webhook_deliveries() if d["id"] == event.id)
            replayed, forged = replay(endpoint, delivery, sandbox.webhook_secret)
            assert replayed == 200 and inbox.acted_on(event.id) == 1, (replayed, inbox.acted_on(event.id))
            assert forged == 400, forged
            assert wait_delivered(sandbox, event.id), "the sandbox did not record a 2xx"
        finally:
            server.stop()
    print(
        f"{framework}: paid {order_id}, verified {event.type} from the sandbox, "
        "dropped a duplicate, refused a forged delivery"
    )


def replay(endpoint: str, delivery: Dict[str, object], secret: str) -> Tuple[int, int]:
    body = str(delivery["body"]).encode()
    again = webhooks.sign(body, secret, id=str(delivery["id"]))
    forged = webhooks.sign(body.replace(b"SUCCESS", b"FAILED"), FORGER)
    return post(endpoint, body, again), post(endpoint, body, forged)


def wait_delivered(sandbox: tradepay.Sandbox, event_id: str) -> bool:
    # The sandbox records the answer just after the receiver sends it.
    end = time.monotonic() + DEADLINE
    while time.monotonic() < end:
        for d in sandbox.webhook_deliveries():
            if d["id"] == event_id and d["delivered"] and d["last_status"] == 200:
                return True
        time.sleep(0.05)
    return False
