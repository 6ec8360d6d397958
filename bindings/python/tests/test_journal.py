"""The journal from Python (docs/journal.md): calls recorded before they are sent, what
`in_doubt()` and `recover()` give back, `webhook_seen` once across threads, and a crash
test: workers SIGKILLed mid-call, then recoverers settling everything exactly once, checked
against the sandbox's ledger. SQLite always; PostgreSQL when the test command provides a
server (TRADEPAY_TEST_POSTGRES and TRADEPAY_TEST_PSQL)."""

from __future__ import annotations

import json
import os
import pathlib
import random
import re
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from typing import Iterator, List, Set, Tuple

import pytest

import tradepay
from conftest import CARD_OK, new_id

WINDOW = 2.0
KILLS = 20
CHILD = pathlib.Path(__file__).with_name("journal_child.py")


def psql(url: str, sql: str) -> str:
    out = subprocess.run(
        [os.environ["TRADEPAY_TEST_PSQL"], "-X", "-q", "-At", "-d", url, "-c", sql],
        check=True, capture_output=True, text=True,
    )
    return out.stdout


def postgres_database(name: str) -> str:
    base = os.environ["TRADEPAY_TEST_POSTGRES"]
    db = f"tp_py_{name}_{os.getpid()}"
    psql(base, f"DROP DATABASE IF EXISTS {db}")
    psql(base, f"CREATE DATABASE {db}")
    return f"{base.rsplit('/', 1)[0]}/{db}"


HAS_POSTGRES = bool(os.environ.get("TRADEPAY_TEST_POSTGRES") and os.environ.get("TRADEPAY_TEST_PSQL"))
BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.skipif(
    not HAS_POSTGRES, reason="no PostgreSQL server (cargo xtask test starts one)"))]


@pytest.fixture
def windowed() -> Iterator[tradepay.Sandbox]:
    with tradepay.Sandbox(timestamp_window=WINDOW) as sb:
        yield sb


def journal_url(backend: str, tmp_path: pathlib.Path, name: str) -> str:
    if backend == "sqlite":
        return f"sqlite://{tmp_path / 'journal.db'}"
    # A short lease, so that a killed worker's operations can be taken over soon.
    return postgres_database(name) + "?lease_ms=1000"


def journaled(sb: tradepay.Sandbox, url: str, **options: object) -> tradepay.Client:
    return tradepay.Client(base_url=sb.url, access_no=sb.access_no, secret=sb.secret,
                           journal=url, replay_window=WINDOW, **options)  # type: ignore[arg-type]


def journal_rows(url: str) -> List[Tuple[str, str, str, str, str]]:
    """(kind, order_id, refund_id, payment_method, state) of every operation."""
    sql = "SELECT kind, coalesce(order_id, ''), coalesce(refund_id, ''), coalesce(payment_method, ''), state FROM {}"
    if url.startswith("sqlite://"):
        with sqlite3.connect(url[len("sqlite://"):]) as db:
            return [tuple(r) for r in db.execute(sql.format("operations"))]  # type: ignore[misc]
    out = psql(url.split("?")[0], sql.format("tradepay_operations"))
    return [tuple(line.split("|")) for line in out.splitlines() if line]  # type: ignore[misc]


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_charge_whose_answer_was_lost_is_in_doubt_then_recovered(
    windowed: tradepay.Sandbox, tmp_path: pathlib.Path, backend: str
) -> None:
    url = journal_url(backend, tmp_path, "lost")
    c = journaled(windowed, url, max_retries=0)
    oid = new_id()
    windowed.set_faults([{"kind": "close_after_commit", "trans_type": "PAY", "count": 1}])
    with pytest.raises(tradepay.NetworkError) as lost:
        c.pay(merchant_id="m_1", order_id=oid, amount="10.00", currency="USD",
              payment_method="card", payment_method_data=CARD_OK, return_url="https://shop.example/back")
    assert lost.value.outcome_unknown
    [entry] = c.in_doubt()
    assert (entry["kind"], entry["order_id"], entry["payment_method"], entry["amount"]) == (
        "PAY", oid, "card", "10.00")
    assert len(entry["attempt_timestamps"]) == 1 and entry["owner"]["pid"] == os.getpid()
    assert "4242424242424242" not in json.dumps(entry)
    # This process's own call has ended, so this process may settle it.
    [r] = c.recover()
    assert r["status"] == "settled" and r["entry"]["id"] == entry["id"]
    assert isinstance(r["trade"], tradepay.Trade) and r["trade"].status == "SUCCESS"
    assert r["refund"] is None and r["not_processed"] is None and r["retry_at"] is None
    assert c.in_doubt() == [] and c.recover() == []


def test_not_found_stays_in_doubt_until_the_window_has_passed(
    windowed: tradepay.Sandbox, tmp_path: pathlib.Path
) -> None:
    c = journaled(windowed, f"sqlite://{tmp_path / 'j.db'}", max_retries=0)
    windowed.set_faults([{"kind": "close_before", "trans_type": "PAY", "count": 1}])
    # The connection closes once the request is sent: the gateway never saw it, but the
    # client cannot know that.
    with pytest.raises(tradepay.NetworkError) as lost:
        c.pay(merchant_id="m_1", order_id=new_id(), amount="1.00", currency="USD", payment_method="qr")
    assert lost.value.outcome_unknown
    [r] = c.recover()
    assert r["status"] == "in_doubt", r and r["retry_at"] >= int(time.time()) and r["reason"]
    time.sleep(WINDOW + 1.2)
    [r] = c.recover()
    assert r["status"] == "settled" and r["not_processed"]["code"] == "30000001"  # type: ignore[index]


def test_the_async_client_has_the_same_journal_methods(windowed: tradepay.Sandbox, tmp_path: pathlib.Path) -> None:
    import asyncio

    async def main() -> None:
        async with tradepay.AsyncClient(base_url=windowed.url, access_no=windowed.access_no,
                                        secret=windowed.secret, journal=str(tmp_path / "a.db")) as c:
            await c.pay(merchant_id="m_1", order_id=new_id(), amount="1.00", currency="USD", payment_method="qr")
            assert await c.in_doubt() == [] and await c.recover() == []
            assert await c.webhook_seen("evt_a") is False and await c.webhook_seen("evt_a") is True

    asyncio.run(main())


@pytest.mark.parametrize("backend", BACKENDS)
def test_webhook_seen_is_true_for_all_but_one_of_concurrent_duplicates(
    windowed: tradepay.Sandbox, tmp_path: pathlib.Path, backend: str
) -> None:
    url = journal_url(backend, tmp_path, "seen")
    clients = [journaled(windowed, url) for _ in range(2)]
    event = tradepay._native._event_from_dict({"id": "msg_" + uuid.uuid4().hex, "type": "trade.succeeded",
                                               "timestamp": "2026-12-03T00:00:00Z", "data": {"status": "SUCCESS"}})
    seen: List[bool] = []
    barrier = threading.Barrier(8)

    def deliver(i: int) -> None:
        barrier.wait()
        seen.append(clients[i % 2].webhook_seen(event))

    threads = [threading.Thread(target=deliver, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(seen) == [False] + [True] * 7


def test_journal_errors_are_validation_errors_naming_the_option(
    sandbox: tradepay.Sandbox, tmp_path: pathlib.Path
) -> None:
    plain = tradepay.Client(base_url=sandbox.url, access_no=sandbox.access_no, secret=sandbox.secret)
    for method in (plain.in_doubt, plain.recover, lambda: plain.webhook_seen("e")):
        with pytest.raises(tradepay.ValidationError, match="no journal is configured") as e:
            method()
        assert e.value.field == "journal"
    corrupt = tmp_path / "corrupt.db"
    corrupt.write_bytes(b"this is not a database" * 100)
    for bad, message in [(corrupt, "not a readable SQLite database"), (tmp_path / "no" / "dir.db", "cannot open")]:
        with pytest.raises(tradepay.ValidationError, match=message):
            tradepay.Client(base_url=sandbox.url, access_no=sandbox.access_no, secret=sandbox.secret, journal=str(bad))
    with pytest.raises(tradepay.ValidationError, match="journal: must be a string"):
        tradepay.Client(base_url=sandbox.url, access_no=sandbox.access_no, secret=sandbox.secret, journal=3)  # type: ignore[arg-type]
    c = tradepay.Client(base_url=sandbox.url, access_no=sandbox.access_no, secret=sandbox.secret,
                        journal=str(tmp_path / "ok.db"))
    for bad in (3, b"msg_1", float("nan"), {"type": "trade.succeeded"}):
        with pytest.raises(tradepay.ValidationError, match="^event: must be a webhook event"):
            c.webhook_seen(bad)  # type: ignore[arg-type]


class CountingProxy:
    """Forwards TCP to the sandbox and counts the transType of every request through it."""

    def __init__(self, target: str) -> None:
        host, port = target.removeprefix("http://").rsplit(":", 1)
        self.target = (host, int(port))
        self.counts: Counter[str] = Counter()
        self.lock = threading.Lock()
        self.server = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.server.getsockname()[1]}"
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self) -> None:
        while True:
            try:
                inbound, _ = self.server.accept()
            except OSError:
                return
            outbound = socket.create_connection(self.target)
            threading.Thread(target=self.pipe, args=(inbound, outbound, True), daemon=True).start()
            threading.Thread(target=self.pipe, args=(outbound, inbound, False), daemon=True).start()

    def pipe(self, src: socket.socket, dst: socket.socket, count: bool) -> None:
        seen = b""
        try:
            while data := src.recv(16384):
                if count:
                    seen += data
                    found = re.findall(rb'"transType":"([A-Z_]+)"', seen)
                    if found:
                        with self.lock:
                            self.counts.update(f.decode() for f in found)
                        seen = seen[seen.rindex(b'"transType":"') + 13:]
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_WR)
                except OSError:
                    pass


def crash_and_recover(backend: str, tmp_path: pathlib.Path, recoverers: int) -> None:
    sb = tradepay.Sandbox(timestamp_window=WINDOW)
    url = journal_url(backend, tmp_path, "crash")
    sb.set_faults([
        {"kind": "delay", "probability": 0.3, "seed": 1, "delay_ms": 250},
        {"kind": "close_after_commit", "probability": 0.1, "seed": 2},
        {"kind": "channel_timeout", "probability": 0.05, "seed": 3},
        {"kind": "close_before", "probability": 0.05, "seed": 4},
    ])
    env = dict(os.environ, TP_ACCESS=sb.access_no, TP_SECRET=sb.secret, TP_WINDOW=str(WINDOW))

    def spawn(role: str, target: str) -> subprocess.Popen[str]:
        # Only the workers' lease is short (so that their operations can be taken over);
        # a recoverer keeps the default, so a slow one is not taken over mid-settlement.
        journal = url if role == "worker" else url.split("?")[0]
        return subprocess.Popen([sys.executable, str(CHILD), role], env=dict(env, TP_URL=target, TP_JOURNAL=journal),
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)

    rng = random.Random()
    for _ in range(KILLS):
        worker = spawn("worker", sb.url)
        assert worker.stdout is not None and worker.stdout.readline() == "ready\n"
        time.sleep(rng.uniform(0.2, 0.9))
        worker.kill()  # SIGKILL
        worker.wait()
    sb.clear_faults()
    before = journal_rows(url)
    in_doubt_before = [r for r in before if r[4] == "in_doubt"]
    assert in_doubt_before, "no worker was killed mid-call: the test proves nothing"

    # Past every deadline, lease and the replay window: everything can be settled now.
    time.sleep(WINDOW + 1.5)
    proxy = CountingProxy(sb.url)
    procs = [spawn("recoverer", proxy.url) for _ in range(recoverers)]
    settled_by: List[Set[Tuple[str, str]]] = []
    for p in procs:
        out, _ = p.communicate(timeout=120)
        assert p.returncode == 0
        lines = [json.loads(line) for line in out.splitlines()]
        left = [r for r in lines if r["status"] == "in_doubt"]
        assert not left, f"left in doubt after the window: {left}"
        settled_by.append({(r["id"], r["kind"]) for r in lines if r["status"] == "settled"})
    settled: Set[Tuple[str, str]] = set()
    for mine in settled_by:
        assert not (settled & mine), f"settled twice: {settled & mine}"
        settled |= mine
    assert len(settled) == len(in_doubt_before), (len(settled), len(in_doubt_before))
    kinds = Counter(kind for _, kind in settled)
    # One QUERY per PAY or CLOSE settled, one REFUND_QUERY per REFUND: none twice; never a PAY.
    assert proxy.counts["QUERY"] == kinds["PAY"] + kinds["CLOSE"], (proxy.counts, kinds)
    assert proxy.counts["REFUND_QUERY"] == kinds["REFUND"], (proxy.counts, kinds)
    assert proxy.counts["PAY"] == 0 and proxy.counts["REFUND"] == 0, proxy.counts

    # Against the ledger.
    check = journaled(sb, url)
    assert check.in_doubt() == []
    after = journal_rows(url)
    known_orders = {r[1] for r in after if r[1]}
    known_refunds = {r[2] for r in after if r[2]}
    micropays = {r[1] for r in after if r[0] == "PAY" and r[3] == "micropay"}
    ledger = sb.ledger()
    assert len(ledger) > 20, f"too few orders to mean anything: {len(ledger)}"
    for e in ledger:
        assert e["charges"] <= 1, f"charged twice: {e}"
        assert e["order_id"] in known_orders, f"unknown to the journal: {e}"
        if e["order_id"] in micropays:
            assert e["status"] != "PENDING", f"micropay left pending: {e}"
    for r in sb.refunds():
        assert r.refund_id in known_refunds, f"refund unknown to the journal: {r}"
    print(f"crash test ({backend}): {len(ledger)} orders, {len(after)} operations journaled, "
          f"{len(in_doubt_before)} in doubt after {KILLS} kills, recovery sent {dict(proxy.counts)}")
    sb.close()


def test_killed_workers_leave_nothing_charged_twice_unknown_or_in_doubt_sqlite(tmp_path: pathlib.Path) -> None:
    crash_and_recover("sqlite", tmp_path, recoverers=2)


@pytest.mark.skipif(not HAS_POSTGRES, reason="no PostgreSQL server (cargo xtask test starts one)")
def test_killed_workers_leave_nothing_charged_twice_unknown_or_in_doubt_postgres(tmp_path: pathlib.Path) -> None:
    crash_and_recover("postgres", tmp_path, recoverers=4)
