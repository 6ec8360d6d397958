"""Concurrency, the GIL, cancellation, fork and logging."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import threading
import time

import pytest

import tradepay
from conftest import make_async, new_id, pay_card


def test_500_concurrent_asyncio_pays(sandbox: tradepay.Sandbox) -> None:
    async def main() -> list:
        async with make_async(sandbox) as c:
            return await asyncio.gather(
                *[
                    c.pay(merchant_id="m_async", order_id=new_id(), amount="1", currency="USD", payment_method="qr")
                    for _ in range(500)
                ]
            )

    trades = asyncio.run(main())
    assert len({t.trade_id for t in trades}) == 500
    assert all(t.status is tradepay.Status.PENDING for t in trades)


def test_8_threads_share_one_client(client: tradepay.Client) -> None:
    results: list = []
    errors: list = []

    def work() -> None:
        try:
            for _ in range(20):
                results.append(pay_card(client).status)
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert results == [tradepay.Status.SUCCESS] * 160


def test_the_gil_is_released_while_a_request_waits(sandbox: tradepay.Sandbox, client: tradepay.Client) -> None:
    sandbox.set_faults([{"kind": "delay", "trans_type": "QUERY", "delay_ms": 1500, "count": 1}])
    trade = pay_card(client)
    done = threading.Event()
    ticks_during = 0

    def slow_query() -> None:
        client.query(merchant_id="m_1", order_id=trade.order_id)
        done.set()

    worker = threading.Thread(target=slow_query)
    worker.start()
    # Pure-Python work in this thread can only progress if the waiting call let go of the GIL.
    while not done.is_set():
        ticks_during += 1
        time.sleep(0.001)
    worker.join()
    assert ticks_during > 50


def test_cancelling_a_task_cancels_its_request(sandbox: tradepay.Sandbox) -> None:
    sandbox.set_faults([{"kind": "delay", "trans_type": "QUERY", "delay_ms": 30000, "count": 1}])

    async def main() -> None:
        async with make_async(sandbox) as c:
            task = asyncio.ensure_future(c.query(merchant_id="m_1", order_id="o_cancel"))
            await asyncio.sleep(0.2)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                # Liveness bound far below the 30 s the sandbox would take to answer.
                await asyncio.wait_for(task, timeout=10)
            sandbox.clear_faults()
            with pytest.raises(tradepay.BusinessError):
                await c.query(merchant_id="m_1", order_id=new_id())

    asyncio.run(main())


def test_keyboard_interrupt_stops_a_blocking_call(sandbox: tradepay.Sandbox, client: tradepay.Client) -> None:
    sandbox.set_faults([{"kind": "delay", "trans_type": "QUERY", "delay_ms": 30000, "count": 1}])
    timer = threading.Timer(0.3, lambda: os.kill(os.getpid(), signal.SIGINT))
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        client.query(merchant_id="m_1", order_id="o_interrupt")
    timer.join()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
# Python 3.12+ warns that forking a threaded process may deadlock: that is what this checks.
@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
def test_fork_child_can_use_old_and_new_clients(sandbox: tradepay.Sandbox, client: tradepay.Client) -> None:
    pay_card(client)  # the parent's runtime and pool are in use before the fork
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child reports through its exit code
        code = 1
        try:
            fresh = tradepay.Client(base_url=sandbox.url, access_no=sandbox.access_no, secret=sandbox.secret)
            ok = pay_card(fresh).status == "SUCCESS" and pay_card(client).status == "SUCCESS"
            try:
                sandbox.ledger()
            except tradepay.ValidationError as e:
                ok = ok and "fork" in str(e)
            code = 0 if ok else 2
        finally:
            os._exit(code)
    deadline = time.monotonic() + 60
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            pytest.fail("the forked child hung")
        time.sleep(0.05)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
    pay_card(client)  # and the parent still works


def test_tracing_reaches_python_logging(
    sandbox: tradepay.Sandbox, client: tradepay.Client, log_records: list
) -> None:
    records = log_records
    sandbox.set_faults([{"kind": "http_503", "trans_type": "PAY", "count": 1}])
    pay_card(client)
    retrying = [r for r in records if "retrying" in r.getMessage()]
    assert retrying and retrying[0].levelno == logging.DEBUG
    assert retrying[0].name == "tradepay"
    # The span of the call gives the context: which operation, which order.
    assert "trans_type=PAY" in retrying[0].getMessage()


class _NoReaderLoop(asyncio.SelectorEventLoop):
    """A loop that cannot watch file descriptors, like Windows' proactor loop."""

    def add_reader(self, *args: object) -> None:  # type: ignore[override]
        raise NotImplementedError


def test_async_fallback_for_loops_without_add_reader(sandbox: tradepay.Sandbox) -> None:
    sandbox.set_faults([{"kind": "delay", "trans_type": "QUERY", "delay_ms": 30000, "count": 1}])

    async def main() -> None:
        async with make_async(sandbox) as c:
            slow = asyncio.ensure_future(c.query(merchant_id="m_1", order_id="o_cancel_fallback"))
            await asyncio.sleep(0.2)
            slow.cancel()
            with pytest.raises(asyncio.CancelledError):
                await asyncio.wait_for(slow, timeout=10)
            sandbox.clear_faults()
            trades = await asyncio.gather(
                *[c.pay(merchant_id="m_1", order_id=new_id(), amount="1", currency="USD", payment_method="qr") for _ in range(20)]
            )
            assert all(t.status is tradepay.Status.PENDING for t in trades)
            with pytest.raises(tradepay.BusinessError):
                await c.query(merchant_id="m_1", order_id=new_id())

    loop = _NoReaderLoop()
    try:
        loop.run_until_complete(main())
        assert not hasattr(loop, "_tradepay_completer")
    finally:
        loop.close()


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc")
def test_event_loops_do_not_leak_descriptors(sandbox: tradepay.Sandbox) -> None:
    import gc

    async def one() -> None:
        async with make_async(sandbox) as c:
            await c.pay(merchant_id="m_1", order_id=new_id(), amount="1", currency="USD", payment_method="qr")

    asyncio.run(one())
    gc.collect()
    before = len(os.listdir("/proc/self/fd"))
    for _ in range(20):
        asyncio.run(one())
    gc.collect()
    # Pooled connections may come and go; 20 loops' pipes (40 descriptors) may not stay.
    assert len(os.listdir("/proc/self/fd")) < before + 20
