"""OpenTelemetry spans from tradepay's event hooks: one span per call, one child per attempt.

The SDK has no OpenTelemetry dependency. Its HTTP runs inside Rust, where no
auto-instrumentation can see it, so `event_hooks` report each attempt and this file turns
them into spans with the semantic-convention attribute names. Copy `TradepayTracing` into
your application and pass `event_hooks=TradepayTracing(tracer).hooks`.

Run it as is: it pays against the in-process sandbox (the first attempt gets a 503), exports
to an in-memory exporter, and prints the spans.

    pip install tradepay opentelemetry-sdk
    python otel.py
"""

from __future__ import annotations

import threading
import time
from typing import Any, Dict, List, Mapping, Optional, Tuple

from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import Span, SpanKind, Status, StatusCode

import tradepay

_Key = Tuple[str, Optional[str], Optional[str]]


class TradepayTracing:
    """Spans from the `request` and `response` hooks of a tradepay client."""

    def __init__(self, tracer: trace.Tracer) -> None:
        self._tracer = tracer
        self._lock = threading.Lock()
        self._calls: Dict[_Key, Span] = {}
        self._attempts: Dict[Tuple[_Key, int], Span] = {}
        self.hooks = {"request": [self._on_request], "response": [self._on_response]}

    @staticmethod
    def _key(event: Mapping[str, Any]) -> _Key:
        # Calls about the same order are not made at once (their order_id is the idempotency
        # key), so the operation and its IDs name one call.
        return (event["trans_type"], event["order_id"], event["refund_id"])

    def _on_request(self, event: Mapping[str, Any]) -> None:
        key, now = self._key(event), time.time_ns()
        with self._lock:
            call = self._calls.get(key)
            if call is None:
                call = self._tracer.start_span(
                    f"tradepay {event['trans_type']}",
                    kind=SpanKind.CLIENT,
                    start_time=now,
                    attributes=_ids(event),
                )
                self._calls[key] = call
            attributes: Dict[str, Any] = {"http.request.method": "POST", **_ids(event)}
            if event["attempt"] > 1:
                attributes["http.request.resend_count"] = event["attempt"] - 1
            self._attempts[(key, event["attempt"])] = self._tracer.start_span(
                "POST",
                context=trace.set_span_in_context(call),
                kind=SpanKind.CLIENT,
                start_time=now,
                attributes=attributes,
            )

    def _on_response(self, event: Mapping[str, Any]) -> None:
        key, now = self._key(event), time.time_ns()
        with self._lock:
            attempt = self._attempts.pop((key, event["attempt"]), None)
            # The call ends with an attempt the client does not retry.
            call = self._calls.pop(key, None) if event["retry_in"] is None else self._calls.get(key)
        for span in (attempt, call if event["retry_in"] is None else None):
            if span is None:
                continue
            if event["http_status"] is not None:
                span.set_attribute("http.response.status_code", event["http_status"])
            if event["trace_id"] is not None:
                span.set_attribute("tradepay.trace_id", event["trace_id"])
            if event["error"] is not None:
                span.set_attribute("error.type", event["error"])
                span.set_status(Status(StatusCode.ERROR))
            if span is attempt and event["retry_in"] is not None:
                span.set_attribute("tradepay.retry_in", event["retry_in"])
            if span is call:
                span.set_attribute("tradepay.attempts", event["attempt"])
            span.end(end_time=now)


def _ids(event: Mapping[str, Any]) -> Dict[str, Any]:
    ids = {"tradepay.trans_type": event["trans_type"]}
    for name in ("order_id", "refund_id"):
        if event[name] is not None:
            ids[f"tradepay.{name}"] = event[name]
    return ids


def _attributes(span: ReadableSpan) -> Mapping[str, Any]:
    return span.attributes or {}


def main() -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracing = TradepayTracing(provider.get_tracer("tradepay-example"))

    with tradepay.Sandbox() as sandbox, tradepay.Client(
        base_url=sandbox.url,
        access_no=sandbox.access_no,
        secret=sandbox.secret,
        event_hooks=tracing.hooks,
    ) as client:
        sandbox.set_faults([{"kind": "http_503", "trans_type": "PAY", "count": 1}])
        trade = client.pay(
            merchant_id="m_1",
            order_id="o_otel_1",
            amount="10.00",
            currency="USD",
            payment_method="card",
            return_url="https://shop.example/back",
            payment_method_data={
                "card": {"number": "4242424242424242", "exp_month": "12", "exp_year": "2030", "cvc": "123"}
            },
        )
        client.query(merchant_id="m_1", order_id=trade.order_id)

    spans: List[ReadableSpan] = list(exporter.get_finished_spans())
    for span in spans:
        parent = span.parent.span_id if span.parent else None
        print(f"{span.name:14} parent={parent!s:22} {dict(span.attributes or {})}")

    calls = [s for s in spans if s.name.startswith("tradepay ")]
    attempts = [s for s in spans if s.name == "POST"]
    assert [c.name for c in calls] == ["tradepay PAY", "tradepay QUERY"], calls
    assert len(attempts) == 3, attempts
    pay = calls[0]
    pay_attempts = [a for a in attempts if a.parent and pay.context and a.parent.span_id == pay.context.span_id]
    assert [_attributes(a).get("http.response.status_code") for a in pay_attempts] == [503, 200]
    assert _attributes(pay_attempts[0]).get("error.type") == "GatewayError"
    assert _attributes(pay_attempts[1]).get("http.request.resend_count") == 1
    assert _attributes(pay).get("tradepay.attempts") == 2
    assert trade.last_response is not None
    assert _attributes(pay).get("tradepay.trace_id") == trade.last_response.trace_id
    print("otel: 2 calls, 3 attempts, the retry visible as its own span")


if __name__ == "__main__":
    main()
