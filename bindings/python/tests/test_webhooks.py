"""webhooks.verify reads every framework's request headers and body; webhooks.sign makes
deliveries that tradepay and the Standard Webhooks library both accept."""

from __future__ import annotations

import email.message
import json
import time
from typing import Any

import pytest
import standardwebhooks

import tradepay
from tradepay import webhooks

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
OTHER = "whsec_b3RoZXIgc2VjcmV0IG90aGVyIHNlY3JldA=="
BODY = json.dumps(
    {
        "type": "trade.succeeded",
        "timestamp": "2026-11-21T22:18:46Z",
        "data": {"order_id": "o_1", "trade_id": "t_1", "status": "SUCCESS", "amount": "10.00", "currency": "USD"},
    }
).encode()


def signed(**kw: Any) -> dict[str, str]:
    return webhooks.sign(BODY, SECRET, **kw)


def test_a_signed_delivery_verifies_and_its_event_is_typed() -> None:
    headers = signed(id="msg_fixed", timestamp=int(time.time()))
    assert set(headers) == {"webhook-id", "webhook-timestamp", "webhook-signature"}
    assert headers["webhook-id"] == "msg_fixed"
    event = webhooks.verify(BODY, headers, SECRET)
    assert event.id == "msg_fixed" and event.type == "trade.succeeded"
    assert event.trade is not None and event.trade.trade_id == "t_1"
    assert event.refund is None


def test_sign_makes_a_fresh_id_each_time_and_refuses_a_bad_one() -> None:
    a, b = signed(), signed()
    assert a["webhook-id"].startswith("msg_") and a["webhook-id"] != b["webhook-id"]
    with pytest.raises(tradepay.ValidationError) as e:
        signed(id="has space")
    assert e.value.field == "id"
    with pytest.raises(tradepay.ValidationError):
        signed(timestamp=-1)


@pytest.mark.parametrize(
    "body", [BODY, bytearray(BODY), memoryview(BODY), BODY.decode()], ids=["bytes", "bytearray", "memoryview", "str"]
)
def test_every_form_of_the_raw_body_verifies(body: Any) -> None:
    assert webhooks.verify(body, signed(), SECRET).id


def test_a_parsed_body_is_a_verification_error_that_says_what_it_got() -> None:
    with pytest.raises(tradepay.WebhookVerificationError) as e:
        webhooks.verify(json.loads(BODY), signed(), SECRET)  # type: ignore[arg-type]
    assert "not dict" in str(e.value) and "request.get_data()" in str(e.value)


@pytest.mark.parametrize("headers", [42, "webhook-id: x", [("only-one",)], [(1, 2)]], ids=["int", "str", "short", "ints"])
def test_unreadable_headers_are_a_verification_error(headers: Any) -> None:
    with pytest.raises(tradepay.WebhookVerificationError) as e:
        webhooks.verify(BODY, headers, SECRET)
    assert "headers: must be a mapping" in str(e.value)


def test_headers_as_pairs_bytes_and_any_case() -> None:
    h = signed()
    pairs = [(k.upper(), v) for k, v in h.items()]
    assert webhooks.verify(BODY, pairs, SECRET).id == h["webhook-id"]
    raw = [(k.encode(), v.encode()) for k, v in h.items()]
    assert webhooks.verify(BODY, raw, SECRET).id == h["webhook-id"]


def test_http_server_message() -> None:
    message = email.message.Message()
    for k, v in signed().items():
        message[k.title()] = v
    assert webhooks.verify(BODY, message, SECRET).type == "trade.succeeded"


def test_werkzeug_starlette_and_django_headers() -> None:
    from django.conf import settings
    from django.http.request import HttpHeaders
    from starlette.datastructures import Headers as StarletteHeaders
    from werkzeug.datastructures import EnvironHeaders

    h = signed()
    environ = {"HTTP_" + k.upper().replace("-", "_"): v for k, v in h.items()}
    assert webhooks.verify(BODY, EnvironHeaders(environ), SECRET).id == h["webhook-id"]
    assert webhooks.verify(BODY, StarletteHeaders(headers=h), SECRET).id == h["webhook-id"]
    if not settings.configured:
        settings.configure()
    assert webhooks.verify(BODY, HttpHeaders(environ), SECRET).id == h["webhook-id"]


def test_rotation_any_secret_of_the_list_verifies() -> None:
    h = signed()
    assert webhooks.verify(BODY, h, [OTHER, SECRET]).id == h["webhook-id"]
    with pytest.raises(tradepay.WebhookVerificationError):
        webhooks.verify(BODY, h, [OTHER])
    with pytest.raises(tradepay.ValidationError) as e:
        webhooks.verify(BODY, h, [])
    assert e.value.field == "secret"
    with pytest.raises(tradepay.ValidationError) as e:
        webhooks.verify(BODY, h, 42)  # type: ignore[arg-type]
    assert "not int" in str(e.value)


def test_standardwebhooks_accepts_what_tradepay_signs_and_the_reverse() -> None:
    h = signed()
    theirs = standardwebhooks.Webhook(SECRET)
    assert theirs.verify(BODY, h)["type"] == "trade.succeeded"
    when = time.time()
    from datetime import datetime, timezone

    signature = theirs.sign("msg_theirs", datetime.fromtimestamp(when, tz=timezone.utc), BODY.decode())
    headers = {"webhook-id": "msg_theirs", "webhook-timestamp": str(int(when)), "webhook-signature": signature}
    assert webhooks.verify(BODY, headers, SECRET).id == "msg_theirs"


def test_a_tampered_delivery_fails() -> None:
    h = signed()
    with pytest.raises(tradepay.WebhookVerificationError):
        webhooks.verify(BODY.replace(b"10.00", b"1000.00"), h, SECRET)
