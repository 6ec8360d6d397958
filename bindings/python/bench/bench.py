"""Benchmark: the tradepay package against pure-Python clients of the same protocol.

The baselines sign with hmac and encode with the stdlib json, over requests and httpx (sync)
and aiohttp (async): the smallest correct client a Python shop would write (they verify the
response signature too, but do no validation or retries). Every client sends QUERY for the
same order to one sandbox running in its own process, so this process's CPU time is the
client's alone. Prints requests per second and client CPU per request, single-threaded and
64 concurrent, and the ratios. Nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import hmac
import json
import os
import secrets
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Awaitable, Callable, Dict, List, Tuple

import aiohttp
import httpx
import requests

import tradepay

MERCHANT = "m_bench"
ORDER = "o_bench_1"


class Creds:
    def __init__(self, url: str, access_no: str, secret: str) -> None:
        self.url, self.access_no, self.secret = url, access_no, secret
        self.endpoint = url.rstrip("/") + "/v1/gateway"
        self.key = secret.encode()


def build(creds: Creds, data: Dict[str, str]) -> Tuple[bytes, Dict[str, str]]:
    body = json.dumps(
        {
            "transType": "QUERY",
            "accessNo": creds.access_no,
            "timestamp": int(time.time()),
            "nonce": secrets.token_hex(16),
            "data": data,
        },
        separators=(",", ":"),
    ).encode()
    sig = base64.b64encode(hmac.new(creds.key, body, hashlib.sha256).digest()).decode()
    return body, {"Content-Type": "application/json", "X-Signature": sig}


def read(creds: Creds, status: int, body: bytes, signature: str) -> Dict[str, Any]:
    want = base64.b64encode(hmac.new(creds.key, body, hashlib.sha256).digest()).decode()
    if status != 200 or not hmac.compare_digest(want, signature):
        raise RuntimeError(f"bad answer: HTTP {status}")
    envelope = json.loads(body)
    if envelope["code"] != "00000000":
        raise RuntimeError(f"gateway code {envelope['code']}")
    data: Dict[str, Any] = envelope["data"]
    return data


DATA = {"merchant_id": MERCHANT, "order_id": ORDER}


def requests_client(creds: Creds) -> Callable[[], Any]:
    session = requests.Session()

    def call() -> Any:
        body, headers = build(creds, DATA)
        r = session.post(creds.endpoint, data=body, headers=headers)
        return read(creds, r.status_code, r.content, r.headers.get("X-Signature", ""))

    return call


def httpx_client(creds: Creds) -> Callable[[], Any]:
    client = httpx.Client(limits=httpx.Limits(max_connections=128, max_keepalive_connections=128))

    def call() -> Any:
        body, headers = build(creds, DATA)
        r = client.post(creds.endpoint, content=body, headers=headers)
        return read(creds, r.status_code, r.content, r.headers.get("X-Signature", ""))

    return call


def tradepay_client(creds: Creds) -> Callable[[], Any]:
    client = tradepay.Client(base_url=creds.url, access_no=creds.access_no, secret=creds.secret)

    def call() -> Any:
        return client.query(merchant_id=MERCHANT, order_id=ORDER)

    return call


def measure_sync(call: Callable[[], Any], seconds: float, threads: int) -> Tuple[float, float]:
    for _ in range(50):
        call()
    stop = time.perf_counter() + seconds
    counts = [0] * threads

    def worker(i: int) -> None:
        n = 0
        while time.perf_counter() < stop:
            call()
            n += 1
        counts[i] = n

    cpu0, wall0 = os.times(), time.perf_counter()
    if threads == 1:
        worker(0)
    else:
        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(worker, range(threads)))
    cpu1, wall1 = os.times(), time.perf_counter()
    total = sum(counts)
    cpu = (cpu1.user - cpu0.user) + (cpu1.system - cpu0.system)
    return total / (wall1 - wall0), cpu / total * 1e6


async def measure_async(
    make: Callable[[], Awaitable[Tuple[Callable[[], Awaitable[Any]], Callable[[], Awaitable[None]]]]],
    seconds: float,
    concurrency: int,
) -> Tuple[float, float]:
    call, close = await make()
    try:
        await asyncio.gather(*[call() for _ in range(min(concurrency, 50))])
        stop = time.perf_counter() + seconds
        counts = [0] * concurrency

        async def worker(i: int) -> None:
            n = 0
            while time.perf_counter() < stop:
                await call()
                n += 1
            counts[i] = n

        cpu0, wall0 = os.times(), time.perf_counter()
        await asyncio.gather(*[worker(i) for i in range(concurrency)])
        cpu1, wall1 = os.times(), time.perf_counter()
    finally:
        await close()
    total = sum(counts)
    cpu = (cpu1.user - cpu0.user) + (cpu1.system - cpu0.system)
    return total / (wall1 - wall0), cpu / total * 1e6


def aiohttp_maker(creds: Creds) -> Callable[[], Awaitable[Any]]:
    async def make() -> Any:
        session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=128))

        async def call() -> Any:
            body, headers = build(creds, DATA)
            async with session.post(creds.endpoint, data=body, headers=headers) as r:
                raw = await r.read()
                return read(creds, r.status, raw, r.headers.get("X-Signature", ""))

        return call, session.close

    return make


def tradepay_async_maker(creds: Creds) -> Callable[[], Awaitable[Any]]:
    async def make() -> Any:
        client = tradepay.AsyncClient(base_url=creds.url, access_no=creds.access_no, secret=creds.secret)

        def call() -> Awaitable[Any]:
            return client.query(merchant_id=MERCHANT, order_id=ORDER)

        async def close() -> None:
            client.close()

        return call, close

    return make


def start_sandbox(binary: str) -> Tuple[subprocess.Popen[str], Creds]:
    proc = subprocess.Popen([binary], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    line = json.loads(proc.stdout.readline())
    return proc, Creds(line["url"], line["access_no"], line["secret"])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sandbox", required=True, help="path of the tradepay-sandbox binary")
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()
    proc, creds = start_sandbox(args.sandbox)
    try:
        with tradepay.Client(base_url=creds.url, access_no=creds.access_no, secret=creds.secret) as c:
            c.pay(merchant_id=MERCHANT, order_id=ORDER, amount="1", currency="USD", payment_method="qr")
        rows: List[Tuple[str, str, float, float]] = []

        def run_sync(name: str, factory: Callable[[Creds], Callable[[], Any]], threads: int) -> None:
            rate, cpu = measure_sync(factory(creds), args.seconds, threads)
            rows.append((f"{threads} thread(s)" if threads > 1 else "single-threaded", name, rate, cpu))
            print(f"  {rows[-1][0]:<16} {name:<18} {rate:>9.0f} req/s  {cpu:>7.1f} µs CPU/req", flush=True)

        def run_async(name: str, maker: Callable[[], Awaitable[Any]], conc: int) -> None:
            rate, cpu = asyncio.run(measure_async(maker, args.seconds, conc))  # type: ignore[arg-type]
            label = "asyncio x1" if conc == 1 else f"asyncio x{conc}"
            rows.append((label, name, rate, cpu))
            print(f"  {label:<16} {name:<18} {rate:>9.0f} req/s  {cpu:>7.1f} µs CPU/req", flush=True)

        print(f"sandbox {creds.url} (separate process); {args.seconds:.0f} s per run; QUERY of one order")
        for threads in (1, 64):
            run_sync("tradepay.Client", tradepay_client, threads)
            run_sync("requests", requests_client, threads)
            run_sync("httpx", httpx_client, threads)
        for conc in (1, 64):
            run_async("tradepay.AsyncClient", tradepay_async_maker(creds), conc)
            run_async("aiohttp", aiohttp_maker(creds), conc)

        by = {(r[0], r[1]): (r[2], r[3]) for r in rows}
        print("\nratios (tradepay / baseline): requests per second, and baseline CPU / tradepay CPU per request")
        for label, ours, theirs in [
            ("single-threaded", "tradepay.Client", "requests"),
            ("single-threaded", "tradepay.Client", "httpx"),
            ("64 thread(s)", "tradepay.Client", "requests"),
            ("64 thread(s)", "tradepay.Client", "httpx"),
            ("asyncio x1", "tradepay.AsyncClient", "aiohttp"),
            ("asyncio x64", "tradepay.AsyncClient", "aiohttp"),
        ]:
            (r1, c1), (r2, c2) = by[(label, ours)], by[(label, theirs)]
            print(f"  {label:<16} {ours} vs {theirs:<9} {r1 / r2:5.2f}x req/s   {c2 / c1:5.2f}x less CPU/req")
    finally:
        proc.terminate()
        proc.wait()


if __name__ == "__main__":
    main()
