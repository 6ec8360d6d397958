#!/usr/bin/env python3
"""Writes the conformance vectors in this folder (python3 tests/vectors/generate.py).

Expected values are written down from docs/protocol.md, and every signature here is
computed with Python's own hmac/hashlib/base64, not with the Rust code under test, so the
vectors are an independent statement of the contract. Re-run after changing a case and
commit the JSON; the Rust, Python and Node suites read the JSON, never this script.

api_errors.json in this folder is written by hand and is not written here.
"""

import base64
import hashlib
import hmac
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))


def compact(value):
    """Compact JSON with non-ASCII written raw: the bytes the wire carries."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def write(name, doc):
    with open(os.path.join(HERE, name), "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=1, ensure_ascii=False)
        f.write("\n")


def x_signature(secret, body):
    mac = hmac.new(secret.encode("utf-8"), body.encode("utf-8"), hashlib.sha256)
    return base64.b64encode(mac.digest()).decode("ascii")


# ---------------------------------------------------------------- amounts
AMOUNT = "22070010"
RULES = {
    "empty": "must not be empty",
    "spaces": "must not contain spaces",
    "sign": "must not have a sign",
    "exponent": "must not use an exponent",
    "separator": "must not contain thousands separators",
    "format": "must be digits with an optional decimal point and up to two decimals, like 10.50",
    "leading_point": "needs a digit before the decimal point",
    "trailing_point": "needs a digit after the decimal point",
    "decimals": "must not have more than two decimals (amounts are never rounded)",
    "too_large": "must be at most 9999999999.99",
    "too_small": "must be at least 0.01",
}


def amounts():
    valid = [
        ("10", "10.00", 1000), ("10.5", "10.50", 1050), ("10.50", "10.50", 1050),
        ("0.01", "0.01", 1), ("0.1", "0.10", 10), ("1", "1.00", 100),
        ("007.5", "7.50", 750), ("0000000000000001", "1.00", 100),
        ("9999999999.99", "9999999999.99", 999999999999),
        ("9999999999", "9999999999.00", 999999999900),
        ("09999999999.99", "9999999999.99", 999999999999),
        ("123456789.12", "123456789.12", 12345678912),
        ("0.10", "0.10", 10), ("100.00", "100.00", 10000),
    ]
    invalid = [
        ("", "empty"), (" 10", "spaces"), ("10 ", "spaces"), ("1 000", "spaces"),
        ("10.5\n", "spaces"), ("\t1", "spaces"),
        ("-1", "sign"), ("+1", "sign"), ("-0.01", "sign"), ("+10.50", "sign"),
        ("1e3", "exponent"), ("1E3", "exponent"), ("1.5e2", "exponent"), ("2e-2", "exponent"),
        ("1e+3", "exponent"), ("10.50E0", "exponent"),
        ("1,000", "separator"), ("1,000.00", "separator"), ("1_000", "separator"),
        ("1'000", "separator"), ("10,5", "separator"),
        ("abc", "format"), ("ten", "format"), ("e", "format"), ("1e", "format"),
        ("0x10", "format"), ("1.2.3", "format"), ("10.5a", "format"), ("NaN", "format"),
        ("Infinity", "format"), ("\u0661\u0660", "format"), ("1/2", "format"),
        ("$10", "format"), ("10%", "format"), ("１０", "format"),
        (".5", "leading_point"), (".", "leading_point"), (".50", "leading_point"),
        ("10.", "trailing_point"), ("0.", "trailing_point"),
        ("10.505", "decimals"), ("0.001", "decimals"), ("1.000", "decimals"),
        ("10.500", "decimals"), ("0.009", "decimals"),
        ("10000000000", "too_large"), ("10000000000.00", "too_large"),
        ("99999999999", "too_large"), ("99999999999999999999999999", "too_large"),
        ("0", "too_small"), ("0.00", "too_small"), ("0.0", "too_small"), ("000", "too_small"),
    ]
    totals = [("0.00", "0.00", 0), ("0", "0.00", 0), ("12.30", "12.30", 1230)]
    zero_decimal = ["BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF",
                    "UGX", "UYI", "VND", "VUV", "XAF", "XOF", "XPF"]
    with_currency = []
    for cur in zero_decimal:
        with_currency.append({"amount": "100", "currency": cur, "ok": True})
        with_currency.append({"amount": "100.00", "currency": cur, "ok": True})
        with_currency.append({
            "amount": "100.50", "currency": cur, "ok": False, "code": AMOUNT,
            "message": f"{cur} has no minor unit, so the amount must be a whole number (got 100.50)",
        })
        with_currency.append({
            "amount": "0.01", "currency": cur, "ok": False, "code": AMOUNT,
            "message": f"{cur} has no minor unit, so the amount must be a whole number (got 0.01)",
        })
    for cur in ["USD", "EUR", "KWD", "BHD", "TND", "CLF"]:
        with_currency.append({"amount": "100.55", "currency": cur, "ok": True})
    write("amounts.json", {
        "description": "Amount strings as a request carries them (protocol section 5). "
                       "valid: input -> wire (two decimals) and hundredths; invalid: the rule "
                       "and the exact message (field amount, code 22070010); totals: what the "
                       "gateway may write in a total (0.00 allowed); with_currency: the "
                       "zero-decimal rule.",
        "code": AMOUNT,
        "field": "amount",
        "rules": RULES,
        "valid": [{"input": i, "wire": w, "hundredths": h} for i, w, h in valid],
        "invalid": [{"input": i, "rule": r, "message": RULES[r]} for i, r in invalid],
        "totals": [{"input": i, "wire": w, "hundredths": h} for i, w, h in totals],
        "with_currency": with_currency,
        "zero_decimal_currencies": zero_decimal,
    })


# ---------------------------------------------------------------- currencies
def currencies():
    valid = [
        ("USD", "wire", "USD", 2), ("usd", "user", "USD", 2), ("Usd", "user", "USD", 2),
        ("EUR", "wire", "EUR", 2), ("JPY", "wire", "JPY", 0), ("jpy", "user", "JPY", 0),
        ("KWD", "wire", "KWD", 3), ("BHD", "wire", "BHD", 3), ("CLF", "wire", "CLF", 4),
        ("VES", "wire", "VES", 2), ("VED", "wire", "VED", 2), ("CNY", "wire", "CNY", 2),
        ("GBP", "user", "GBP", 2), ("KRW", "wire", "KRW", 0), ("XOF", "wire", "XOF", 0),
    ]
    invalid = [
        ("usd", "wire", "case"), ("Usd", "wire", "case"), ("US", "wire", "format"),
        ("USDD", "wire", "format"), ("US1", "wire", "format"), ("U$D", "user", "format"),
        ("", "wire", "empty"), ("", "user", "empty"), ("ABC", "wire", "unknown"),
        ("ZZZ", "user", "unknown"), ("ÜSD", "user", "format"),
        ("HRK", "wire", "withdrawn"), ("SLL", "wire", "withdrawn"), ("ZWL", "wire", "withdrawn"),
        ("CUC", "wire", "withdrawn"),
    ]
    for code in ["XAU", "XAG", "XPD", "XPT", "XDR", "XSU", "XUA", "XBA", "XBB", "XBC", "XBD",
                 "XTS", "XXX", "XAD"]:
        invalid.append((code, "wire", "not_for_payment"))
        invalid.append((code.lower(), "user", "not_for_payment"))
    write("currencies.json", {
        "description": "Currencies (protocol section 5). from=user: as a caller gives it "
                       "(any case, uppercased); from=wire: as the gateway reads it (uppercase "
                       "only). Every invalid one is code 22070011, field currency.",
        "code": "22070011",
        "field": "currency",
        "valid": [{"input": i, "from": f, "wire": w, "exponent": e} for i, f, w, e in valid],
        "invalid": [{"input": i, "from": f, "rule": r} for i, f, r in invalid],
    })


# ---------------------------------------------------------------- metadata
def fill_to(target, prefix_entries, char="a"):
    """A map whose compact JSON is exactly `target` bytes, every value at most 500 bytes:
    a few values near the value limit, then one short value that lands on the target."""
    entries = dict(prefix_entries)
    width = len(char.encode())
    full = char * (480 // width)
    i = 0
    while True:
        probe = dict(entries)
        probe[f"k{i:02d}"] = full
        if len(compact(probe).encode()) > target:
            break
        entries = probe
        i += 1
    key = f"k{i:02d}"
    entries[key] = ""
    need = target - len(compact(entries).encode())
    if need < 0:
        raise RuntimeError("cannot hit the target size")
    keys = [k for k in entries if k not in prefix_entries]
    for k in keys:
        room = 500 - len(entries[k].encode())
        take = min(need // width, room // width)
        entries[k] += char * take
        need -= take * width
    for k in keys:
        if need and len(entries[k].encode()) + need <= 500:
            entries[k] += "a" * need
            need = 0
    if need or len(compact(entries).encode()) != target:
        raise RuntimeError("cannot hit the target size")
    return entries


def metadata():
    code = "22070012"
    cases = []

    def case(name, md, ok, rule=None, message=None):
        c = {"name": name, "metadata": md, "json_bytes": len(compact(md).encode()), "ok": ok}
        if not ok:
            c.update({"code": code, "rule": rule, "message": message})
        cases.append(c)

    case("empty map", {}, True)
    case("one small entry", {"plan": "gold"}, True)
    case("key 40 ASCII bytes", {"k" * 40: "v"}, True)
    case("key 41 ASCII bytes", {"k" * 41: "v"}, False, "key",
         "key of 41 bytes is over the limit of 40 bytes")
    case("key 20 two-byte chars = 40 bytes", {"é" * 20: "v"}, True)
    case("key 21 chars = 41 bytes (a char count would pass)", {"é" * 20 + "a": "v"}, False,
         "key", "key of 41 bytes is over the limit of 40 bytes")
    case("key 14 three-byte chars = 42 bytes", {"€" * 14: "v"}, False, "key",
         "key of 42 bytes is over the limit of 40 bytes")
    case("empty key", {"": "v"}, False, "empty_key", "keys must not be empty")
    case("value 500 ASCII bytes", {"note": "a" * 500}, True)
    case("value 501 ASCII bytes", {"note": "a" * 501}, False, "value",
         'value of key "note" is 501 bytes, over the limit of 500 bytes')
    case("value 166 euro signs + 2 = 500 bytes", {"note": "€" * 166 + "ab"}, True)
    case("value 167 euro signs = 501 bytes (a char count would pass)", {"note": "€" * 167},
         False, "value", 'value of key "note" is 501 bytes, over the limit of 500 bytes')
    case("value of 125 four-byte emoji = 500 bytes", {"e": "😀" * 125}, True)
    case("value of 126 four-byte emoji = 504 bytes", {"e": "😀" * 126}, False, "value",
         'value of key "e" is 504 bytes, over the limit of 500 bytes')
    case("empty value", {"k": ""}, True)
    at = fill_to(1024, {})
    case("compact JSON exactly 1024 bytes", at, True)
    over = fill_to(1025, {})
    case("compact JSON 1025 bytes", over, False, "json",
         "JSON encoding is 1025 bytes, over the limit of 1024 bytes")
    spaced = len(json.dumps(at, ensure_ascii=False).encode())
    assert spaced > 1024, "the at-limit case must fail if measured with spaces"
    raw = fill_to(1024, {}, char="é")
    assert len(json.dumps(raw).encode()) > 1024, "must fail if measured ASCII-escaped"
    case("1024 bytes with non-ASCII written raw (escaped it would be far over)", raw, True)
    quoted = fill_to(1024, {"q": '"quoted" \\ and\nnewline'})
    case("1024 bytes counting escapes of quote, backslash and newline", quoted, True)
    quoted_over = fill_to(1025, {"q": '"quoted" \\ and\nnewline'})
    case("1025 bytes counting escapes", quoted_over, False, "json",
         "JSON encoding is 1025 bytes, over the limit of 1024 bytes")
    many = {f"key{i:03d}": "" for i in range(200)}
    case("200 empty entries", many, False, "json",
         f"JSON encoding is {len(compact(many).encode())} bytes, over the limit of 1024 bytes")
    write("metadata.json", {
        "description": "Metadata limits (protocol section 5), in UTF-8 bytes: key <= 40, "
                       "value <= 500, compact JSON (separators ',' ':', non-ASCII raw) <= "
                       "1024. Checked in the order keys, values, size; each failure is code "
                       "22070012, field metadata, with the exact message. json_bytes is the "
                       "compact size. A metadata value that is not a string is 22070001 "
                       "(see requests.json).",
        "limits": {"key_bytes": 40, "value_bytes": 500, "json_bytes": 1024},
        "cases": cases,
    })


# ---------------------------------------------------------------- envelopes
TRADE = {
    "status": "SUCCESS", "trade_id": "t_123", "access_no": "acc_123", "merchant_id": "m_1",
    "order_id": "o_1", "amount": "10.50", "currency": "USD", "payment_method": "card",
    "trade_status": "succeeded", "paid_at": "2026-11-21T22:18:46Z",
    "created_at": "2026-11-21T22:18:45Z", "txn_time": "2026-11-21T22:18:44Z",
    "refund_status": "no_refund", "total_refunded_amount": "0.00",
    "metadata": {"plan": "gold", "note": "café"}, "last_trans_id": "tx_9",
    "payment_channel": "sandbox", "return_url": "https://shop.example/back",
}


def envelopes():
    cases = []

    def ok(name, env, cls, retryable=False, outcome_unknown=False, typed=None, typed_ok=True,
           raw=None, expect=None):
        body = raw if raw is not None else compact(env)
        e = expect or {}
        c = {
            "name": name, "body": body, "ok": True,
            "code": e.get("code", env.get("code")),
            "message": e.get("message", env.get("message") or ""),
            "trace_id": e.get("trace_id", env.get("traceId") or ""),
            "class": cls, "retryable": retryable, "outcome_unknown": outcome_unknown,
            "has_data": isinstance(env.get("data"), dict),
            "status": (env.get("data") or {}).get("status")
            if isinstance((env.get("data") or {}).get("status"), str) else None,
        }
        if typed:
            c["typed"] = typed
            c["typed_ok"] = typed_ok
        cases.append(c)

    def bad(name, body):
        cases.append({"name": name, "body": body, "ok": False, "error": "protocol"})

    ok("success with a trade", {"code": "00000000", "message": "SUCCESS",
                                "traceId": "cfef69feec8d25aa", "data": TRADE},
       "success", typed="trade")
    pending = {"status": "PENDING", "trade_id": "t_2", "order_id": "o_2", "amount": "5.00",
               "currency": "USD", "payment_method": "qr", "trade_status": "requires_action",
               "next_action": {"type": "redirect",
                               "redirect": {"url": "https://gw.example/qr/t_2"}}}
    ok("accepted, pending QR", {"code": "00000003", "message": "SUCCESS", "traceId": "a1",
                                "data": pending}, "accepted", typed="trade")
    declined = {"status": "FAILED", "trade_id": "t_3", "order_id": "o_3", "amount": "1.00",
                "currency": "EUR", "trade_status": "requires_payment_method",
                "last_payment_error": {"code": "card_declined",
                                       "message": "Your card was declined."}}
    ok("declined card is a result, not an error", {"code": "00000000", "message": "SUCCESS",
                                                    "traceId": "a2", "data": declined},
       "success", typed="trade")
    refund = {"status": "SUCCESS", "refund_id": "r_1", "trade_id": "t_1", "order_id": "o_1",
              "amount": "2.50", "currency": "USD", "reason": "damaged",
              "created_at": "2026-11-21T22:20:00Z", "refunded_at": "2026-11-21T22:20:01Z"}
    ok("refund", {"code": "00000000", "message": "SUCCESS", "traceId": "a3", "data": refund},
       "success", typed="refund")
    unknowns = {"status": "UNDER_REVIEW", "trade_id": "t_4", "trade_status": "disputed",
                "payment_method": "wallet", "payment_mode": "installments",
                "refund_status": "chargeback", "next_action": {"type": "display_code"},
                "new_field": {"nested": [1, 2]}}
    ok("unknown enum values and fields are kept, not rejected",
       {"code": "00000000", "message": "SUCCESS", "traceId": "a4", "data": unknowns},
       "success", typed="trade")
    nulls = {"status": "CLOSED", "trade_id": "t_5", "next_action": None, "paid_at": None,
             "last_payment_error": None, "amount": None, "metadata": None}
    ok("null fields read as absent", {"code": "00000000", "message": "SUCCESS",
                                      "traceId": "a5", "data": nulls}, "success",
       typed="trade")
    ok("trade amount with more than two decimals is not a valid trade",
       {"code": "00000000", "message": "SUCCESS", "traceId": "a6",
        "data": {"status": "SUCCESS", "amount": "10.505"}}, "success", typed="trade",
       typed_ok=False)
    ok("trade amount as a JSON number is not a valid trade",
       {"code": "00000000", "message": "SUCCESS", "traceId": "a7",
        "data": {"status": "SUCCESS", "amount": 10.5}}, "success", typed="trade",
       typed_ok=False)
    ok("trade without status is not a valid trade",
       {"code": "00000000", "message": "SUCCESS", "traceId": "a8",
        "data": {"trade_id": "t_1"}}, "success", typed="trade", typed_ok=False)
    known = [
        ("10000001", "authentication"), ("10000002", "authentication"),
        ("10000003", "authentication"), ("10000004", "authentication"),
        ("10000005", "authentication"), ("10000006", "authentication"),
        ("22070030", "invalid_request"), ("22070031", "invalid_request"),
        ("22070001", "invalid_request"), ("22070010", "invalid_request"),
        ("22070011", "invalid_request"), ("22070012", "invalid_request"),
        ("22070013", "invalid_request"), ("30000001", "business"), ("30000002", "business"),
        ("30000003", "business"), ("30000004", "business"), ("30000005", "business"),
        ("90000001", "gateway"), ("90000002", "gateway"),
    ]
    for code, cls in known:
        ok(f"known code {code}", {"code": code, "message": "some description",
                                   "traceId": "t" + code, "data": {"status": "FAILED"}},
           cls, retryable=code in ("90000001", "90000002"),
           outcome_unknown=code == "90000002")
    ok("source example: transType empty", {"code": "22070030",
                                            "message": "Format error-transType cannot be empty",
                                            "traceId": "cfef69feec8d25aa",
                                            "data": {"status": "FAILED"}}, "invalid_request")
    for code, cls in [("10009999", "authentication"), ("19999999", "authentication"),
                      ("22079999", "invalid_request"), ("20000000", "invalid_request"),
                      ("39999999", "business"), ("99999999", "gateway"),
                      ("90000003", "gateway"), ("40000000", "other"), ("50000001", "other"),
                      ("80000000", "other"), ("00000001", "other"), ("00000002", "other")]:
        ok(f"unknown code {code} classed by its first digit",
           {"code": code, "message": "new error", "traceId": "u" + code}, cls,
           # Protocol 9: a 9xxxxxxx nobody knows may follow a processed request.
           outcome_unknown=cls == "gateway")
    ok("data null", {"code": "30000001", "message": "Order not found", "traceId": "b1",
                     "data": None}, "business")
    ok("data absent", {"code": "90000001", "message": "System busy", "traceId": "b2"},
       "gateway", retryable=True)
    ok("message null and traceId absent read as empty", {"code": "00000000",
                                                        "message": None,
                                                        "data": {"status": "SUCCESS"}},
       "success")
    ok("data.status not a string", {"code": "00000000", "message": "SUCCESS",
                                    "traceId": "b3", "data": {"status": 1}}, "success")
    spaced = {"code": "00000000", "message": "SUCCESS", "traceId": "w",
              "data": {"status": "PENDING"}}
    ok("whitespace around the JSON", spaced, "success", raw=" \n" + compact(spaced) + "\n")
    ok("non-ASCII message", {"code": "30000003", "message": "état invalide — 状态",
                             "traceId": "b4"}, "business")
    bad("empty body", "")
    bad("not JSON", "<html>502 Bad Gateway</html>")
    bad("truncated JSON", '{"code":"00000000","message":"SUCC')
    bad("JSON array", '[{"code":"00000000"}]')
    bad("JSON string", '"00000000"')
    bad("JSON null", "null")
    bad("code missing", '{"message":"SUCCESS","traceId":"x","data":{}}')
    bad("code as a number", '{"code":0,"message":"SUCCESS","traceId":"x"}')
    bad("code as a number with eight digits", '{"code":10000001,"message":"x","traceId":"x"}')
    bad("code of seven digits", '{"code":"0000000","message":"SUCCESS","traceId":"x"}')
    bad("code of nine digits", '{"code":"000000000","message":"SUCCESS","traceId":"x"}')
    bad("code with a letter", '{"code":"0000000a","message":"SUCCESS","traceId":"x"}')
    bad("code with spaces", '{"code":" 00000000","message":"SUCCESS","traceId":"x"}')
    bad("code with non-ASCII digits", '{"code":"٠٠٠٠٠٠٠٠","message":"x","traceId":"x"}')
    bad("code null", '{"code":null,"message":"SUCCESS","traceId":"x"}')
    bad("message as a number", '{"code":"00000000","message":1,"traceId":"x"}')
    bad("traceId as a number", '{"code":"00000000","message":"SUCCESS","traceId":7}')
    bad("data as an array", '{"code":"00000000","message":"SUCCESS","traceId":"x","data":[]}')
    bad("data as a string", '{"code":"00000000","message":"SUCCESS","traceId":"x","data":"{}"}')
    bad("trailing garbage", '{"code":"00000000","message":"SUCCESS","traceId":"x"} x')
    write("envelopes.json", {
        "description": "Response bodies (protocol sections 3, 4) as raw strings. ok=true: "
                       "the envelope parses, with code, message, trace_id ('' when null or "
                       "absent), class (success, accepted, authentication, invalid_request, "
                       "business, gateway, other), retryable, outcome_unknown, has_data, "
                       "status (data.status when it is a string, else null). typed: read "
                       "data as a 'trade' or 'refund'; typed_ok says whether that succeeds. "
                       "ok=false: a protocol error.",
        "cases": cases,
    })


# ---------------------------------------------------------------- signatures
def signatures():
    secret = "sk_test_4f2b9c1e7a6d4e0f"
    other = "sk_test_wrong"
    bodies = [
        ("PAY request", compact({"transType": "PAY", "accessNo": "acc_123",
                                 "timestamp": 1763762326, "nonce": "0f8c2b6a9d4e4f0c",
                                 "data": {"amount": "10.00", "currency": "USD",
                                          "merchant_id": "m_1", "order_id": "o_1"}})),
        ("empty body", ""),
        ("non-ASCII body", compact({"code": "00000000", "message": "SUCCESS", "traceId": "x",
                                    "data": {"status": "SUCCESS",
                                             "metadata": {"note": "café ☕"}}})),
        ("body with trailing newline", '{"a":1}\n'),
        ("body with spaces", '{ "a" : 1 }'),
    ]
    sign = [{"name": n, "body": b, "signature": x_signature(secret, b)} for n, b in bodies]
    base = bodies[0][1]
    good = x_signature(secret, base)
    verify = [
        {"name": "valid", "body": base, "signature": good, "ok": True},
        {"name": "wrong secret", "body": base, "signature": x_signature(other, base), "ok": False},
        {"name": "body tampered (amount)", "body": base.replace("10.00", "10.01"),
         "signature": good, "ok": False},
        {"name": "body re-encoded with spaces", "body": base.replace(",", ", "),
         "signature": good, "ok": False},
        {"name": "signature without padding", "body": base, "signature": good.rstrip("="),
         "ok": False},
        {"name": "signature in hex", "body": base,
         "signature": hmac.new(secret.encode(), base.encode(), hashlib.sha256).hexdigest(),
         "ok": False},
        {"name": "signature truncated", "body": base, "signature": good[:20], "ok": False},
        {"name": "empty signature", "body": base, "signature": "", "ok": False},
        {"name": "not base64", "body": base, "signature": "!!!!", "ok": False},
        {"name": "surrounding spaces are trimmed (as HTTP does)", "body": base,
         "signature": " " + good + " ", "ok": True},
    ]
    # A body whose signature contains '+' or '/', to tell standard from URL-safe base64.
    for i in range(100):
        b = compact({"code": "00000000", "message": "SUCCESS", "traceId": f"s{i}"})
        sig = x_signature(secret, b)
        if "+" in sig or "/" in sig:
            verify.append({"name": "standard alphabet", "body": b, "signature": sig, "ok": True})
            verify.append({"name": "URL-safe alphabet is refused", "body": b,
                           "signature": sig.replace("+", "-").replace("/", "_"), "ok": False})
            break

    def env(code, data=None, message="SUCCESS"):
        e = {"code": code, "message": message, "traceId": "tr_" + code}
        if data is not None:
            e["data"] = data
        return compact(e)

    trade = env("00000000", {"status": "SUCCESS", "trade_id": "t_1"})
    responses = [
        {"name": "signed success is trusted", "body": trade,
         "signature": x_signature(secret, trade), "outcome": "trusted", "code": "00000000"},
        {"name": "unsigned success is untrusted", "body": trade, "signature": None,
         "outcome": "signature_error"},
        {"name": "success signed with another secret", "body": trade,
         "signature": x_signature(other, trade), "outcome": "signature_error"},
        {"name": "success with tampered data", "body": trade.replace("t_1", "t_2"),
         "signature": x_signature(secret, trade), "outcome": "signature_error"},
    ]
    for code in ["10000001", "10000002", "10000003", "10000004", "10000005", "10000006"]:
        b = env(code, {"status": "FAILED"}, message="auth failed")
        responses.append({"name": f"unsigned {code} is an authentication answer", "body": b,
                          "signature": None, "outcome": "authentication", "code": code})
    b = env("10000002", None, message="Invalid signature")
    responses.append({"name": "auth answer with a bad signature header: header ignored",
                      "body": b, "signature": x_signature(other, b),
                      "outcome": "authentication", "code": "10000002"})
    b = env("10000003", None, message="Timestamp outside the allowed window")
    responses.append({"name": "auth answer with a valid signature", "body": b,
                      "signature": x_signature(secret, b), "outcome": "authentication",
                      "code": "10000003"})
    b = env("19999999", None, message="new auth error")
    responses.append({"name": "unsigned 1xxxxxxx outside 1000xxxx is untrusted (protocol 9)",
                      "body": b, "signature": None, "outcome": "signature_error"})
    for code in ["22070001", "30000001", "90000001", "90000002", "00000003"]:
        b = env(code, {"status": "FAILED"}, message="x")
        responses.append({"name": f"signed {code} is trusted", "body": b,
                          "signature": x_signature(secret, b), "outcome": "trusted",
                          "code": code})
        responses.append({"name": f"unsigned {code} is untrusted", "body": b,
                          "signature": None, "outcome": "signature_error"})
    responses.append({"name": "signed body that is not an envelope", "body": "<html></html>",
                      "signature": x_signature(secret, "<html></html>"),
                      "outcome": "protocol_error"})
    responses.append({"name": "unsigned body that is not an envelope",
                      "body": "<html></html>", "signature": None,
                      "outcome": "signature_error"})
    requests = []
    for trans, data in [
        ("PAY", {"amount": "10.00", "currency": "USD", "merchant_id": "m_1", "order_id": "o_1",
                 "payment_method": "qr"}),
        ("QUERY", {"merchant_id": "m_1", "order_id": "o_1"}),
        ("REFUND", {"amount": "2.50", "merchant_id": "m_1", "reason": "café",
                    "refund_id": "r_1", "trade_id": "t_1"}),
    ]:
        body = compact({"transType": trans, "accessNo": "acc_123", "timestamp": 1763762326,
                        "nonce": "0f8c2b6a9d4e4f0c", "data": data})
        requests.append({"trans_type": trans, "access_no": "acc_123",
                         "timestamp": 1763762326, "nonce": "0f8c2b6a9d4e4f0c", "data": data,
                         "body": body, "signature": x_signature(secret, body)})
    write("signatures.json", {
        "description": "X-Signature (protocol sections 2, 3): standard base64 with padding of "
                       "HMAC-SHA256(key = secret as UTF-8, message = raw body bytes). sign: "
                       "expected signature of each body. verify: whether a signature is "
                       "accepted. responses: open_response(secret, body, signature or null) "
                       "-> outcome trusted (signed envelope), authentication (a 1xxxxxxx "
                       "envelope, signature ignored), signature_error (must not act on it), "
                       "protocol_error (signed but not an envelope). requests: the exact body "
                       "for the system parameters and data (keys of data sorted), and its "
                       "signature.",
        "secret": secret,
        "sign": sign,
        "verify": verify,
        "responses": responses,
        "requests": requests,
    })


# ---------------------------------------------------------------- webhooks
WH_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def wh_sign(secret, msg_id, ts, body):
    key = base64.b64decode(secret[len("whsec_"):])
    mac = hmac.new(key, f"{msg_id}.{ts}.".encode() + body.encode("utf-8"), hashlib.sha256)
    return "v1," + base64.b64encode(mac.digest()).decode()


def webhooks():
    ts = 1763763526
    trade = {"status": "SUCCESS", "trade_id": "t_1", "order_id": "o_1", "merchant_id": "m_1",
             "amount": "10.00", "currency": "USD", "trade_status": "succeeded",
             "paid_at": "2026-11-21T22:18:46Z", "metadata": {"note": "café"}}
    body = compact({"type": "trade.succeeded", "timestamp": "2026-11-21T22:18:46Z",
                    "data": trade})
    refund_body = compact({"type": "refund.succeeded", "timestamp": "2026-11-21T22:20:00Z",
                           "data": {"status": "SUCCESS", "refund_id": "r_1",
                                    "trade_id": "t_1", "amount": "2.50", "currency": "USD"}})
    failed_body = compact({"type": "trade.failed", "timestamp": "2026-11-21T22:18:46Z",
                           "data": {"status": "FAILED", "trade_id": "t_9",
                                    "trade_status": "requires_payment_method",
                                    "last_payment_error": {"code": "card_declined",
                                                           "message": "declined"}}})
    unknown_body = compact({"type": "trade.disputed", "timestamp": "2026-11-21T22:18:46Z",
                            "data": {"anything": [1, 2, 3]}})
    mid = "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W"
    good = wh_sign(WH_SECRET, mid, ts, body)
    other = "whsec_" + base64.b64encode(b"another key of 24 bytes!").decode()
    cases = []

    def case(name, *, body=body, msg_id=mid, t=ts, sig=None, now=ts, tolerance=300, ok=True,
             error=None, signature_ok=None, event=None, headers=None):
        h = headers if headers is not None else {
            "webhook-id": msg_id, "webhook-timestamp": str(t),
            "webhook-signature": sig if sig is not None else wh_sign(WH_SECRET, msg_id, t, body),
        }
        c = {"name": name, "headers": h, "body": body, "now": now, "tolerance": tolerance,
             "ok": ok, "signature_ok": ok if signature_ok is None else signature_ok}
        if ok:
            c["event"] = event
        else:
            c["error"] = error
        cases.append(c)

    ev = {"id": mid, "type": "trade.succeeded", "timestamp": "2026-11-21T22:18:46Z",
          "data_kind": "trade", "status": "SUCCESS"}
    case("valid", event=ev)
    case("valid at the edge of the tolerance (300 s old)", now=ts + 300, event=ev)
    case("expired (301 s old)", now=ts + 301, ok=False, error="expired")
    case("valid at the edge of the tolerance (300 s ahead)", now=ts - 300, event=ev)
    case("from the future (301 s ahead)", now=ts - 301, ok=False, error="future")
    case("an hour old", now=ts + 3600, ok=False, error="expired")
    case("500 s old with a tolerance of 600", now=ts + 500, tolerance=600, event=ev)
    case("tampered body", body=body.replace("10.00", "99.00"), sig=good, ok=False,
         error="signature")
    case("tampered webhook-id", msg_id="msg_other", sig=good, ok=False, error="signature")
    case("tampered webhook-timestamp (still in tolerance)", t=ts + 1, sig=good, now=ts,
         ok=False, error="signature")
    case("signed with another secret", sig=wh_sign(other, mid, ts, body), ok=False,
         error="signature")
    case("several signatures, the valid one last",
         sig=wh_sign(other, mid, ts, body) + " " + good, event=ev)
    case("several signatures, the valid one first",
         sig=good + " " + wh_sign(other, mid, ts, body), event=ev)
    case("a v2 signature and a valid v1", sig="v2,Zm9vYmFy " + good, event=ev)
    case("several signatures, none valid",
         sig=wh_sign(other, mid, ts, body) + " " + wh_sign(other, mid, ts + 1, body), ok=False,
         error="signature")
    case("only a signature of another version", sig="v2," + good[3:], ok=False, error="no_v1")
    case("signature truncated", sig=good[:20], ok=False, error="signature")
    case("signature not base64", sig="v1,!!!notbase64!!!", ok=False, error="signature")
    case("empty signature header", sig="", ok=False, error="no_v1")
    case("missing webhook-id", headers={"webhook-timestamp": str(ts), "webhook-signature": good},
         ok=False, error="missing_header")
    case("missing webhook-timestamp", headers={"webhook-id": mid, "webhook-signature": good},
         ok=False, error="missing_header")
    case("missing webhook-signature", headers={"webhook-id": mid, "webhook-timestamp": str(ts)},
         ok=False, error="missing_header")
    case("timestamp not a number", headers={"webhook-id": mid, "webhook-timestamp": "soon",
                                            "webhook-signature": good},
         ok=False, error="bad_timestamp")
    case("timestamp in RFC 3339 instead of Unix seconds",
         headers={"webhook-id": mid, "webhook-timestamp": "2026-11-21T22:18:46Z",
                  "webhook-signature": good}, ok=False, error="bad_timestamp")
    case("header names in another case",
         headers={"Webhook-Id": mid, "WEBHOOK-TIMESTAMP": str(ts), "Webhook-Signature": good},
         event=ev)
    rid = "msg_refund_1"
    case("refund event", body=refund_body, msg_id=rid,
         event={"id": rid, "type": "refund.succeeded", "timestamp": "2026-11-21T22:20:00Z",
                "data_kind": "refund", "status": "SUCCESS"})
    fid = "msg_failed_1"
    case("failed trade event", body=failed_body, msg_id=fid,
         event={"id": fid, "type": "trade.failed", "timestamp": "2026-11-21T22:18:46Z",
                "data_kind": "trade", "status": "FAILED"})
    uid = "msg_unknown_1"
    case("unknown event type is kept", body=unknown_body, msg_id=uid,
         event={"id": uid, "type": "trade.disputed", "timestamp": "2026-11-21T22:18:46Z",
                "data_kind": "unknown", "status": None})
    case("signed, but the body is not JSON", body="not json", msg_id="msg_b1", ok=False,
         error="body", signature_ok=True)
    case("signed, but the data is not a trade",
         body=compact({"type": "trade.succeeded", "timestamp": "2026-11-21T22:18:46Z",
                       "data": {"amount": "10.00"}}), msg_id="msg_b2", ok=False,
         error="body", signature_ok=True)
    secrets = [
        {"input": WH_SECRET, "ok": True,
         "key_base64": WH_SECRET[len("whsec_"):]},
        {"input": WH_SECRET[len("whsec_"):], "ok": True,
         "key_base64": WH_SECRET[len("whsec_"):]},
        {"input": "whsec_", "ok": False},
        {"input": "whsec_!!!!", "ok": False},
        {"input": "whsec_" + base64.b64encode(bytes(range(32))).decode().rstrip("="),
         "ok": True, "key_base64": base64.b64encode(bytes(range(32))).decode()},
        {"input": "whsec_" + base64.b64encode(bytes(range(32))).decode(),
         "ok": True, "key_base64": base64.b64encode(bytes(range(32))).decode()},
        {"input": "", "ok": False},
    ]
    write("webhooks.json", {
        "description": "Webhook deliveries (protocol section 7, Standard Webhooks). Verify "
                       "each with the given secret, headers (names case-insensitive), body, "
                       "now (Unix seconds) and tolerance (seconds). ok=true: event with id, "
                       "type, timestamp, data_kind (trade, refund, unknown) and data.status. "
                       "ok=false: error is one of expired, future, signature, no_v1, "
                       "missing_header, bad_timestamp, body. signature_ok: whether the "
                       "signature and timestamp checks alone pass (what a generic Standard "
                       "Webhooks verifier decides). secrets: whsec_ parsing.",
        "secret": WH_SECRET,
        "cases": cases,
        "secrets": secrets,
    })


# ---------------------------------------------------------------- requests
CARD = {"number": "4242424242424242", "exp_month": "12", "exp_year": "2030", "cvc": "123"}
PAY_CARD = {"merchant_id": "m_1", "order_id": "o_1", "amount": "10.00", "currency": "USD",
            "payment_method": "card", "return_url": "https://shop.example/back",
            "payment_method_data": {"card": CARD}}
PAY_QR = {"merchant_id": "m_1", "order_id": "o_2", "amount": "5", "currency": "EUR",
          "payment_method": "qr"}
PAY_MICRO = {"merchant_id": "m_1", "order_id": "o_3", "amount": "1.5", "currency": "CNY",
             "payment_method": "micropay",
             "payment_method_data": {"micropay": {"auth_code": "134567890123456789"}}}
PAY_RECUR = {"merchant_id": "m_1", "order_id": "o_4", "amount": "9.99", "currency": "USD",
             "payment_method": "card", "payment_mode": "recurring_payment",
             "payment_token": "tok_abc123"}


def with_(base, **changes):
    out = json.loads(json.dumps(base))
    for k, v in changes.items():
        if v is DROP:
            out.pop(k, None)
        else:
            out[k] = v
    return out


DROP = object()


def requests():
    F, A, C, M, P = "22070001", "22070010", "22070011", "22070012", "22070013"
    ops = []

    def op(name, trans, data, code="OK", field=None):
        c = {"name": name, "trans_type": trans, "data": data, "code": code}
        if field:
            c["field"] = field
        ops.append(c)

    op("card payment", "PAY", PAY_CARD)
    op("QR payment needs no return_url", "PAY", PAY_QR)
    op("micropay", "PAY", PAY_MICRO)
    op("recurring payment", "PAY", PAY_RECUR)
    op("subscription", "PAY", with_(PAY_CARD, payment_mode="subscription"))
    op("every optional field", "PAY", with_(PAY_CARD, customer_id="c_1",
                                            metadata={"plan": "gold"},
                                            notify_url="https://shop.example/hook",
                                            txn_time="2026-11-21T22:18:46Z"))
    op("amount with one decimal", "PAY", with_(PAY_CARD, amount="10.5"))
    op("JPY whole amount", "PAY", with_(PAY_QR, currency="JPY", amount="100"))
    op("JPY with .00", "PAY", with_(PAY_QR, currency="JPY", amount="100.00"))
    op("order_id of 64 characters", "PAY", with_(PAY_QR, order_id="a" * 64))
    op("micropay auth_code of 10 digits", "PAY",
       with_(PAY_MICRO, payment_method_data={"micropay": {"auth_code": "1" * 10}}))
    op("micropay auth_code of 32 digits", "PAY",
       with_(PAY_MICRO, payment_method_data={"micropay": {"auth_code": "1" * 32}}))
    op("null optional fields read as absent", "PAY",
       with_(PAY_QR, customer_id=None, metadata=None, notify_url=None, payment_mode=None))
    op("merchant_id missing", "PAY", with_(PAY_CARD, merchant_id=DROP), F, "merchant_id")
    op("merchant_id empty", "PAY", with_(PAY_CARD, merchant_id=""), F, "merchant_id")
    op("merchant_id as a number", "PAY", with_(PAY_CARD, merchant_id=1), F, "merchant_id")
    op("merchant_id with a space", "PAY", with_(PAY_CARD, merchant_id="m 1"), F, "merchant_id")
    op("order_id missing", "PAY", with_(PAY_CARD, order_id=DROP), F, "order_id")
    op("order_id of 65 characters", "PAY", with_(PAY_CARD, order_id="a" * 65), F, "order_id")
    op("order_id with a dot", "PAY", with_(PAY_CARD, order_id="o.1"), F, "order_id")
    op("order_id non-ASCII", "PAY", with_(PAY_CARD, order_id="ordré"), F, "order_id")
    op("amount missing", "PAY", with_(PAY_CARD, amount=DROP), F, "amount")
    op("amount as a JSON number", "PAY", with_(PAY_CARD, amount=10.5), F, "amount")
    op("amount as a JSON integer", "PAY", with_(PAY_CARD, amount=10), F, "amount")
    op("amount with an exponent", "PAY", with_(PAY_CARD, amount="1e3"), A, "amount")
    op("amount with three decimals", "PAY", with_(PAY_CARD, amount="10.505"), A, "amount")
    op("amount zero", "PAY", with_(PAY_CARD, amount="0.00"), A, "amount")
    op("amount negative", "PAY", with_(PAY_CARD, amount="-1.00"), A, "amount")
    op("amount too large", "PAY", with_(PAY_CARD, amount="10000000000.00"), A, "amount")
    op("amount largest", "PAY", with_(PAY_CARD, amount="9999999999.99"))
    op("currency missing", "PAY", with_(PAY_CARD, currency=DROP), F, "currency")
    op("currency as a number", "PAY", with_(PAY_CARD, currency=840), F, "currency")
    op("currency lowercase on the wire", "PAY", with_(PAY_CARD, currency="usd"), C, "currency")
    op("currency unknown", "PAY", with_(PAY_CARD, currency="ABC"), C, "currency")
    op("currency a metal", "PAY", with_(PAY_CARD, currency="XAU"), C, "currency")
    op("currency the test code", "PAY", with_(PAY_CARD, currency="XTS"), C, "currency")
    op("JPY with a fraction", "PAY", with_(PAY_QR, currency="JPY", amount="100.50"), A,
       "amount")
    op("amount checked before currency", "PAY", with_(PAY_CARD, amount="1e3", currency="usd"),
       A, "amount")
    op("merchant_id checked before amount", "PAY",
       with_(PAY_CARD, merchant_id=DROP, amount="1e3"), F, "merchant_id")
    op("payment_method missing", "PAY", with_(PAY_CARD, payment_method=DROP), F,
       "payment_method")
    op("payment_method unknown", "PAY", with_(PAY_CARD, payment_method="paypal"), F,
       "payment_method")
    op("payment_method uppercase", "PAY", with_(PAY_CARD, payment_method="CARD"), F,
       "payment_method")
    op("metadata value not a string", "PAY", with_(PAY_QR, metadata={"n": 1}), F, "metadata")
    op("metadata not an object", "PAY", with_(PAY_QR, metadata="plan=gold"), F, "metadata")
    op("metadata key over 40 bytes", "PAY", with_(PAY_QR, metadata={"k" * 41: "v"}), M,
       "metadata")
    op("metadata value over 500 bytes", "PAY", with_(PAY_QR, metadata={"k": "€" * 167}), M,
       "metadata")
    op("metadata over 1024 bytes", "PAY",
       with_(PAY_QR, metadata={f"key{i:03d}": "" for i in range(200)}), M, "metadata")
    op("return_url missing for card", "PAY", with_(PAY_CARD, return_url=DROP), F, "return_url")
    op("return_url not http(s)", "PAY", with_(PAY_CARD, return_url="ftp://shop.example/"), F,
       "return_url")
    op("return_url relative", "PAY", with_(PAY_CARD, return_url="/back"), F, "return_url")
    op("notify_url with a space", "PAY",
       with_(PAY_QR, notify_url="https://shop.example/a b"), F, "notify_url")
    op("txn_time not RFC 3339", "PAY", with_(PAY_QR, txn_time="yesterday"), F, "txn_time")
    op("card details missing", "PAY", with_(PAY_CARD, payment_method_data=DROP), F,
       "payment_method_data")
    op("card number with letters", "PAY",
       with_(PAY_CARD, payment_method_data={"card": dict(CARD, number="4242abcd42424242")}),
       F, "payment_method_data.card.number")
    op("card number too short", "PAY",
       with_(PAY_CARD, payment_method_data={"card": dict(CARD, number="42424242424")}),
       F, "payment_method_data.card.number")
    op("card number missing", "PAY",
       with_(PAY_CARD, payment_method_data={"card": {k: v for k, v in CARD.items()
                                                     if k != "number"}}),
       F, "payment_method_data.card.number")
    op("card exp_month 13", "PAY",
       with_(PAY_CARD, payment_method_data={"card": dict(CARD, exp_month="13")}), F,
       "payment_method_data.card.exp_month")
    op("card exp_month 0", "PAY",
       with_(PAY_CARD, payment_method_data={"card": dict(CARD, exp_month="0")}), F,
       "payment_method_data.card.exp_month")
    op("card exp_year of two digits", "PAY",
       with_(PAY_CARD, payment_method_data={"card": dict(CARD, exp_year="30")}), F,
       "payment_method_data.card.exp_year")
    op("card cvc of two digits", "PAY",
       with_(PAY_CARD, payment_method_data={"card": dict(CARD, cvc="12")}), F,
       "payment_method_data.card.cvc")
    op("card data not an object", "PAY",
       with_(PAY_CARD, payment_method_data={"card": "4242424242424242"}), F,
       "payment_method_data.card")
    op("payment_method_data not an object", "PAY",
       with_(PAY_CARD, payment_method_data="card"), F, "payment_method_data")
    op("micropay data on a card payment", "PAY",
       with_(PAY_CARD, payment_method_data={"card": CARD, "micropay": {"auth_code": "1" * 18}}),
       F, "payment_method_data")
    op("card data on a QR payment", "PAY", with_(PAY_QR, payment_method_data={"card": CARD}),
       F, "payment_method_data")
    op("micropay without auth_code", "PAY", with_(PAY_MICRO, payment_method_data=DROP), F,
       "payment_method_data")
    op("micropay auth_code of 9 digits", "PAY",
       with_(PAY_MICRO, payment_method_data={"micropay": {"auth_code": "1" * 9}}), F,
       "payment_method_data.micropay.auth_code")
    op("micropay auth_code of 33 digits", "PAY",
       with_(PAY_MICRO, payment_method_data={"micropay": {"auth_code": "1" * 33}}), F,
       "payment_method_data.micropay.auth_code")
    op("micropay auth_code with letters", "PAY",
       with_(PAY_MICRO, payment_method_data={"micropay": {"auth_code": "12345abcde12"}}), F,
       "payment_method_data.micropay.auth_code")
    op("payment_mode unknown", "PAY", with_(PAY_CARD, payment_mode="weekly"), P,
       "payment_mode")
    op("payment_mode on a QR payment", "PAY", with_(PAY_QR, payment_mode="subscription"), P,
       "payment_mode")
    op("payment_mode on micropay", "PAY", with_(PAY_MICRO, payment_mode="recurring_payment",
                                                payment_token="tok_1"), P, "payment_mode")
    op("recurring_payment without payment_token", "PAY",
       with_(PAY_RECUR, payment_token=DROP), P, "payment_mode")
    op("recurring_payment with card data", "PAY",
       with_(PAY_RECUR, payment_method_data={"card": CARD}), P, "payment_mode")
    op("payment_token without recurring_payment", "PAY",
       with_(PAY_CARD, payment_token="tok_1"), P, "payment_token")
    op("payment_token with subscription", "PAY",
       with_(PAY_CARD, payment_mode="subscription", payment_token="tok_1"), P, "payment_token")
    op("recurring payment needs no return_url", "PAY", with_(PAY_RECUR, return_url=DROP))
    for trans in ["QUERY", "REVERSAL", "CLOSE"]:
        op(f"{trans} by order_id", trans, {"merchant_id": "m_1", "order_id": "o_1"})
        op(f"{trans} by trade_id", trans, {"merchant_id": "m_1", "trade_id": "t_1"})
        op(f"{trans} by both", trans, {"merchant_id": "m_1", "trade_id": "t_1",
                                       "order_id": "o_1"})
        op(f"{trans} by neither", trans, {"merchant_id": "m_1"}, F, "trade_id")
        op(f"{trans} with empty ids", trans, {"merchant_id": "m_1", "trade_id": "",
                                              "order_id": ""}, F, "trade_id")
        op(f"{trans} without merchant_id", trans, {"order_id": "o_1"}, F, "merchant_id")
        op(f"{trans} with a bad trade_id", trans, {"merchant_id": "m_1", "trade_id": "t/1"},
           F, "trade_id")
        op(f"{trans} with order_id as a number", trans, {"merchant_id": "m_1",
                                                          "order_id": 1}, F, "order_id")
    refund = {"merchant_id": "m_1", "trade_id": "t_1", "refund_id": "r_1", "amount": "2.5"}
    op("refund", "REFUND", refund)
    op("refund by order_id with reason", "REFUND",
       with_(refund, trade_id=DROP, order_id="o_1", reason="damaged in transit",
             notify_url="https://shop.example/hook"))
    op("refund without order", "REFUND", with_(refund, trade_id=DROP), F, "trade_id")
    op("refund without refund_id", "REFUND", with_(refund, refund_id=DROP), F, "refund_id")
    op("refund_id of 65 characters", "REFUND", with_(refund, refund_id="r" * 65), F,
       "refund_id")
    op("refund amount missing", "REFUND", with_(refund, amount=DROP), F, "amount")
    op("refund amount as a number", "REFUND", with_(refund, amount=2.5), F, "amount")
    op("refund amount zero", "REFUND", with_(refund, amount="0"), A, "amount")
    op("refund amount with three decimals", "REFUND", with_(refund, amount="2.555"), A,
       "amount")
    op("refund reason of 256 bytes", "REFUND", with_(refund, reason="r" * 256))
    op("refund reason of 257 bytes", "REFUND", with_(refund, reason="r" * 257), F, "reason")
    op("refund reason with a control character", "REFUND", with_(refund, reason="a\u0000b"),
       F, "reason")
    op("refund notify_url invalid", "REFUND", with_(refund, notify_url="mailto:x@y"), F,
       "notify_url")
    op("refund query", "REFUND_QUERY", {"merchant_id": "m_1", "refund_id": "r_1"})
    op("refund query without refund_id", "REFUND_QUERY", {"merchant_id": "m_1"}, F,
       "refund_id")
    op("refund query without merchant_id", "REFUND_QUERY", {"refund_id": "r_1"}, F,
       "merchant_id")

    bodies = []

    def body(name, raw, code="OK", field=None, trans_type=None):
        c = {"name": name, "body": raw if isinstance(raw, str) else compact(raw), "code": code}
        if field:
            c["field"] = field
        if trans_type:
            c["trans_type"] = trans_type
        bodies.append(c)

    base = {"transType": "QUERY", "accessNo": "acc_123", "timestamp": 1763762326,
            "nonce": "0f8c2b6a9d4e4f0c", "data": {"merchant_id": "m_1", "order_id": "o_1"}}
    body("valid QUERY", base, trans_type="QUERY")
    body("valid PAY", with_(base, transType="PAY", data=PAY_CARD), trans_type="PAY")
    body("nonce of 16 characters", with_(base, nonce="a" * 16), trans_type="QUERY")
    body("nonce of 64 characters", with_(base, nonce="A-_9" * 16), trans_type="QUERY")
    body("not JSON", "transType=PAY", "10000001", "body")
    body("empty", "", "10000001", "body")
    body("JSON array", [base], "10000001", "body")
    body("accessNo missing", with_(base, accessNo=DROP), "10000001", "accessNo")
    body("accessNo empty", with_(base, accessNo=""), "10000001", "accessNo")
    body("accessNo a number", with_(base, accessNo=123), "10000001", "accessNo")
    body("timestamp missing", with_(base, timestamp=DROP), "10000001", "timestamp")
    body("timestamp a string", with_(base, timestamp="1763762326"), "10000001", "timestamp")
    body("timestamp a float", with_(base, timestamp=1763762326.5), "10000001", "timestamp")
    body("timestamp in milliseconds is still an integer (the window refuses it)",
         with_(base, timestamp=1763762326000), trans_type="QUERY")
    body("nonce missing", with_(base, nonce=DROP), "10000001", "nonce")
    body("nonce of 15 characters", with_(base, nonce="a" * 15), "10000001", "nonce")
    body("nonce of 65 characters", with_(base, nonce="a" * 65), "10000001", "nonce")
    body("nonce with a dot", with_(base, nonce="0f8c2b6a.d4e4f0c"), "10000001", "nonce")
    body("nonce a number", with_(base, nonce=1234567890123456789), "10000001", "nonce")
    body("system parameters before transType", with_(base, nonce=DROP, transType=DROP),
         "10000001", "nonce")
    body("transType missing", with_(base, transType=DROP), "22070030", "transType")
    body("transType empty", with_(base, transType=""), "22070030", "transType")
    body("transType null", with_(base, transType=None), "22070030", "transType")
    body("transType unknown", with_(base, transType="PAYMENT"), "22070031", "transType")
    body("transType lowercase", with_(base, transType="pay"), "22070031", "transType")
    body("data missing", with_(base, data=DROP), F, "data")
    body("data an array", with_(base, data=[]), F, "data")
    body("data invalid for the operation", with_(base, data={"merchant_id": "m_1"}), F,
         "trade_id")
    write("requests.json", {
        "description": "Request validation (protocol sections 2, 6). operations: the data "
                       "object of each transType, with the gateway code it gets ('OK' when "
                       "valid) and the field the error names; the SDKs check the same before "
                       "sending. bodies: whole request bodies as the gateway reads them "
                       "before the signature and business checks: 10000001 for missing or "
                       "malformed system parameters, then 22070030/22070031 for transType, "
                       "then 22070001 for data, then the operation's own rules.",
        "operations": ops,
        "bodies": bodies,
    })


if __name__ == "__main__":
    amounts()
    currencies()
    metadata()
    envelopes()
    signatures()
    webhooks()
    requests()
    print("vectors written to", HERE)
