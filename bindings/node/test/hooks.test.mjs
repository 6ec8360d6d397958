// client.on('request' | 'response'): one event per attempt, retries visible, never a secret.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import tp from '../index.js';
import { startSandbox, cardPay, uid } from './helpers.mjs';

// Events are queued to the JS thread: let the last ones arrive.
const settle = () => sleep(50);

test('each attempt is seen, and a retry says when it comes', async () => {
  const { sandbox, client } = await startSandbox();
  try {
    const events = [];
    client.on('request', (e) => events.push(['request', e])).on('response', (e) => events.push(['response', e]));
    await sandbox.setFaults([{ kind: 'http_503', trans_type: 'PAY', count: 1 }]);
    const trade = await client.pay(cardPay());
    await settle();
    assert.deepEqual(events.map(([h, e]) => `${h}#${e.attempt}`), ['request#1', 'response#1', 'request#2', 'response#2']);
    assert.deepEqual(Object.keys(events[0][1]).sort(), ['attempt', 'elapsedMs', 'error', 'httpStatus', 'orderId', 'refundId', 'retryInMs', 'traceId', 'transType']);
    const [failed, answered] = [events[1][1], events[3][1]];
    assert.equal(events[0][1].transType, 'PAY');
    assert.equal(events[0][1].orderId, trade.order_id);
    assert.equal(failed.httpStatus, 503);
    assert.equal(failed.error, 'GatewayError');
    assert.ok(failed.retryInMs > 0, String(failed.retryInMs));
    assert.equal(answered.httpStatus, 200);
    assert.equal(answered.error, null);
    assert.equal(answered.retryInMs, null);
    assert.equal(answered.traceId, trade.lastResponse.traceId);
    assert.ok(events[0][1].elapsedMs <= answered.elapsedMs);
  } finally {
    client.close();
    await sandbox.close();
  }
});

test('listeners are shared with withOptions clients, and off removes them', async () => {
  const { sandbox, client } = await startSandbox();
  try {
    const seen = [];
    const listener = (e) => seen.push(e.transType);
    client.on('response', listener);
    const quick = client.withOptions({ maxRetries: 0 });
    const trade = await quick.pay(cardPay());
    await settle();
    assert.deepEqual(seen, ['PAY']);
    quick.off('response', listener);
    await client.query({ merchant_id: 'm_1', order_id: trade.order_id });
    await settle();
    assert.deepEqual(seen, ['PAY']);
  } finally {
    client.close();
    await sandbox.close();
  }
});

test('a listener that throws is logged and the call goes on; no secret reaches a listener', async () => {
  const lines = [];
  const logger = { debug: () => {}, info: (m) => lines.push(m), warn: (m) => lines.push(m), error: (m) => lines.push(m) };
  const { sandbox, client } = await startSandbox({ logger });
  try {
    const events = [];
    client.on('request', () => {
      throw new Error('a broken listener');
    });
    client.on('request', (e) => events.push(e)).on('response', (e) => events.push(e));
    const first = await client.pay(cardPay({ payment_mode: 'subscription' }));
    assert.ok(first.payment_token);
    await client.pay({ merchant_id: 'm_1', order_id: uid('o'), amount: '10', currency: 'USD', payment_method: 'card',
      payment_mode: 'recurring_payment', payment_token: first.payment_token });
    const stuck = await client.micropay({ merchant_id: 'm_1', order_id: uid('o'), amount: '5', currency: 'USD',
      auth_code: '1300000000000003', deadlineMs: 500 });
    assert.equal(stuck.status, 'CLOSED');
    await settle();
    assert.ok(events.length >= 8, String(events.length));
    assert.ok(lines.some((l) => /^an event listener threw; the call goes on hook=request error=a broken listener/.test(l)), lines.join('\n'));
    // Trace IDs and timings are random digits: look only at the other strings.
    const texts = events.flatMap((e) => Object.entries(e).filter(([k, v]) => k !== 'traceId' && typeof v === 'string').map(([, v]) => v));
    const seen = texts.join('\n');
    for (const secret of [sandbox.secret, '4242424242424242', '1300000000000003', first.payment_token]) {
      assert.ok(!seen.includes(secret), `${secret} reached a listener`);
    }
  } finally {
    client.close();
    await sandbox.close();
  }
});

test('a bad hook name, listener or logger is a ValidationError', () => {
  const client = new tp.Client({ baseUrl: 'http://127.0.0.1:9', accessNo: 'a', secret: 's' });
  try {
    assert.throws(() => client.on('requests', () => {}), { name: 'ValidationError', message: 'requests: unknown hook; did you mean request?' });
    assert.throws(() => client.on('request', 'fn'), { name: 'ValidationError', message: 'request: the listener must be a function, not a string' });
    assert.throws(() => client.off('respnse', () => {}), { name: 'ValidationError', message: 'respnse: unknown hook; did you mean response?' });
  } finally {
    client.close();
  }
  for (const logger of [{}, console.log, 'console', { debug() {}, info() {}, warn() {} }]) {
    assert.throws(() => new tp.Client({ baseUrl: 'http://127.0.0.1:9', accessNo: 'a', secret: 's', logger }),
      { name: 'ValidationError', message: 'logger: must be an object with debug, info, warn and error methods' });
  }
});
