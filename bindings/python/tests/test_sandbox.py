"""The in-process sandbox's own methods."""

from __future__ import annotations

import pytest

import tradepay
from conftest import CARD_OK, RETURN_URL, new_id


def test_sandbox_methods() -> None:
    with tradepay.Sandbox(seed=7, access_no="acc_fixed", secret="s3cret") as sb:
        assert (sb.access_no, sb.secret) == ("acc_fixed", "s3cret")
        assert sb.url.startswith("http://127.0.0.1:") and sb.webhook_secret.startswith("whsec_")
        with tradepay.Client(base_url=sb.url, access_no=sb.access_no, secret=sb.secret) as c:
            t = c.pay(merchant_id="m_1", order_id=new_id(), amount="4", currency="USD", payment_method="card",
                      return_url=RETURN_URL, payment_method_data=CARD_OK, notify_url="http://127.0.0.1:9/hook")
            c.refund(merchant_id="m_1", trade_id=t.trade_id, refund_id=new_id("r"), amount="1")
            q = c.pay(merchant_id="m_1", order_id=new_id(), amount="4", currency="USD", payment_method="qr")
            assert q.trade_id is not None
            failed = sb.complete(q.trade_id, "failed")
            assert failed.status is tradepay.Status.FAILED
        assert {o.trade_id for o in sb.orders()} == {t.trade_id, q.trade_id}
        assert [r.amount for r in sb.refunds()] == ["1.00"]
        assert all(isinstance(d["attempts"], int) for d in sb.webhook_deliveries())
        with pytest.raises(ValueError):
            sb.complete("tr_unknown", "succeeded")
        with pytest.raises(ValueError):
            sb.complete(t.trade_id or "", "maybe")
        sb.reset()
        assert sb.orders() == [] and sb.ledger() == []
    assert sb.closed
    with pytest.raises(tradepay.ValidationError, match="the sandbox is closed; start a new Sandbox"):
        sb.ledger()
    sb.close()  # closing twice is harmless


def test_sandbox_errors_are_tradepay_classes_with_the_core_messages() -> None:
    # The same reader and messages as Node's Sandbox.start (tradepay_sandbox::options).
    with pytest.raises(tradepay.ValidationError) as info:
        tradepay.Sandbox(accessNo="acc_x")  # type: ignore[call-arg]
    assert info.value.message == "accessNo: unknown option; did you mean access_no?"
    with pytest.raises(tradepay.ValidationError) as info:
        tradepay.Sandbox(port=70000)
    assert info.value.message == "port: must be a whole number from 0 to 65535"
    with tradepay.Sandbox() as sb:
        with pytest.raises(tradepay.ValidationError, match="not found"):
            sb.complete("tr_unknown", "succeeded")
        with pytest.raises(tradepay.ValidationError, match="fault rules"):
            sb.set_faults([{"kind": 5}])
