"""What every result says about the answer it came from, and fields no version knows."""

from __future__ import annotations

import asyncio
import json
import pickle

import tradepay

from conftest import make_async, new_id, pay_card


def test_a_trade_says_which_answer_it_came_from(sandbox: tradepay.Sandbox, client: tradepay.Client) -> None:
    sandbox.set_faults([{"kind": "http_503", "trans_type": "PAY", "count": 1}])
    trade = pay_card(client)
    info = trade.last_response
    assert isinstance(info, tradepay.ResponseInfo)
    assert (info.http_status, info.attempts) == (200, 2)
    assert isinstance(info.trace_id, str) and len(info.trace_id) == 16
    assert 0 < info.elapsed < 30
    assert repr(info).startswith(f"ResponseInfo(trace_id={info.trace_id!r}, http_status=200, attempts=2, elapsed=")
    # Not part of the order: the dict, equality and pickling leave it out.
    assert "trace_id" not in json.dumps(trade.to_dict())
    again = client.query(merchant_id="m_1", order_id=trade.order_id)
    assert again.last_response is not None and again.last_response.attempts == 1
    assert again.last_response.trace_id != info.trace_id
    copy = pickle.loads(pickle.dumps(again))
    assert copy == again and copy.last_response is None
    assert tradepay.Trade.from_dict(trade.to_dict()).last_response is None


def test_unknown_fields_are_kept_in_to_dict(sandbox: tradepay.Sandbox, client: tradepay.Client) -> None:
    trade = pay_card(client)
    sandbox.set_faults([{"kind": "future_field", "trans_type": "REFUND"}])
    refund = client.refund(merchant_id="m_1", order_id=trade.order_id, refund_id=new_id("r"), amount="1.00")
    assert refund.to_dict()["x_future_field"] == {"since": "2027-01", "values": [1, "two", None]}
    assert refund.last_response is not None and refund.last_response.attempts == 1
    assert "x_future_field" in repr(refund)
    # A round trip through from_dict keeps them too.
    assert tradepay.Refund.from_dict(refund.to_dict()).to_dict()["x_future_field"]["since"] == "2027-01"


def test_the_async_client_says_it_too(sandbox: tradepay.Sandbox, client: tradepay.Client) -> None:
    trade = pay_card(client)

    async def main() -> None:
        async with make_async(sandbox) as c:
            found = await c.query(merchant_id="m_1", order_id=trade.order_id)
            assert found.last_response is not None
            assert found.last_response.http_status == 200

    asyncio.run(main())
