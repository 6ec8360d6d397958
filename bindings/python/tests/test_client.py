"""Every method of Client and AsyncClient, and every exception class, against the sandbox
(and, for answers the sandbox never gives, a scripted gateway)."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import http.server
import json
import threading
from typing import Tuple

import pytest

import tradepay
from conftest import CARD_3DS, CARD_DECLINED, CARD_OK, RETURN_URL, make_async, new_id, pay_card


def test_card_success_query_refund_and_refund_query(client: tradepay.Client) -> None:
    t = pay_card(client, metadata={"cart": "42"}, customer_id="c_1")
    assert t.status is tradepay.Status.SUCCESS and t.trade_status is tradepay.TradeStatus.SUCCEEDED
    assert t.metadata == {"cart": "42"} and t.customer_id == "c_1"
    assert client.query(merchant_id="m_1", order_id=t.order_id) == client.query(merchant_id="m_1", trade_id=t.trade_id)
    r = client.refund(merchant_id="m_1", trade_id=t.trade_id, refund_id=new_id("r"), amount="2.50", reason="damaged")
    assert r.status is tradepay.Status.SUCCESS and r.amount == "2.50" and r.reason == "damaged"
    assert client.refund_query(merchant_id="m_1", refund_id=r.refund_id or "") == r
    after = client.query(merchant_id="m_1", order_id=t.order_id)
    assert after.refund_status is tradepay.RefundStatus.PARTIALLY_REFUNDED
    assert after.total_refunded_amount == "2.50"


def test_pay_is_idempotent_by_order_id(sandbox: tradepay.Sandbox, client: tradepay.Client) -> None:
    order_id = new_id()
    first = pay_card(client, order_id=order_id)
    again = pay_card(client, order_id=order_id)
    assert again.trade_id == first.trade_id
    charges = [e["charges"] for e in sandbox.ledger() if e["order_id"] == order_id]
    assert charges == [1]


def test_decline_is_a_result_not_an_error(client: tradepay.Client) -> None:
    t = pay_card(client, card=CARD_DECLINED)
    assert t.status is tradepay.Status.FAILED
    assert t.last_payment_error is not None and t.last_payment_error.code == "card_declined"


def test_3ds_then_complete_then_wait_final(sandbox: tradepay.Sandbox, client: tradepay.Client) -> None:
    t = pay_card(client, card=CARD_3DS)
    assert t.status is tradepay.Status.PENDING and t.trade_status is tradepay.TradeStatus.REQUIRES_ACTION
    assert t.redirect_url and t.next_action is not None
    sandbox.complete(t.trade_id or "", "succeeded")
    final = client.wait_final(merchant_id="m_1", trade_id=t.trade_id, timeout=10)
    assert final.status is tradepay.Status.SUCCESS


def test_wait_final_times_out_with_the_last_trade(client: tradepay.Client) -> None:
    t = client.pay(merchant_id="m_1", order_id=new_id(), amount="1", currency="USD", payment_method="qr")
    with pytest.raises(tradepay.TimeoutError) as info:
        client.wait_final(merchant_id="m_1", order_id=t.order_id, timeout=0.3)
    assert info.value.trade is not None and info.value.trade.status is tradepay.Status.PENDING


def test_qr_close_order_and_reverse(sandbox: tradepay.Sandbox, client: tradepay.Client) -> None:
    t = client.pay(merchant_id="m_1", order_id=new_id(), amount="3", currency="EUR", payment_method="qr")
    assert t.status is tradepay.Status.PENDING and t.payment_method is tradepay.PaymentMethod.QR
    closed = client.close_order(merchant_id="m_1", order_id=t.order_id)
    assert closed.status is tradepay.Status.CLOSED
    paid = pay_card(client)
    reversed_ = client.reverse(merchant_id="m_1", order_id=paid.order_id)
    assert reversed_.status is tradepay.Status.CLOSED
    assert [e["refunded"] for e in sandbox.ledger() if e["order_id"] == paid.order_id] == ["10.00"]


def test_qr_expires_when_the_sandbox_clock_moves(sandbox: tradepay.Sandbox, client: tradepay.Client) -> None:
    t = client.pay(merchant_id="m_1", order_id=new_id(), amount="3", currency="EUR", payment_method="qr")
    sandbox.advance_clock(121)
    assert client.query(merchant_id="m_1", trade_id=t.trade_id).status is tradepay.Status.CLOSED


def test_micropay_success_and_reversal_at_deadline(client: tradepay.Client) -> None:
    ok = client.micropay(merchant_id="m_1", order_id=new_id(), amount="5", currency="USD", auth_code="1300000000000000", deadline=10)
    assert ok.status is tradepay.Status.SUCCESS
    stuck = client.micropay(merchant_id="m_1", order_id=new_id(), amount="5", currency="USD", auth_code="1300000000000003", deadline=0.5)
    assert stuck.status is tradepay.Status.CLOSED


def test_subscription_then_recurring(client: tradepay.Client) -> None:
    first = pay_card(client, payment_mode="subscription")
    assert first.payment_mode is tradepay.PaymentMode.SUBSCRIPTION and first.payment_token
    renewal = client.pay(
        merchant_id="m_1",
        order_id=new_id(),
        amount="10",
        currency="USD",
        payment_method="card",
        payment_mode="recurring_payment",
        payment_token=first.payment_token,
    )
    assert renewal.status is tradepay.Status.SUCCESS


def test_validation_error_nothing_sent(sandbox: tradepay.Sandbox, client: tradepay.Client) -> None:
    before = len(sandbox.ledger())
    with pytest.raises(tradepay.ValidationError) as info:
        pay_card(client, return_url=None)
    assert info.value.field == "return_url" and info.value.code == "22070001"
    with pytest.raises(tradepay.ValidationError):
        client.query(merchant_id="m_1")
    with pytest.raises(tradepay.ValidationError) as info:
        pay_card(client, metadata={"k": 1})
    assert info.value.field == "metadata"
    with pytest.raises(tradepay.ValidationError):
        pay_card(client, currency="ZZZ")
    assert len(sandbox.ledger()) == before


def test_client_options_are_checked() -> None:
    with pytest.raises(tradepay.ValidationError):
        tradepay.Client(base_url="http://pay.example", access_no="a", secret="s")
    tradepay.Client(base_url="http://pay.example", access_no="a", secret="s", allow_insecure_http=True).close()
    with pytest.raises(tradepay.ValidationError):
        tradepay.Client(base_url="http://127.0.0.1:1", access_no="a", secret="s", timeout=-1)


def test_closed_client_refuses(client: tradepay.Client) -> None:
    client.close()
    assert client.closed
    with pytest.raises(tradepay.ValidationError, match="the client is closed"):
        client.query(merchant_id="m_1", order_id="o_1")


def test_business_error(client: tradepay.Client) -> None:
    with pytest.raises(tradepay.BusinessError) as info:
        client.query(merchant_id="m_1", order_id=new_id())
    e = info.value
    assert isinstance(e, tradepay.ApiError)
    assert e.code == "30000001" and e.trace_id and e.http_status == 200 and not e.outcome_unknown


def test_authentication_error(sandbox: tradepay.Sandbox) -> None:
    with tradepay.Client(base_url=sandbox.url, access_no=sandbox.access_no, secret="wrong") as c:
        with pytest.raises(tradepay.AuthenticationError) as info:
            c.query(merchant_id="m_1", order_id="o_1")
    assert info.value.code == "10000002"


def test_network_error() -> None:
    with tradepay.Client(base_url="http://127.0.0.1:9", access_no="a", secret="s", max_retries=0) as c:
        with pytest.raises(tradepay.NetworkError) as info:
            c.query(merchant_id="m_1", order_id="o_1")
    assert info.value.outcome_unknown is False


def test_gateway_error_after_retries(sandbox: tradepay.Sandbox, client: tradepay.Client) -> None:
    sandbox.set_faults([{"kind": "http_503", "trans_type": "QUERY"}])
    with pytest.raises(tradepay.GatewayError) as info:
        client.query(merchant_id="m_1", order_id="o_1")
    assert info.value.http_status == 503 and info.value.attempts == 3


def test_retried_faults_are_invisible_and_never_charge_twice(sandbox: tradepay.Sandbox, client: tradepay.Client) -> None:
    for kind in ("http_503", "http_429", "busy", "close_before", "close_after_commit", "truncate"):
        sandbox.set_faults([{"kind": kind, "trans_type": "PAY", "count": 1, "retry_after": 0}])
        t = pay_card(client)
        assert t.status is tradepay.Status.SUCCESS, kind
        assert [e["charges"] for e in sandbox.ledger() if e["order_id"] == t.order_id] == [1], kind


def test_signature_error(sandbox: tradepay.Sandbox, client: tradepay.Client) -> None:
    for kind in ("bad_signature", "no_signature"):
        sandbox.set_faults([{"kind": kind, "trans_type": "QUERY"}])
        with pytest.raises(tradepay.SignatureError):
            client.query(merchant_id="m_1", order_id="o_1")


def test_timeout_error(sandbox: tradepay.Sandbox) -> None:
    sandbox.set_faults([{"kind": "delay", "trans_type": "QUERY", "delay_ms": 2000}])
    with tradepay.Client(base_url=sandbox.url, access_no=sandbox.access_no, secret=sandbox.secret, timeout=0.2, max_retries=0) as c:
        with pytest.raises(tradepay.TimeoutError) as info:
            c.query(merchant_id="m_1", order_id="o_1")
    assert info.value.outcome_unknown


def test_bad_fault_rule_is_refused(sandbox: tradepay.Sandbox) -> None:
    with pytest.raises(ValueError):
        sandbox.set_faults([{"kind": "meteor"}])


# A scripted gateway for answers the sandbox never gives.
SECRET = "scripted-secret"


def _gateway(answers: list) -> Tuple[http.server.ThreadingHTTPServer, str]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            status, body, signed = answers.pop(0) if len(answers) > 1 else answers[0]
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            if signed:
                mac = hmac.new(SECRET.encode(), body, hashlib.sha256).digest()
                self.send_header("X-Signature", base64.b64encode(mac).decode())
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def _envelope(code: str) -> bytes:
    return json.dumps({"code": code, "message": "scripted", "traceId": "t_scripted", "data": {"status": "FAILED"}}).encode()


@pytest.mark.parametrize(
    "answer, cls",
    [
        ((200, _envelope("22070001"), True), tradepay.InvalidRequestError),
        ((200, _envelope("40000000"), True), tradepay.ApiError),
        ((200, _envelope("90000002"), True), tradepay.GatewayError),
        ((200, b"not json", True), tradepay.ProtocolError),
        ((418, b"{}", False), tradepay.ProtocolError),
    ],
)
def test_scripted_answers(answer: tuple, cls: type) -> None:
    server, url = _gateway([answer])
    try:
        with tradepay.Client(base_url=url, access_no="acc_1", secret=SECRET, max_retries=0) as c:
            with pytest.raises(cls) as info:
                c.query(merchant_id="m_1", order_id="o_1")
        if cls is tradepay.ApiError:
            assert type(info.value) is tradepay.ApiError and info.value.code == "40000000"
            assert info.value.trace_id == "t_scripted"
        if answer[1] == _envelope("90000002"):
            assert info.value.outcome_unknown
    finally:
        server.shutdown()


def test_async_client_every_method(sandbox: tradepay.Sandbox) -> None:
    async def main() -> None:
        async with make_async(sandbox) as c:
            t = await c.pay(merchant_id="m_1", order_id=new_id(), amount="10", currency="USD", payment_method="card", return_url=RETURN_URL, payment_method_data=CARD_OK)
            assert t.status is tradepay.Status.SUCCESS
            assert (await c.query(merchant_id="m_1", order_id=t.order_id)).trade_id == t.trade_id
            r = await c.refund(merchant_id="m_1", order_id=t.order_id, refund_id=new_id("r"), amount="1")
            assert (await c.refund_query(merchant_id="m_1", refund_id=r.refund_id or "")).status is tradepay.Status.SUCCESS
            assert (await c.reverse(merchant_id="m_1", trade_id=t.trade_id)).status is tradepay.Status.CLOSED
            q = await c.pay(merchant_id="m_1", order_id=new_id(), amount="1", currency="USD", payment_method="qr")
            assert (await c.close_order(merchant_id="m_1", order_id=q.order_id)).status is tradepay.Status.CLOSED
            assert (await c.wait_final(merchant_id="m_1", order_id=q.order_id, timeout=5)).status is tradepay.Status.CLOSED
            m = await c.micropay(merchant_id="m_1", order_id=new_id(), amount="2", currency="USD", auth_code="1234567890")
            assert m.status is tradepay.Status.SUCCESS
            with pytest.raises(tradepay.BusinessError):
                await c.query(merchant_id="m_1", order_id=new_id())
        assert c.closed

    asyncio.run(main())


def test_clients_are_context_managers_and_have_reprs(sandbox: tradepay.Sandbox) -> None:
    with tradepay.Client(base_url=sandbox.url, access_no=sandbox.access_no, secret=sandbox.secret) as c:
        assert sandbox.url in repr(c) and c.access_no == sandbox.access_no and c.base_url == sandbox.url
    assert c.closed
    assert "Sandbox" in repr(sandbox)

