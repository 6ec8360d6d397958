// withOptions and a call's last argument: other limits for some calls, on the same pool,
// leaving the client as it was.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import tp from '../index.js';
import { cardPay, startSandbox } from './helpers.mjs';

const slowQuery = [{ kind: 'delay', trans_type: 'QUERY', delay_ms: 800 }];
const one503 = [{ kind: 'http_503', trans_type: 'QUERY', count: 1 }];

test('withOptions: a shorter timeout applies to calls through it only', async () => {
  const { sandbox, client } = await startSandbox();
  try {
    const paid = await client.pay(cardPay());
    const ref = { merchant_id: 'm_1', order_id: paid.order_id };
    await sandbox.setFaults(slowQuery);
    const quick = client.withOptions({ timeoutMs: 200, maxRetries: 0 });
    const started = Date.now();
    await assert.rejects(quick.query(ref), (e) => e instanceof tp.TimeoutError && /200 ms/.test(e.message));
    assert.ok(Date.now() - started < 700, 'one attempt, cut at 200 ms');
    assert.equal((await client.query(ref)).status, 'SUCCESS'); // the client keeps its 30 s
  } finally {
    client.close();
    await sandbox.close();
  }
});

test("a call's last argument overrides for that call only", async () => {
  const { sandbox, client } = await startSandbox();
  try {
    const paid = await client.pay(cardPay());
    const ref = { merchant_id: 'm_1', order_id: paid.order_id };
    await sandbox.setFaults(one503);
    await assert.rejects(client.query(ref, { maxRetries: 0 }), tp.GatewayError);
    await sandbox.setFaults(one503);
    assert.equal((await client.query(ref)).status, 'SUCCESS'); // retried past by the client's policy
    await sandbox.setFaults(slowQuery);
    await assert.rejects(client.query(ref, { timeoutMs: 200, maxRetries: 0 }), tp.TimeoutError);
    assert.equal((await client.query(ref, undefined)).status, 'SUCCESS');
  } finally {
    client.close();
    await sandbox.close();
  }
});

test('bad call options reject with the option named, and nothing is sent', async () => {
  const { sandbox, client } = await startSandbox();
  try {
    const order = cardPay();
    await assert.rejects(client.pay(order, { timeout: 5 }), (e) =>
      e instanceof tp.ValidationError && e.message === 'timeout: unknown option; did you mean timeoutMs?');
    await assert.rejects(client.pay(order, 'fast'), (e) =>
      e instanceof tp.ValidationError && e.message === "pay()'s last argument takes an options object, like { timeoutMs: 2000, maxRetries: 0 }");
    assert.throws(() => client.withOptions({ maxRetries: 11 }), (e) =>
      e instanceof tp.ValidationError && e.message === 'maxRetries: must be at most 10');
    assert.equal((await sandbox.orders()).length, 0);
  } finally {
    client.close();
    await sandbox.close();
  }
});

test('options stack, and closing a derived client closes the pool they share', async () => {
  const { sandbox, client } = await startSandbox();
  try {
    const paid = await client.pay(cardPay());
    const ref = { merchant_id: 'm_1', order_id: paid.order_id };
    const stacked = client.withOptions({ maxRetries: 0 }).withOptions({ timeoutMs: 5000 });
    await sandbox.setFaults(one503);
    await assert.rejects(stacked.query(ref), tp.GatewayError); // maxRetries: 0 kept
    stacked.close();
    await assert.rejects(client.query(ref), tp.ValidationError);
  } finally {
    client.close();
    await sandbox.close();
  }
});
