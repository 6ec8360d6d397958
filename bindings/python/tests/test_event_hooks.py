"""event_hooks: one request and one response event per attempt, never a secret."""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any, Dict, List

import pytest

import tradepay

from conftest import CARD_OK, make_async, new_id, pay_card


def lines(records: List[logging.LogRecord]) -> List[str]:
    return [f"{r.levelname} {r.getMessage()}" for r in records]


def hooked(sandbox: tradepay.Sandbox, events: List[Dict[str, Any]]) -> tradepay.Client:
    return tradepay.Client(
        base_url=sandbox.url,
        access_no=sandbox.access_no,
        secret=sandbox.secret,
        event_hooks={
            "request": [lambda e: events.append({"hook": "request", **e})],
            "response": [lambda e: events.append({"hook": "response", **e})],
        },
    )


def test_each_attempt_is_seen_and_a_retry_says_when(sandbox: tradepay.Sandbox) -> None:
    events: List[Dict[str, Any]] = []
    with hooked(sandbox, events) as client:
        sandbox.set_faults([{"kind": "http_503", "trans_type": "PAY", "count": 1}])
        trade = pay_card(client)
    assert [(e["hook"], e["attempt"]) for e in events] == [
        ("request", 1),
        ("response", 1),
        ("request", 2),
        ("response", 2),
    ]
    assert set(events[0]) == {"hook", "trans_type", "order_id", "refund_id", "attempt", "elapsed",
                              "http_status", "trace_id", "error", "retry_in"}
    assert events[0]["trans_type"] == "PAY" and events[0]["order_id"] == trade.order_id
    assert events[0]["http_status"] is None and events[0]["retry_in"] is None
    failed, answered = events[1], events[3]
    assert (failed["http_status"], failed["error"]) == (503, "GatewayError")
    assert isinstance(failed["retry_in"], float) and failed["retry_in"] > 0
    assert (answered["http_status"], answered["error"], answered["retry_in"]) == (200, None, None)
    assert trade.last_response is not None and answered["trace_id"] == trade.last_response.trace_id
    assert 0 <= events[0]["elapsed"] <= answered["elapsed"] < 30


def test_no_secret_or_card_data_reaches_a_hook_or_a_log_line(
    sandbox: tradepay.Sandbox, log_records: List[logging.LogRecord]
) -> None:
    events: List[Dict[str, Any]] = []
    with hooked(sandbox, events) as client:
        sandbox.set_faults([{"kind": "http_503", "count": 1}])
        first = pay_card(client, payment_mode="subscription")
        assert first.payment_token
        client.pay(
            merchant_id="m_1", order_id=new_id(), amount="10", currency="USD", payment_method="card",
            payment_mode="recurring_payment", payment_token=first.payment_token,
        )
        client.micropay(merchant_id="m_1", order_id=new_id(), amount="5", currency="USD",
                        auth_code="1300000000000003", deadline=0.5)
    log_lines = lines(log_records)
    assert len(events) >= 8 and any("retrying" in line for line in log_lines)
    # Trace IDs and timings are random digits: a short CVC could appear in one by chance.
    texts = [v for e in events for k, v in e.items() if isinstance(v, str) and k != "trace_id"]
    texts += [re.sub(r"trace_id=\w+|\d+\.\d+|\d+ ms", "", line) for line in log_lines]
    seen = "\n".join(texts)
    card = CARD_OK["card"]
    for secret in (sandbox.secret, card["number"], card["cvc"], "1300000000000003", first.payment_token):
        assert secret not in seen, f"{secret!r} reached a hook or the log"


def test_a_hook_that_raises_is_logged_and_the_call_goes_on(
    sandbox: tradepay.Sandbox, log_records: List[logging.LogRecord]
) -> None:
    def broken(event: Dict[str, Any]) -> None:
        raise RuntimeError("a broken hook")

    seen: List[int] = []
    with tradepay.Client(
        base_url=sandbox.url, access_no=sandbox.access_no, secret=sandbox.secret,
        event_hooks={"request": [broken, lambda e: seen.append(e["attempt"])], "response": (broken,)},
    ) as client:
        trade = pay_card(client)
    assert trade.status is tradepay.Status.SUCCESS and seen == [1]
    raised = [line for line in lines(log_records) if "an event hook raised" in line]
    assert len(raised) == 2 and raised[0].startswith("WARNING") and "a broken hook" in raised[0]


@pytest.mark.parametrize(
    "hooks, message",
    [
        ({"requests": [print]}, "requests: unknown hook; did you mean request?"),
        ({"request": print}, 'event_hooks: must be a dict like {"request": [fn], "response": [fn]} of lists of callables'),
        ({"request": ["print"]}, 'event_hooks: must be a dict like {"request": [fn], "response": [fn]} of lists of callables'),
        ([print], 'event_hooks: must be a dict like {"request": [fn], "response": [fn]} of lists of callables'),
    ],
)
def test_bad_hooks_are_refused_when_the_client_is_built(hooks: Any, message: str) -> None:
    with pytest.raises(tradepay.ValidationError) as info:
        tradepay.Client(base_url="http://127.0.0.1:9", access_no="a", secret="s", event_hooks=hooks)
    assert str(info.value) == message


def test_hooks_belong_to_the_client_not_to_with_options(client: tradepay.Client) -> None:
    with pytest.raises(tradepay.ValidationError) as info:
        client.with_options(event_hooks={"request": [print]})  # type: ignore[call-arg]
    assert str(info.value).startswith("event_hooks: unknown option")


def test_the_async_client_calls_hooks_too(sandbox: tradepay.Sandbox) -> None:
    events: List[str] = []

    async def main() -> None:
        async with make_async(sandbox, event_hooks={"response": [lambda e: events.append(e["trans_type"])]}) as c:
            trade = await c.pay(
                merchant_id="m_1", order_id=new_id(), amount="1.00", currency="USD", payment_method="card",
                return_url="https://shop.example/back", payment_method_data=CARD_OK,
            )
            await c.query(merchant_id="m_1", order_id=trade.order_id)

    asyncio.run(main())
    assert events == ["PAY", "QUERY"]
