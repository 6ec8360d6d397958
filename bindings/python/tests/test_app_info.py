"""app_info: the caller's application named in the User-Agent of every request."""

from __future__ import annotations

import http.server
import threading
from typing import Any, Iterator, List

import pytest

import tradepay


class Recorder(http.server.BaseHTTPRequestHandler):
    seen: List[str] = []

    def do_POST(self) -> None:
        self.seen.append(self.headers.get("User-Agent", ""))
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.send_response(503)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def gateway() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def user_agent_of(url: str, **options: Any) -> str:
    Recorder.seen.clear()
    with tradepay.Client(base_url=url, access_no="acc_1", secret="s", max_retries=0, **options) as c:
        with pytest.raises(tradepay.GatewayError):
            c.query(merchant_id="m_1", order_id="o_1")
    return Recorder.seen[-1]


def test_the_user_agent_names_the_sdk_then_the_application(gateway: str) -> None:
    sdk = user_agent_of(gateway)
    assert sdk.startswith("tradepay-python/") and " " not in sdk
    full = user_agent_of(gateway, app_info={"name": "shop", "version": "1.2", "url": "https://shop.example"})
    assert full == f"{sdk} shop/1.2 (+https://shop.example)"


@pytest.mark.parametrize(
    "app_info, message",
    [
        ({"version": "1"}, "app_info: name is required"),
        ({"name": "shop", "url": "https://x.example/\r\nX-Evil: 1"},
         "app_info: url must be 1 to 256 visible ASCII characters, without parentheses or backslashes"),
        ("shop", 'app_info: must be a dict like {"name": "shop", "version": "1.2"}'),
    ],
)
def test_an_app_info_that_could_break_the_header_is_refused(app_info: Any, message: str) -> None:
    with pytest.raises(tradepay.ValidationError) as info:
        tradepay.Client(base_url="http://127.0.0.1:9", access_no="a", secret="s", app_info=app_info)
    assert info.value.message == message
