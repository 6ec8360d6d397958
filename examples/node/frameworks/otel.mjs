// OpenTelemetry spans from tradepay's listeners: one span per call, one child per attempt.
//
// The SDK has no OpenTelemetry dependency. Its HTTP runs inside Rust, where no
// auto-instrumentation can see it, so `client.on('request' | 'response')` reports each
// attempt and this file turns the events into spans with the semantic-convention attribute
// names. Copy `traceTradepay` into your application: `traceTradepay(client, tracer)`.
//
// Run it as is (`node otel.mjs`): it pays against the in-process sandbox (the first attempt
// gets a 503), exports to an in-memory exporter, and prints the spans.
import { pathToFileURL } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { context, trace, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { Client, Sandbox } from 'tradepay';

// Calls about the same order are not made at once (order_id is the idempotency key), so
// the operation and its IDs name one call.
const keyOf = (e) => `${e.transType} ${e.orderId ?? ''} ${e.refundId ?? ''}`;

function ids(e) {
  const attributes = { 'tradepay.trans_type': e.transType };
  if (e.orderId !== null) attributes['tradepay.order_id'] = e.orderId;
  if (e.refundId !== null) attributes['tradepay.refund_id'] = e.refundId;
  return attributes;
}

export function traceTradepay(client, tracer) {
  const calls = new Map();
  const attempts = new Map();
  client.on('request', (e) => {
    const key = keyOf(e);
    let call = calls.get(key);
    if (!call) {
      call = tracer.startSpan(`tradepay ${e.transType}`, { kind: SpanKind.CLIENT, attributes: ids(e) });
      calls.set(key, call);
    }
    const attributes = { 'http.request.method': 'POST', ...ids(e) };
    if (e.attempt > 1) attributes['http.request.resend_count'] = e.attempt - 1;
    const parent = trace.setSpan(context.active(), call);
    attempts.set(`${key} ${e.attempt}`, tracer.startSpan('POST', { kind: SpanKind.CLIENT, attributes }, parent));
  });
  client.on('response', (e) => {
    const key = keyOf(e);
    const attempt = attempts.get(`${key} ${e.attempt}`);
    attempts.delete(`${key} ${e.attempt}`);
    // The call ends with an attempt the client does not retry.
    const last = e.retryInMs === null;
    const call = last ? calls.get(key) : undefined;
    if (last) calls.delete(key);
    for (const span of [attempt, call]) {
      if (!span) continue;
      if (e.httpStatus !== null) span.setAttribute('http.response.status_code', e.httpStatus);
      if (e.traceId !== null) span.setAttribute('tradepay.trace_id', e.traceId);
      if (e.error !== null) {
        span.setAttribute('error.type', e.error);
        span.setStatus({ code: SpanStatusCode.ERROR });
      }
      if (span === attempt && !last) span.setAttribute('tradepay.retry_in_ms', e.retryInMs);
      if (span === call) span.setAttribute('tradepay.attempts', e.attempt);
      span.end();
    }
  });
  return client;
}

async function main() {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const tracer = provider.getTracer('tradepay-example');
  const sandbox = await Sandbox.start();
  const client = traceTradepay(new Client({ baseUrl: sandbox.url, accessNo: sandbox.accessNo, secret: sandbox.secret }), tracer);
  let trade;
  try {
    await sandbox.setFaults([{ kind: 'http_503', trans_type: 'PAY', count: 1 }]);
    trade = await client.pay({
      merchant_id: 'm_1', order_id: `o_otel_${process.pid}`, amount: '10.00', currency: 'USD', payment_method: 'card',
      return_url: 'https://shop.example/back',
      payment_method_data: { card: { number: '4242424242424242', exp_month: '12', exp_year: '2030', cvc: '123' } },
    });
    await client.query({ merchant_id: 'm_1', order_id: trade.order_id });
    // Listeners run on the JS thread just after the attempt they report.
    await sleep(50);
  } finally {
    client.close();
    await sandbox.close();
  }
  const spans = exporter.getFinishedSpans();
  for (const s of spans) console.log(s.name.padEnd(14), `parent=${s.parentSpanContext?.spanId ?? '-'}`, JSON.stringify(s.attributes));
  const calls = spans.filter((s) => s.name.startsWith('tradepay '));
  const posts = spans.filter((s) => s.name === 'POST');
  const check = (ok, what) => {
    if (!ok) throw new Error(`otel example: ${what}`);
  };
  check(calls.map((c) => c.name).join() === 'tradepay PAY,tradepay QUERY', 'one span per call');
  check(posts.length === 3, 'one span per attempt');
  const pay = calls[0];
  const payAttempts = posts.filter((p) => p.parentSpanContext?.spanId === pay.spanContext().spanId);
  check(payAttempts.map((a) => a.attributes['http.response.status_code']).join() === '503,200', 'the retry as its own span');
  check(payAttempts[0].attributes['error.type'] === 'GatewayError', 'the failed attempt says why');
  check(pay.attributes['tradepay.trace_id'] === trade.lastResponse.traceId, 'the call carries its trace id');
  console.log('otel: 2 calls, 3 attempts, the retry visible as its own span');
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
