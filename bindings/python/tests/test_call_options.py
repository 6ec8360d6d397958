"""with_options: other limits for some calls, on the same pool, leaving the client as it was."""

from __future__ import annotations

import asyncio
import time

import pytest

import tradepay
from conftest import make_async, pay_card


def test_a_shorter_timeout_applies_to_calls_through_it_only(sandbox: tradepay.Sandbox, client: tradepay.Client) -> None:
    paid = pay_card(client)
    sandbox.set_faults([{"kind": "delay", "trans_type": "QUERY", "delay_ms": 800}])
    quick = client.with_options(timeout=0.2, max_retries=0)
    started = time.monotonic()
    with pytest.raises(tradepay.TimeoutError) as info:
        quick.query(merchant_id="m_1", order_id=paid.order_id)
    # One attempt, cut at 0.2 s (far below the 0.8 s the gateway takes): nothing retried it.
    assert time.monotonic() - started < 0.7
    assert "200 ms" in info.value.message
    # The client it came from keeps its 30 s and waits the delay out.
    assert client.query(merchant_id="m_1", order_id=paid.order_id).status == tradepay.Status.SUCCESS


def test_max_retries_zero_sends_one_attempt(sandbox: tradepay.Sandbox, client: tradepay.Client) -> None:
    paid = pay_card(client)
    once = client.with_options(max_retries=0)
    sandbox.set_faults([{"kind": "http_503", "trans_type": "QUERY", "count": 1}])
    with pytest.raises(tradepay.GatewayError):
        once.query(merchant_id="m_1", order_id=paid.order_id)
    # The same single 503 is retried past by the client's own policy.
    sandbox.set_faults([{"kind": "http_503", "trans_type": "QUERY", "count": 1}])
    assert client.query(merchant_id="m_1", order_id=paid.order_id).status == tradepay.Status.SUCCESS


def test_options_stack_and_the_pool_is_shared(sandbox: tradepay.Sandbox, client: tradepay.Client) -> None:
    paid = pay_card(client)
    stacked = client.with_options(max_retries=0).with_options(timeout=0.2)
    sandbox.set_faults([{"kind": "http_503", "trans_type": "QUERY", "count": 1}])
    with pytest.raises(tradepay.GatewayError):  # max_retries=0 kept under the new timeout
        stacked.query(merchant_id="m_1", order_id=paid.order_id)
    assert stacked.base_url == client.base_url
    # One pool, closed once: closing the derived client closes the one it came from.
    stacked.close()
    assert client.closed
    with pytest.raises(tradepay.ValidationError):
        client.query(merchant_id="m_1", order_id=paid.order_id)


def test_async_client_with_options(sandbox: tradepay.Sandbox) -> None:
    async def main() -> None:
        async with make_async(sandbox) as c:
            paid = await c.pay(
                merchant_id="m_1", order_id=f"o_async_opts_{time.time_ns()}", amount="1.00", currency="USD",
                payment_method="qr",
            )
            sandbox.set_faults([{"kind": "delay", "trans_type": "QUERY", "delay_ms": 800}])
            with pytest.raises(tradepay.TimeoutError):
                await c.with_options(timeout=0.2, max_retries=0).query(merchant_id="m_1", order_id=paid.order_id)
            assert (await c.query(merchant_id="m_1", order_id=paid.order_id)).status == tradepay.Status.PENDING

    asyncio.run(main())
