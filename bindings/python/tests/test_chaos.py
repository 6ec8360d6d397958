"""Chaos through the installed package: TRADEPAY_CHAOS_OPS orders (default 2000), each a
short story of PAY (card, QR, micropay), REFUND, REVERSAL, CLOSE and wait_final, while
about a fifth of all requests meet a seeded fault of every kind on every transType.

The application behaves as the docs say it should: an answer is final; an error whose
outcome is unknown is followed by the same call again (same order_id / refund_id, so it can
never charge or refund twice) until a definitive answer; an error that says the request was
not processed (`outcome_unknown` false) is believed, and the story stops there. Afterwards
the sandbox's own ledger must agree with everything the caller was told."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import time
from typing import Any, Awaitable, Callable, Dict, List, Optional, Set

import tradepay
from conftest import CARD_DECLINED, CARD_OK, RETURN_URL, make_async

OPS = int(os.environ.get("TRADEPAY_CHAOS_OPS", "2000"))
CONCURRENCY = 64
MERCHANT = "m_pychaos"
KINDS = [
    "close_before",
    "close_after_commit",
    "http_503",
    "http_429",
    "busy",
    "delay",
    "truncate",
    "bad_signature",
    "no_signature",
    "channel_timeout",
]
# Ten kinds at 2.2% each on every request: 1 - 0.978^10 ≈ 20% of requests meet a fault.
PROBABILITY = 0.022
# What a definitive answer may never be in this run: the requests are all valid.
DEFINITIVE = (tradepay.ValidationError, tradepay.AuthenticationError, tradepay.InvalidRequestError, tradepay.BusinessError)


class NotProcessed(Exception):
    """The SDK said the request was not processed; the story believes it and stops."""

    def __init__(self, error: tradepay.TradepayError) -> None:
        super().__init__(str(error))
        self.error = error


@dataclasses.dataclass
class Story:
    order_id: str
    kind: str
    amount: str
    calls: int = 0
    unknown: int = 0
    seen: List[str] = dataclasses.field(default_factory=list)  # statuses the caller was given
    pay_not_processed: bool = False
    refund_id: Optional[str] = None
    refund_not_processed: bool = False
    refund_seen: Optional[str] = None
    reversal_not_processed: bool = False
    close_not_processed: bool = False
    after_close_not_processed: Optional[str] = None  # the order's status the gateway then gave


async def until_known(story: Story, call: Callable[[], Awaitable[Any]]) -> Any:
    # "Not processed" speaks for the call that says it. Once an earlier call of the same
    # operation may have been processed, a later refusal (a 429, a busy gateway) leaves the
    # operation unknown, and the caller sends it again with the same id.
    maybe_processed = False
    for _ in range(40):
        story.calls += 1
        try:
            return await call()
        except DEFINITIVE as e:
            raise AssertionError(f"{story.order_id}: unexpected definitive error {e!r}") from e
        except tradepay.TimeoutError as e:
            if e.trade is not None and not e.outcome_unknown:
                # wait_final ran out of time: the order is as .trade shows; ask again.
                story.unknown += 1
                continue
            maybe_processed = maybe_processed or e.outcome_unknown
            story.unknown += 1
        except tradepay.TradepayError as e:
            if not e.outcome_unknown and not maybe_processed:
                raise NotProcessed(e) from e
            maybe_processed = True
            story.unknown += 1
        await asyncio.sleep(0.01)
    raise AssertionError(f"{story.order_id}: no definitive answer after 40 calls")


def story_for(i: int) -> Story:
    kinds = ["card", "card_refund", "card_reversal", "declined", "qr_wait", "qr_close", "micropay", "micropay_failed"]
    return Story(order_id=f"pychaos_{i:06d}", kind=kinds[i % len(kinds)], amount=f"{5 + i % 90}.{i % 100:02d}")


async def run_story(c: tradepay.AsyncClient, sb: tradepay.Sandbox, story: Story) -> None:
    o, amount = story.order_id, story.amount

    def card(number: Dict[str, Dict[str, str]]) -> Callable[[], Awaitable[tradepay.Trade]]:
        return lambda: c.pay(
            merchant_id=MERCHANT, order_id=o, amount=amount, currency="USD", payment_method="card",
            return_url=RETURN_URL, payment_method_data=number,
        )

    try:
        if story.kind in ("card", "card_refund", "card_reversal", "declined"):
            trade = await until_known(story, card(CARD_DECLINED if story.kind == "declined" else CARD_OK))
        elif story.kind in ("qr_wait", "qr_close"):
            trade = await until_known(
                story, lambda: c.pay(merchant_id=MERCHANT, order_id=o, amount=amount, currency="USD", payment_method="qr")
            )
        else:
            code = "1357246802" if story.kind == "micropay_failed" else "1357246804"
            trade = await until_known(
                story,
                lambda: c.micropay(merchant_id=MERCHANT, order_id=o, amount=amount, currency="USD", auth_code=code, deadline=10),
            )
    except NotProcessed:
        story.pay_not_processed = True
        return
    story.seen.append(str(trade.status))
    trade_id = trade.trade_id
    try:
        if story.kind == "card_refund" and trade.status == "SUCCESS":
            story.refund_id = f"r_{o}"
            try:
                refund = await until_known(
                    story,
                    lambda: c.refund(merchant_id=MERCHANT, order_id=o, refund_id=f"r_{o}", amount="1.00"),
                )
                story.refund_seen = str(refund.status)
            except NotProcessed:
                story.refund_not_processed = True
        elif story.kind == "card_reversal" and trade.status == "SUCCESS":
            try:
                t = await until_known(story, lambda: c.reverse(merchant_id=MERCHANT, trade_id=trade_id))
                story.seen.append(str(t.status))
            except NotProcessed:
                story.reversal_not_processed = True
        elif story.kind == "qr_wait":
            await asyncio.to_thread(sb.complete, trade_id, "succeeded")
            t = await until_known(story, lambda: c.wait_final(merchant_id=MERCHANT, trade_id=trade_id, timeout=5))
            story.seen.append(str(t.status))
        elif story.kind == "qr_close":
            close = lambda: c.close_order(merchant_id=MERCHANT, order_id=o)  # noqa: E731
            try:
                t = await until_known(story, close)
            except NotProcessed:
                story.close_not_processed = True
                # Believed: the order must still be open. Then closed for good, so that
                # every order ends final.
                q = await until_known(story, lambda: c.query(merchant_id=MERCHANT, order_id=o))
                story.after_close_not_processed = str(q.status)
                t = await until_known(story, close)
            story.seen.append(str(t.status))
    except NotProcessed as e:  # wait_final only queries: "not processed" changes nothing
        story.seen.append(f"not processed: {e}")


def test_chaos(sandbox: tradepay.Sandbox) -> None:
    sandbox.set_faults(
        [
            {"kind": kind, "probability": PROBABILITY, "seed": 7000 + n, "delay_ms": 30, "retry_after": 0}
            for n, kind in enumerate(KINDS)
        ]
    )
    stories = [story_for(i) for i in range(OPS)]

    async def main() -> None:
        gate = asyncio.Semaphore(CONCURRENCY)
        async with make_async(sandbox, timeout=2.0, max_retries=2) as c:

            async def one(story: Story) -> None:
                async with gate:
                    await run_story(c, sandbox, story)

            await asyncio.gather(*(one(s) for s in stories))

    started = time.monotonic()
    try:
        asyncio.run(main())
    finally:
        sandbox.clear_faults()
    elapsed = time.monotonic() - started

    ledger = {e["order_id"]: e for e in sandbox.ledger() if e["merchant_id"] == MERCHANT}
    refunds: Dict[str, List[tradepay.Refund]] = {}
    for r in sandbox.refunds():
        if r.order_id in ledger:
            refunds.setdefault(r.refund_id or "", []).append(r)
    problems: List[str] = []

    def check(ok: bool, story: Story, what: str) -> None:
        if not ok:
            problems.append(f"{story.order_id} ({story.kind}): {what}; seen {story.seen}, ledger {ledger.get(story.order_id)}")

    for story in stories:
        entry = ledger.get(story.order_id)
        if story.pay_not_processed:
            check(entry is None, story, "told 'not processed', yet the gateway has the order")
            continue
        check(entry is not None, story, "an order the caller was given is missing")
        if entry is None:
            continue
        check(entry["status"] in ("SUCCESS", "FAILED", "CLOSED"), story, "not final")
        check(entry["charges"] <= 1, story, "charged twice")
        check(float(entry["refunded"]) <= float(entry["amount"]), story, "refunded more than paid")
        if "SUCCESS" in story.seen:
            check(entry["charges"] == 1, story, "a success the caller saw was not charged")
        if story.kind == "declined":
            check(entry["status"] == "FAILED" and entry["charges"] == 0, story, "a decline charged")
        if story.kind in ("card", "micropay", "qr_wait"):
            check(entry["status"] == "SUCCESS" and story.seen[-1] == "SUCCESS", story, "should have succeeded")
        if story.kind == "micropay_failed":
            check(entry["status"] == "FAILED" and entry["charges"] == 0, story, "a failed micropay charged")
        if story.kind == "card_refund" and story.refund_id:
            mine = refunds.get(story.refund_id, [])
            if story.refund_not_processed:
                check(mine == [], story, "refund told 'not processed', yet it exists")
            else:
                check(len(mine) == 1 and mine[0].status == "SUCCESS", story, f"refund not exactly once: {mine}")
                check(entry["refunded"] == "1.00", story, "refunded total is not the one refund")
        if story.kind == "card_reversal" and "SUCCESS" in story.seen:
            if story.reversal_not_processed:
                check(entry["status"] == "SUCCESS" and entry["refunded"] == "0.00", story, "reversal told 'not processed', yet done")
            else:
                check(entry["status"] == "CLOSED" and entry["refunded"] == entry["amount"], story, "reversal not complete")
        if story.kind == "qr_close":
            if story.close_not_processed:
                check(story.after_close_not_processed == "PENDING", story, "close told 'not processed', yet closed")
            check(entry["status"] == "CLOSED", story, "close not done")
    known = {s.order_id for s in stories}
    invented: Set[str] = set(ledger) - known
    calls = sum(s.calls for s in stories)
    unknown = sum(s.unknown for s in stories)
    not_processed = sum(s.pay_not_processed + s.refund_not_processed + s.reversal_not_processed + s.close_not_processed for s in stories)
    print(
        f"\npython chaos: {OPS} orders, {calls} calls, {unknown} outcome-unknown errors retried, "
        f"{not_processed} 'not processed' believed, {len(problems)} problems, {elapsed:.1f} s"
    )
    assert not invented, f"orders nobody asked for: {sorted(invented)[:5]}"
    assert not problems, f"{len(problems)} problems, first ones:\n" + "\n".join(problems[:15])
    assert unknown + not_processed > 0, "the faults must have fired"
