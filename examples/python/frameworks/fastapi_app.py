"""A FastAPI shop that receives the gateway's webhooks.

Run: python examples/python/frameworks/fastapi_app.py (pays against the embedded sandbox and
checks its own endpoint, served by uvicorn).
"""

from __future__ import annotations

import socket
import threading
import time

import uvicorn
from fastapi import FastAPI, Request, Response

from shop import Server, WebhookInbox, demo


def create_app(inbox: WebhookInbox) -> FastAPI:
    app = FastAPI()

    @app.post("/webhooks")
    async def webhooks(request: Request) -> Response:
        # The raw body: a pydantic model parameter would parse it and lose the signed bytes.
        status = inbox.receive(await request.body(), request.headers)
        return Response(status_code=status)

    return app


class UvicornServer:
    def __init__(self, inbox: WebhookInbox) -> None:
        # Bind first so the port is known before uvicorn starts serving on it.
        self._socket = socket.socket()
        self._socket.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._socket.getsockname()[1]}"
        config = uvicorn.Config(create_app(inbox), log_level="warning", lifespan="off")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [self._socket]}, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.01)

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join()
        self._socket.close()


def serve(inbox: WebhookInbox) -> Server:
    return UvicornServer(inbox)


if __name__ == "__main__":
    demo("fastapi", serve)
