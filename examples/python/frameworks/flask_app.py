"""A Flask shop that receives the gateway's webhooks.

Run: python examples/python/frameworks/flask_app.py (pays against the embedded sandbox and
checks its own endpoint). In a real app, create ``WebhookInbox(os.environ["TRADEPAY_WEBHOOK_SECRET"])``.
"""

from __future__ import annotations

import threading

from flask import Flask, request
from werkzeug.serving import make_server

from shop import Server, WebhookInbox, demo


def create_app(inbox: WebhookInbox) -> Flask:
    app = Flask(__name__)

    @app.post("/webhooks")
    def webhooks() -> tuple[str, int]:
        # get_data() is the raw body; request.json would re-serialize and break the signature.
        status = inbox.receive(request.get_data(), request.headers)
        return "", status

    return app


class FlaskServer:
    def __init__(self, inbox: WebhookInbox) -> None:
        self._server = make_server("127.0.0.1", 0, create_app(inbox), threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join()


def serve(inbox: WebhookInbox) -> Server:
    return FlaskServer(inbox)


if __name__ == "__main__":
    demo("flask", serve)
