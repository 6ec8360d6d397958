"""The shared conformance vectors of tests/vectors/, through the Python API."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from decimal import Decimal
from typing import Any

import pytest

import tradepay
from conftest import CARD_OK, RETURN_URL, VECTORS, new_id

AMOUNTS = json.loads((VECTORS / "amounts.json").read_text())
WEBHOOKS = json.loads((VECTORS / "webhooks.json").read_text())


@pytest.mark.parametrize("case", AMOUNTS["valid"], ids=lambda c: repr(c["input"]))
def test_valid_amounts_are_sent_with_two_decimals(client: tradepay.Client, case: dict) -> None:
    for amount in (case["input"], Decimal(case["input"])):
        trade = client.pay(
            merchant_id="m_1",
            order_id=new_id(),
            amount=amount,
            currency="USD",
            payment_method="card",
            return_url=RETURN_URL,
            payment_method_data=CARD_OK,
        )
        assert trade.amount == case["wire"]


@pytest.mark.parametrize("case", AMOUNTS["invalid"], ids=lambda c: repr(c["input"]))
def test_invalid_amounts_are_refused_before_sending(client: tradepay.Client, case: dict) -> None:
    with pytest.raises(tradepay.ValidationError) as info:
        client.refund(merchant_id="m_1", order_id="o_never_sent", refund_id="r_1", amount=case["input"])
    assert info.value.code == AMOUNTS["code"]
    assert info.value.field == AMOUNTS["field"]
    assert info.value.message == f"amount: {case['message']}"
    assert info.value.outcome_unknown is False


@pytest.mark.parametrize("case", AMOUNTS["with_currency"], ids=lambda c: f"{c['amount']} {c['currency']}")
def test_zero_decimal_currencies(client: tradepay.Client, case: dict) -> None:
    def pay() -> tradepay.Trade:
        return client.pay(
            merchant_id="m_1",
            order_id=new_id(),
            amount=case["amount"],
            currency=case["currency"].lower(),
            payment_method="qr",
        )

    if case["ok"]:
        assert pay().currency == case["currency"]
    else:
        with pytest.raises(tradepay.ValidationError) as info:
            pay()
        assert info.value.code == case["code"]
        assert info.value.message == f"amount: {case['message']}"


def test_floats_are_refused_with_the_reason(client: tradepay.Client) -> None:
    with pytest.raises(tradepay.ValidationError) as info:
        client.refund(merchant_id="m_1", order_id="o_1", refund_id="r_1", amount=10.5)  # type: ignore[arg-type]
    # The core's one message for an amount that is not decimal text.
    assert "number" in info.value.message and "exactly" in info.value.message
    assert info.value.field == "amount"
    with pytest.raises(tradepay.ValidationError):
        client.refund(merchant_id="m_1", order_id="o_1", refund_id="r_1", amount=True)  # type: ignore[arg-type]


@pytest.mark.parametrize("case", WEBHOOKS["cases"], ids=lambda c: c["name"])
def test_webhook_vectors(case: dict) -> None:
    def verify() -> tradepay.Event:
        return tradepay.webhooks.verify(
            case["body"], case["headers"], WEBHOOKS["secret"], case["tolerance"], now=case["now"]
        )

    if not case["ok"]:
        with pytest.raises(tradepay.WebhookVerificationError) as info:
            verify()
        assert info.value.outcome_unknown is False
        return
    event = verify()
    want = case["event"]
    assert (event.id, event.type, event.timestamp) == (want["id"], want["type"], want["timestamp"])
    data: Any = event.data
    if want["data_kind"] == "trade":
        assert isinstance(data, tradepay.Trade) and data.status == want["status"]
    elif want["data_kind"] == "refund":
        assert isinstance(data, tradepay.Refund) and data.status == want["status"]
    else:
        assert isinstance(data, dict)
        assert data == json.loads(case["body"])["data"]
    # Bytes and str bodies verify alike; headers are case-insensitive.
    upper = {k.upper(): v for k, v in case["headers"].items()}
    again = tradepay.webhooks.verify(case["body"].encode(), upper, WEBHOOKS["secret"], case["tolerance"], now=case["now"])
    assert again == event


@pytest.mark.parametrize("case", WEBHOOKS["secrets"], ids=lambda c: repr(c["input"]))
def test_webhook_secret_forms(case: dict) -> None:
    body = b'{"type":"trade.closed","timestamp":"2026-11-21T22:18:46Z","data":{"status":"CLOSED"}}'
    now = 1763763526
    key = base64.b64decode(case.get("key_base64") or "AAAA")
    mac = hmac.new(key, b"msg_1.%d." % now + body, hashlib.sha256).digest()
    headers = {
        "webhook-id": "msg_1",
        "webhook-timestamp": str(now),
        "webhook-signature": "v1," + base64.b64encode(mac).decode(),
    }
    if case["ok"]:
        event = tradepay.webhooks.verify(body, headers, case["input"], now=now)
        assert event.type is tradepay.EventType.TRADE_CLOSED
    else:
        with pytest.raises(tradepay.WebhookVerificationError):
            tradepay.webhooks.verify(body, headers, case["input"], now=now)
