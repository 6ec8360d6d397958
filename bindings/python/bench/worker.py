"""The Python side of `cargo xtask bench bindings`: the PAY+QUERY workload of
crates/tradepay/examples/bench_worker.rs (one PAY of a fresh QR order, then one QUERY of
it) against a sandbox in another process, so the CPU this process reports is the
binding's alone (its Rust runtime threads included). Prints one JSON line in the Rust
worker's format; nothing here asserts a time.

    worker.py --mode sync|asyncio --url U --access-no A --secret S
              --requests N --concurrency C --warmup W
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import itertools
import json
import os
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, Iterator

import tradepay

MERCHANT = "m_bench"


def rss_kib() -> int:
    # Collected first, so that growth means memory still held, not garbage awaiting a cycle.
    gc.collect()
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS in /proc/self/status")


def cpu_us() -> float:
    t = os.times()
    return (t.user + t.system) * 1e6


def run_sync(client: tradepay.Client, ids: Iterator[str], pairs: int, concurrency: int) -> None:
    def one(order_id: str) -> None:
        client.pay(merchant_id=MERCHANT, order_id=order_id, amount="1.00", currency="USD", payment_method="qr")
        client.query(merchant_id=MERCHANT, order_id=order_id)

    batch = [next(ids) for _ in range(pairs)]
    if concurrency == 1:
        for order_id in batch:
            one(order_id)
    else:
        with ThreadPoolExecutor(concurrency) as pool:
            list(pool.map(one, batch))


async def run_async(client: tradepay.AsyncClient, ids: Iterator[str], pairs: int, concurrency: int) -> None:
    batch = iter([next(ids) for _ in range(pairs)])

    async def worker() -> None:
        for order_id in batch:
            await client.pay(
                merchant_id=MERCHANT, order_id=order_id, amount="1.00", currency="USD", payment_method="qr"
            )
            await client.query(merchant_id=MERCHANT, order_id=order_id)

    await asyncio.gather(*[worker() for _ in range(concurrency)])


def report(requests: int, cpu0: float, wall: float, rss0: int) -> dict[str, float]:
    done = requests // 2 * 2
    return {
        "requests": done,
        "req_per_s": round(done / wall, 1),
        "cpu_us_per_req": round((cpu_us() - cpu0) / done, 2),
        "rss_warm_kib": rss0,
        "rss_end_kib": rss_kib(),
    }


def measure(run: Callable[[int], object], requests: int, warmup: int) -> dict[str, float]:
    run(warmup // 2)
    rss0, cpu0, wall0 = rss_kib(), cpu_us(), time.perf_counter()
    run(requests // 2)
    return report(requests, cpu0, time.perf_counter() - wall0, rss0)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--mode", choices=["sync", "asyncio"], required=True)
    for name in ("--url", "--access-no", "--secret"):
        p.add_argument(name, required=True)
    for name in ("--requests", "--concurrency", "--warmup"):
        p.add_argument(name, type=int, required=True)
    a = p.parse_args()
    # Distinct per run, so that rounds against one sandbox never reuse an order id.
    prefix = f"py{os.getpid()}_{a.mode}_{a.concurrency}"
    ids = (f"{prefix}_{i}" for i in itertools.count())
    if a.mode == "sync":
        with tradepay.Client(base_url=a.url, access_no=a.access_no, secret=a.secret) as client:
            result = measure(lambda n: run_sync(client, ids, n, a.concurrency), a.requests, a.warmup)
    else:

        async def go() -> dict[str, float]:
            client = tradepay.AsyncClient(base_url=a.url, access_no=a.access_no, secret=a.secret)
            try:
                # The warm-up and the measured run share one event loop, as a server's do.
                await run_async(client, ids, a.warmup // 2, a.concurrency)
                rss0, cpu0, wall0 = rss_kib(), cpu_us(), time.perf_counter()
                await run_async(client, ids, a.requests // 2, a.concurrency)
                return report(a.requests, cpu0, time.perf_counter() - wall0, rss0)
            finally:
                client.close()

        result = asyncio.run(go())
    print(json.dumps(result, separators=(",", ":")), flush=True)


if __name__ == "__main__":
    main()
