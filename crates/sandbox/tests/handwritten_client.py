"""A client written from protocol.md alone (Python standard library, no project code).

Usage: handwritten_client.py BASE_URL ACCESS_NO SECRET
Pays, queries, refunds and reverses against a running sandbox; exits non-zero on any
deviation from the protocol.
"""

import base64
import hashlib
import hmac
import json
import sys
import time
import urllib.request
import uuid

BASE, ACCESS_NO, SECRET = sys.argv[1], sys.argv[2], sys.argv[3].encode()


def sign(body: bytes) -> str:
    return base64.b64encode(hmac.new(SECRET, body, hashlib.sha256).digest()).decode()


def call(trans_type: str, data: dict) -> dict:
    body = json.dumps(
        {
            "transType": trans_type,
            "accessNo": ACCESS_NO,
            "timestamp": int(time.time()),
            "nonce": uuid.uuid4().hex,
            "data": data,
        }
    ).encode()
    req = urllib.request.Request(
        BASE + "/v1/gateway",
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", "X-Signature": sign(body)},
    )
    with urllib.request.urlopen(req, timeout=10) as res:
        assert res.status == 200, res.status
        raw = res.read()
        signature = res.headers.get("X-Signature")
    envelope = json.loads(raw)
    if not envelope["code"].startswith("1000"):
        assert signature is not None, "non-auth answers are signed"
        assert hmac.compare_digest(signature, sign(raw)), "signature matches the raw body"
    return envelope


def main() -> None:
    card = {"card": {"number": "4242424242424242", "exp_month": "12", "exp_year": "2030", "cvc": "123"}}
    pay = {
        "merchant_id": "m_py",
        "order_id": "o_py_1",
        "amount": "20",
        "currency": "USD",
        "payment_method": "card",
        "return_url": "https://shop.example/back",
        "payment_method_data": card,
    }
    env = call("PAY", pay)
    assert env["code"] == "00000000" and env["data"]["status"] == "SUCCESS", env
    assert env["data"]["amount"] == "20.00", env
    trade_id = env["data"]["trade_id"]

    env = call("QUERY", {"merchant_id": "m_py", "trade_id": trade_id})
    assert env["data"]["status"] == "SUCCESS" and env["data"]["order_id"] == "o_py_1", env

    env = call("REFUND", {"merchant_id": "m_py", "order_id": "o_py_1", "refund_id": "r_py_1", "amount": "5.5"})
    assert env["code"] == "00000000" and env["data"]["status"] == "SUCCESS", env
    assert env["data"]["amount"] == "5.50", env

    env = call("REFUND_QUERY", {"merchant_id": "m_py", "refund_id": "r_py_1"})
    assert env["data"]["status"] == "SUCCESS", env

    env = call("REVERSAL", {"merchant_id": "m_py", "order_id": "o_py_1"})
    assert env["data"]["status"] == "CLOSED", env
    assert env["data"]["total_refunded_amount"] == "20.00", env
    assert env["data"]["refund_status"] == "refunded", env

    # A wrong signature is an unsigned authentication failure.
    body = json.dumps({"transType": "QUERY", "accessNo": ACCESS_NO, "timestamp": int(time.time()),
                       "nonce": uuid.uuid4().hex, "data": {"merchant_id": "m_py", "order_id": "o_py_1"}}).encode()
    req = urllib.request.Request(BASE + "/v1/gateway", data=body, method="POST",
                                 headers={"Content-Type": "application/json", "X-Signature": sign(b"other")})
    with urllib.request.urlopen(req, timeout=10) as res:
        env = json.loads(res.read())
        assert env["code"] == "10000002" and res.headers.get("X-Signature") is None, env
    print("handwritten client: PAY, QUERY, REFUND, REFUND_QUERY, REVERSAL OK")


if __name__ == "__main__":
    main()
