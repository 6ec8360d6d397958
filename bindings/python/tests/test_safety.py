"""Money safety at the boundary: no panic, hang, crash or runaway cost reaches the caller,
whatever the input; a cancelled micropay is reversed in the background."""

from __future__ import annotations

import _thread
import asyncio
import os
import pickle
import subprocess
import sys
import threading
import time
from decimal import Decimal
from typing import Any, Callable

import pytest

import tradepay
from tradepay import _native
from conftest import RESTORE_CTRL_C, make_async, new_id

HOOKS = hasattr(_native.Client, "_test_panic")
needs_hooks = pytest.mark.skipif(
    not HOOKS and not os.environ.get("TRADEPAY_TEST_HOOKS"),
    reason="built without the test-hooks feature (cargo xtask test builds with it)",
)


# -- 1. a panic inside Rust is a TradepayError (code ERR_TRADEPAY_INTERNAL), promptly, sync and async ----------------


@needs_hooks
@pytest.mark.parametrize("at", ["entry", "call"])
def test_a_panic_in_a_sync_call_is_a_tradepay_error(client: tradepay.Client, at: str) -> None:
    # The class and code Node reports too: the base class, with the core's internal code.
    with pytest.raises(tradepay.TradepayError, match="internal error in tradepay") as info:
        client._test_panic(at)  # type: ignore[attr-defined]
    assert type(info.value) is tradepay.TradepayError
    assert info.value.code == "ERR_TRADEPAY_INTERNAL"
    assert "deliberate panic" in str(info.value)
    # Inside a call the request may have gone out; at the entry nothing was sent.
    assert info.value.outcome_unknown is (at == "call")
    with pytest.raises(tradepay.BusinessError):
        client.query(merchant_id="m_1", order_id=new_id())


@needs_hooks
@pytest.mark.parametrize("at", ["entry", "call"])
def test_a_panic_in_an_async_call_completes_its_future(sandbox: tradepay.Sandbox, at: str) -> None:
    async def main() -> None:
        async with make_async(sandbox) as c:
            with pytest.raises(tradepay.TradepayError, match="deliberate panic") as info:
                # Liveness bound: before the fix the future was never completed.
                await asyncio.wait_for(c._test_panic(at), timeout=10)  # type: ignore[attr-defined]
            assert info.value.outcome_unknown is (at == "call")
            with pytest.raises(tradepay.BusinessError):
                await c.query(merchant_id="m_1", order_id=new_id())

    asyncio.run(main())


class _NoReaderLoop(asyncio.SelectorEventLoop):
    def add_reader(self, *args: object) -> None:  # type: ignore[override]
        raise NotImplementedError


@needs_hooks
def test_a_panic_on_the_fallback_path_completes_its_future(sandbox: tradepay.Sandbox) -> None:
    async def main() -> None:
        async with make_async(sandbox) as c:
            with pytest.raises(tradepay.TradepayError, match="deliberate panic"):
                await asyncio.wait_for(c._test_panic("call"), timeout=10)  # type: ignore[attr-defined]

    loop = _NoReaderLoop()
    try:
        loop.run_until_complete(main())
    finally:
        loop.close()


# -- 2. durations: the core's one range and message -------------------------------------

BAD_SECONDS = [1e300, 86400.5, -1.0, float("nan"), float("inf"), 2.0**64]
MESSAGE = "must be between 0 and 86400 seconds"


@pytest.mark.parametrize("value", BAD_SECONDS)
@pytest.mark.parametrize("option", ["timeout", "deadline", "connect_timeout"])
def test_client_durations_out_of_range(sandbox: tradepay.Sandbox, option: str, value: float) -> None:
    for cls in (tradepay.Client, tradepay.AsyncClient):
        with pytest.raises(tradepay.ValidationError, match=MESSAGE) as info:
            cls(base_url=sandbox.url, access_no=sandbox.access_no, secret=sandbox.secret, **{option: value})  # type: ignore[arg-type]
        assert info.value.field == option
        assert info.value.code is None


@pytest.mark.parametrize("value", BAD_SECONDS)
def test_call_durations_out_of_range(client: tradepay.Client, value: float) -> None:
    with pytest.raises(tradepay.ValidationError, match=MESSAGE) as info:
        client.wait_final(merchant_id="m_1", order_id="o_1", timeout=value)
    assert info.value.field == "timeout"
    with pytest.raises(tradepay.ValidationError, match=MESSAGE) as info:
        client.micropay(
            merchant_id="m_1", order_id=new_id(), amount="1", currency="USD", auth_code="1234567890", deadline=value
        )
    assert info.value.field == "deadline"
    with pytest.raises(tradepay.ValidationError, match=MESSAGE) as info:
        tradepay.webhooks.verify(b"{}", {}, "whsec_AAAA", tolerance=value)
    assert info.value.field == "tolerance"


def test_durations_in_range_are_taken(sandbox: tradepay.Sandbox) -> None:
    with tradepay.Client(
        base_url=sandbox.url, access_no=sandbox.access_no, secret=sandbox.secret,
        timeout=86400, deadline=0.5, connect_timeout=2.5,
    ) as c:
        with pytest.raises(tradepay.BusinessError):
            c.query(merchant_id="m_1", order_id=new_id())


# -- 3. deep and cyclic values: ValidationError, not a segfault -------------------------


def _deep(n: int) -> dict:
    top: dict = {}
    cur = top
    for _ in range(n):
        cur["a"] = {}
        cur = cur["a"]
    return top


def _cyclic_dict() -> dict:
    d: dict = {"trade_id": "t_1"}
    d["self"] = d
    return d


def _cyclic_list() -> dict:
    items: list = []
    items.append(items)
    return {"trade_id": "t_1", "extra": items}


@pytest.mark.parametrize("make", [lambda: _deep(10_000), _cyclic_dict, _cyclic_list], ids=["deep", "cyclic-dict", "cyclic-list"])
@pytest.mark.parametrize(
    "convert",
    [
        tradepay.Trade.from_dict,
        tradepay.Refund.from_dict,
        _native._event_from_dict,
    ],
    ids=["trade", "refund", "event"],
)
def test_deep_or_cyclic_data_is_a_validation_error(make: Callable[[], dict], convert: Callable[[Any], Any]) -> None:
    with pytest.raises(tradepay.ValidationError, match="nests deeper than 64 levels, or contains itself"):
        convert(make())


def test_deep_or_cyclic_fault_rules(sandbox: tradepay.Sandbox) -> None:
    for rules in ([_deep(10_000)], [_cyclic_dict()]):
        with pytest.raises(tradepay.ValidationError, match="nests deeper"):
            sandbox.set_faults(rules)


def test_deep_or_cyclic_metadata(client: tradepay.Client) -> None:
    for metadata in (_deep(10_000), _cyclic_dict()):
        with pytest.raises(tradepay.ValidationError, match="metadata"):
            client.pay(
                merchant_id="m_1", order_id=new_id(), amount="1", currency="USD", payment_method="qr",
                metadata=metadata,
            )


def test_ordinary_nesting_still_converts() -> None:
    trade = tradepay.Trade.from_dict({"status": "SUCCESS", "trade_id": "t_1", "next_action": {"type": "redirect", "redirect": {"url": "https://x.example"}}})
    assert trade.redirect_url == "https://x.example"
    assert pickle.loads(pickle.dumps(trade)) == trade


# -- 4. Decimal amounts by their parts ----------------------------------------------------


def _pay_amount(client: tradepay.Client, amount: Any) -> tradepay.Trade:
    return client.pay(merchant_id="m_1", order_id=new_id(), amount=amount, currency="USD", payment_method="qr")


def test_huge_decimal_exponent_is_refused_at_once(client: tradepay.Client) -> None:
    for value in (Decimal("1e100000000"), Decimal("1e-100000000"), Decimal("-1e100000000")):
        start = time.monotonic()
        with pytest.raises(tradepay.ValidationError) as info:
            _pay_amount(client, value)
        # Before: 15 s and 300 MiB to write out a hundred million digits.
        assert time.monotonic() - start < 0.5
        assert info.value.field == "amount"


def test_exact_decimal_with_zero_places_beyond_two_names_its_value(client: tradepay.Client) -> None:
    assert _pay_amount(client, Decimal("7.000")).amount == "7.00"
    assert _pay_amount(client, Decimal("1E+1")).amount == "10.00"
    assert _pay_amount(client, Decimal("10.5")).amount == "10.50"
    with pytest.raises(tradepay.ValidationError, match="more than two decimals"):
        _pay_amount(client, Decimal("7.001"))
    # The string is refused as the protocol says: spelling counts for text.
    with pytest.raises(tradepay.ValidationError, match="more than two decimals"):
        _pay_amount(client, "7.000")


@pytest.mark.parametrize(
    "value,message",
    [
        (Decimal("NaN"), "digits"),
        (Decimal("Infinity"), "digits"),
        (Decimal("-Infinity"), "sign"),
        (Decimal("-5"), "sign"),
        (Decimal("0.000"), "at least 0.01"),
        (Decimal("10000000000"), "at most"),
    ],
)
def test_bad_decimals(client: tradepay.Client, value: Decimal, message: str) -> None:
    with pytest.raises(tradepay.ValidationError, match=message):
        _pay_amount(client, value)


def test_huge_int_amount_is_a_validation_error(client: tradepay.Client) -> None:
    # str() of an int over 4300 digits raises ValueError; the amount never goes through it.
    for value, message in ((10**5000, "at most"), (-(10**5000), "sign"), (10**30, "at most"), (-3, "sign")):
        with pytest.raises(tradepay.ValidationError, match=message):
            _pay_amount(client, value)
    assert _pay_amount(client, 12).amount == "12.00"


# -- 5. a cancelled micropay is reversed in the background ------------------------------


# The background reversal is the transport's (a drop guard on the micropay future); the
# binding's part is to drop the future promptly on Ctrl-C and on asyncio cancellation.


def _wait_closed(sandbox: tradepay.Sandbox, order_id: str, within: float = 20.0, absent_ok: bool = False) -> None:
    """Polls the ledger until the order is CLOSED with nothing kept (bounded). `absent_ok`:
    the sandbox drops a PAY whose caller hung up while it was held, so there may be no order."""
    deadline = time.monotonic() + within
    seen: Any = None
    while time.monotonic() < deadline:
        seen = [e for e in sandbox.ledger() if e["order_id"] == order_id]
        if absent_ok and not seen:
            return
        if seen and all(e["status"] == "CLOSED" and (e["charges"] == 0 or e["refunded"] == e["amount"]) for e in seen):
            return
        time.sleep(0.1)
    pytest.fail(f"order {order_id} not reversed within {within} s: {seen}")


def _micropay_args(auth_code: str) -> dict:
    return dict(merchant_id="m_cancel", order_id=new_id(), amount="3.00", currency="USD", auth_code=auth_code, deadline=30.0)


def test_keyboard_interrupt_during_a_micropay_reverses_it(sandbox: tradepay.Sandbox, client: tradepay.Client) -> None:
    # Ending 3: PENDING until reversed; the flow polls it, and Ctrl-C arrives meanwhile.
    args = _micropay_args("1357246803")
    timer = threading.Timer(0.8, _thread.interrupt_main)
    timer.start()
    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        client.micropay(**args)
    assert time.monotonic() - started < 5  # the Rust future was dropped promptly
    timer.join()
    _wait_closed(sandbox, args["order_id"])


def test_keyboard_interrupt_while_the_pay_is_held_reverses_it(sandbox: tradepay.Sandbox, client: tradepay.Client) -> None:
    # The PAY is delayed at the gateway (which then charges: ending 4 succeeds at once), so
    # the caller is interrupted before any answer: it never learns the order was charged.
    sandbox.set_faults([{"kind": "delay", "trans_type": "PAY", "delay_ms": 1500, "count": 1}])
    args = _micropay_args("1357246804")
    timer = threading.Timer(0.3, _thread.interrupt_main)
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        client.micropay(**args)
    timer.join()
    time.sleep(1.5)  # the held PAY would have landed at the gateway by now
    _wait_closed(sandbox, args["order_id"], absent_ok=True)


def test_asyncio_cancellation_of_a_micropay_reverses_it(sandbox: tradepay.Sandbox) -> None:
    pending = _micropay_args("1357246803")
    held = _micropay_args("1357246804")

    async def main() -> None:
        async with make_async(sandbox) as c:
            with pytest.raises(asyncio.TimeoutError):
                await asyncio.wait_for(c.micropay(**pending), timeout=0.8)
            sandbox.set_faults([{"kind": "delay", "trans_type": "PAY", "delay_ms": 1500, "count": 1}])
            with pytest.raises(asyncio.TimeoutError):
                await asyncio.wait_for(c.micropay(**held), timeout=0.3)
            # The loop (and the client) may even go away: the runtime keeps reversing.

    asyncio.run(main())
    time.sleep(1.5)
    _wait_closed(sandbox, pending["order_id"])
    _wait_closed(sandbox, held["order_id"], absent_ok=True)


def test_a_ctrl_c_that_ends_the_program_still_reverses_its_micropay(sandbox: tradepay.Sandbox) -> None:
    # The usual Ctrl-C: nothing catches it and the program exits. The REVERSAL is held at the
    # gateway for a second, so a process that exited at once would take it down unfinished.
    sandbox.set_faults([{"kind": "delay", "trans_type": "REVERSAL", "delay_ms": 1000, "count": 1}])
    order_id = new_id()
    script = RESTORE_CTRL_C + f"""
import _thread, threading, tradepay
c = tradepay.Client(base_url={sandbox.url!r}, access_no={sandbox.access_no!r}, secret={sandbox.secret!r})
threading.Timer(0.8, _thread.interrupt_main).start()
c.micropay(merchant_id="m_cancel", order_id={order_id!r}, amount="3.00", currency="USD",
           auth_code="1357246803", deadline=30)
"""
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=90)
    assert proc.returncode != 0 and b"KeyboardInterrupt" in proc.stderr, proc.stderr[-2000:]
    _wait_closed(sandbox, order_id, within=5)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
def test_a_forked_child_does_not_wait_for_the_parents_reversals(sandbox: tradepay.Sandbox) -> None:
    sandbox.set_faults([{"kind": "delay", "trans_type": "REVERSAL", "delay_ms": 3000, "count": 1}])

    args = _micropay_args("1357246803")

    async def cancel_one() -> None:
        async with make_async(sandbox) as c:
            with pytest.raises(asyncio.TimeoutError):
                await asyncio.wait_for(c.micropay(**args), timeout=0.8)

    asyncio.run(cancel_one())
    time.sleep(0.2)
    assert not _native._wait_background(0.0)  # the parent's reversal is held at the gateway
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child reports through its exit code
        code = 1
        try:
            started = time.monotonic()
            code = 0 if _native._wait_background(10.0) and time.monotonic() - started < 1 else 2
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
    _wait_closed(sandbox, args["order_id"])  # and the parent's own reversal did finish
