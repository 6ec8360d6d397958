"""The processes of test_journal.py's crash test: `worker` pays, refunds and reverses in a
loop until it is killed; `recoverer` settles the journal once and prints what it did as
JSON lines. Both read the sandbox and the journal from the environment."""

from __future__ import annotations

import json
import os
import sys
import threading

import tradepay

CARD = {"card": {"number": "4242424242424242", "exp_month": "12", "exp_year": "2030", "cvc": "123"}}


def client() -> tradepay.Client:
    return tradepay.Client(
        base_url=os.environ["TP_URL"],
        access_no=os.environ["TP_ACCESS"],
        secret=os.environ["TP_SECRET"],
        timeout=2,
        max_retries=2,
        journal=os.environ["TP_JOURNAL"],
        replay_window=float(os.environ["TP_WINDOW"]),
    )


def lane(c: tradepay.Client, number: int) -> None:
    run = os.getpid()
    n = 0
    while True:
        oid = f"o_{run}_{number}_{n}"
        step = n % 6
        n += 1
        try:
            if step == 0:
                c.pay(merchant_id="m_1", order_id=oid, amount="10.00", currency="USD",
                      payment_method="card", payment_method_data=CARD, return_url="https://shop.example/back")
                c.refund(merchant_id="m_1", order_id=oid, refund_id=f"r_{oid}", amount="3.00")
            elif step == 1:
                c.pay(merchant_id="m_1", order_id=oid, amount="4.00", currency="USD", payment_method="qr")
            elif step == 2:
                # Confirmed at once.
                c.micropay(merchant_id="m_1", order_id=oid, amount="2.00", currency="USD",
                           auth_code="134567890123456780", deadline=2)
            elif step == 3:
                # Never confirmed: reversed at its deadline, by the flow or by recovery.
                c.micropay(merchant_id="m_1", order_id=oid, amount="2.00", currency="USD",
                           auth_code="134567890123456783", deadline=0.6)
            elif step == 4:
                c.pay(merchant_id="m_1", order_id=oid, amount="6.00", currency="USD",
                      payment_method="card", payment_method_data=CARD, return_url="https://shop.example/back")
                c.reverse(merchant_id="m_1", order_id=oid)
            else:
                # Confirmed 2 s (sandbox clock) later.
                c.micropay(merchant_id="m_1", order_id=oid, amount="3.00", currency="USD",
                           auth_code="134567890123456781", deadline=1)
        except tradepay.TradepayError:
            pass


def worker() -> None:
    c = client()
    # A few calls at once, as a shop's server makes them.
    threads = [threading.Thread(target=lane, args=(c, i), daemon=True) for i in range(4)]
    for t in threads:
        t.start()
    print("ready", flush=True)
    for t in threads:
        t.join()


def recoverer() -> None:
    for r in client().recover():
        entry = r["entry"]
        print(json.dumps({"id": entry["id"], "kind": entry["kind"], "status": r["status"],
                          "reason": r["reason"]}), flush=True)


if __name__ == "__main__":
    {"worker": worker, "recoverer": recoverer}[sys.argv[1]]()
