"""A Flask shop that receives the gateway's webhooks.

Run: python examples/python/frameworks/flask_app.py (pays against the embedded sandbox and
checks its own endpoint). In a real app, create ``WebhookInbox(os.environ["TRADEPAY_WEBHOOK_SECRET"])``.
"""

from __future__ import annotations

from flask import Flask, request
from werkzeug.serving import make_server

from shop import Server, ThreadedServer, WebhookInbox, demo


def create_app(inbox: WebhookInbox) -> Flask:
    app = Flask(__name__)

    @app.post("/webhooks")
    def webhooks() -> tuple[str, int]:
        # get_data() is the raw body; request.json would re-serialize and break the signature.
        status = inbox.receive(request.get_data(), request.headers)
        return "", status

    return app


def serve(inbox: WebhookInbox) -> Server:
    return ThreadedServer(make_server("127.0.0.1", 0, create_app(inbox), threaded=True))


if __name__ == "__main__":
    demo("flask", serve)
