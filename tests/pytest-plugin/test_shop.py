"""A user's test file in a project with no conftest.py: the fixtures come from the
tradepay pytest plugin that `pip install tradepay` registers."""

import asyncio
import uuid

import tradepay

CARD = {"card": {"number": "4242424242424242", "exp_month": "12", "exp_year": "2030", "cvc": "123"}}


def pay(client: tradepay.Client) -> tradepay.Trade:
    return client.pay(
        merchant_id="m_1",
        order_id=f"o_{uuid.uuid4().hex[:16]}",
        amount="10.00",
        currency="USD",
        payment_method="card",
        payment_method_data=CARD,
        return_url="https://shop.example/back",
    )


def test_pay_with_the_plugin_client(tradepay_client: tradepay.Client, tradepay_sandbox: tradepay.Sandbox) -> None:
    trade = pay(tradepay_client)
    assert trade.status == "SUCCESS"
    assert [o.order_id for o in tradepay_sandbox.orders()] == [trade.order_id]


def test_the_sandbox_is_reset_between_tests(tradepay_sandbox: tradepay.Sandbox) -> None:
    # The previous test paid once; this one starts with an empty gateway.
    assert tradepay_sandbox.orders() == []


def test_the_async_client(tradepay_async_client: tradepay.AsyncClient, tradepay_sandbox: tradepay.Sandbox) -> None:
    async def main() -> tradepay.Trade:
        return await tradepay_async_client.pay(
            merchant_id="m_1",
            order_id="o_async_1",
            amount="1.00",
            currency="USD",
            payment_method="card",
            payment_method_data=CARD,
            return_url="https://shop.example/back",
        )

    trade = asyncio.run(main())
    assert trade.status == "SUCCESS"
    assert not tradepay_async_client.closed
