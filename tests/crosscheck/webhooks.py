#!/usr/bin/env python3
"""Cross-checks tradepay's webhooks with the independent `standardwebhooks` package.

1. Every delivery in tests/vectors/webhooks.json is verified by standardwebhooks with its
   clock fixed at the vector's `now`: it must accept exactly the cases whose
   `signature_ok` is true (those whose headers, timestamp and signature are right).
2. Fresh deliveries are signed by standardwebhooks (random keys, padded and unpadded
   whsec_ secrets, non-ASCII bodies, several signatures in one header) and written to
   --out, for the Rust verifier to accept (`cargo run -p tradepay-types --example
   verify_webhook -- FILE`), so both directions are proven.

Usage: python webhooks.py VECTORS_JSON --out FRESH_JSON
"""

import argparse
import base64
import json
import os
import sys
import time
from datetime import datetime, timezone

import standardwebhooks.webhooks as swh


class FrozenClock(datetime):
    """Stands in for datetime inside standardwebhooks so that `now` is the vector's."""

    frozen = 0

    @classmethod
    def now(cls, tz=None):
        return datetime.fromtimestamp(cls.frozen, tz=tz or timezone.utc)


def check_vectors(path):
    doc = json.load(open(path, encoding="utf-8"))
    checked = skipped = 0
    failures = []
    for case in doc["cases"]:
        if case["tolerance"] != 300:
            # standardwebhooks has a fixed five-minute tolerance.
            skipped += 1
            continue
        FrozenClock.frozen = case["now"]
        swh.datetime = FrozenClock
        try:
            swh.Webhook(doc["secret"]).verify(
                case["body"].encode("utf-8"), dict(case["headers"]), json_parse=False)
            accepted = True
        except Exception:  # the library raises several kinds for malformed input
            accepted = False
        finally:
            swh.datetime = datetime
        checked += 1
        if accepted != case["signature_ok"]:
            failures.append(f"{case['name']}: standardwebhooks accepted={accepted}, "
                            f"vector signature_ok={case['signature_ok']}")
    for s in doc["secrets"]:
        try:
            key = swh.Webhook(s["input"])._whsecret
            ok = True
        except Exception:
            ok = False
        if s["ok"]:
            checked += 1
            if not ok or base64.b64encode(key).decode() != s["key_base64"]:
                failures.append(f"secret {s['input']!r} should parse to {s['key_base64']}")
    return checked, skipped, failures


def fresh_deliveries(count=64):
    now = int(time.time())
    out = []
    bodies = [
        {"type": "trade.succeeded", "timestamp": "2026-11-21T22:18:46Z",
         "data": {"status": "SUCCESS", "trade_id": "t_1", "amount": "10.00",
                  "metadata": {"note": "café ☕ 支付"}}},
        {"type": "refund.failed", "timestamp": "2026-11-21T22:18:46Z",
         "data": {"status": "FAILED", "refund_id": "r_1", "amount": "1.50"}},
        {"type": "trade.closed", "timestamp": "2026-11-21T22:18:46Z",
         "data": {"status": "CLOSED", "trade_id": "t_2", "trade_status": "succeeded"}},
        {"type": "some.future_event", "timestamp": "2026-11-21T22:18:46Z", "data": {}},
    ]
    for i in range(count):
        key = os.urandom(16 + (i % 4) * 8)
        encoded = base64.b64encode(key).decode()
        secret = "whsec_" + (encoded.rstrip("=") if i % 2 else encoded)
        wh = swh.Webhook(secret)
        msg_id = f"msg_{base64.urlsafe_b64encode(os.urandom(12)).decode().rstrip('=')}"
        ts = now - 299 + (i * 37) % 599
        body = json.dumps(bodies[i % len(bodies)], separators=(",", ":"),
                          ensure_ascii=bool(i % 3 == 0))
        sig = wh.sign(msg_id, datetime.fromtimestamp(ts, tz=timezone.utc), body)
        if i % 5 == 0:
            other = swh.Webhook(base64.b64encode(os.urandom(24)).decode())
            sig = other.sign(msg_id, datetime.fromtimestamp(ts, tz=timezone.utc), body) + " " + sig
        out.append({"secret": secret, "now": now, "body": body,
                    "headers": {"webhook-id": msg_id, "webhook-timestamp": str(ts),
                                "webhook-signature": sig},
                    "type": bodies[i % len(bodies)]["type"]})
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("vectors")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    checked, skipped, failures = check_vectors(args.vectors)
    for f in failures:
        print("MISMATCH:", f, file=sys.stderr)
    print(f"standardwebhooks agrees with {checked - len(failures)} of {checked} webhook vectors "
          f"({skipped} skipped: tolerance other than 300 s)")
    deliveries = fresh_deliveries()
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump({"deliveries": deliveries}, f, ensure_ascii=False, indent=1)
    print(f"wrote {len(deliveries)} deliveries signed by standardwebhooks to {args.out}")
    return 1 if failures or checked < 20 else 0


if __name__ == "__main__":
    sys.exit(main())
