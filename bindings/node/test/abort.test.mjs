// A call's `signal` option: an AbortSignal aborts the call. Before it starts, nothing is sent
// and the outcome is known; in flight it rejects at once with the outcome unknown; an
// aborted micropay is reversed in the background.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import tp from '../index.js';
import { cardPay, startSandbox, uid } from './helpers.mjs';

const isAbort = (unknown) => (e) =>
  e instanceof tp.AbortError && e instanceof tp.TradepayError && e.name === 'AbortError' && e.outcomeUnknown === unknown;

test('a signal aborted before the call sends nothing', async () => {
  const { sandbox, client } = await startSandbox();
  try {
    await assert.rejects(client.pay(cardPay(), { signal: AbortSignal.abort() }), isAbort(false));
    assert.equal((await sandbox.orders()).length, 0);
  } finally {
    client.close();
    await sandbox.close();
  }
});

test('aborting in flight rejects at once, outcome unknown', async () => {
  const { sandbox, client } = await startSandbox();
  try {
    await sandbox.setFaults([{ kind: 'delay', trans_type: 'PAY', delay_ms: 3000, count: 1 }]);
    const controller = new AbortController();
    const order = cardPay();
    const paying = client.pay(order, { signal: controller.signal });
    setTimeout(() => controller.abort(), 100);
    const started = Date.now();
    await assert.rejects(paying, isAbort(true));
    assert.ok(Date.now() - started < 1500, 'rejected before the gateway answered');
    // The same order_id settles it: the gateway charged it once, whatever the caller saw.
    await new Promise((r) => setTimeout(r, 3000));
    assert.equal((await client.pay(order)).status, 'SUCCESS');
    assert.deepEqual((await sandbox.ledger()).filter((e) => e.order_id === order.order_id).map((e) => e.charges), [1]);
  } finally {
    client.close();
    await sandbox.close();
  }
});

test('an aborted micropay is reversed', async () => {
  const { sandbox, client } = await startSandbox();
  try {
    const order_id = uid('o_abort_micro');
    const controller = new AbortController();
    // Ending 3: PENDING until reversed; the flow polls it, and the abort comes meanwhile.
    const paying = client.micropay(
      { merchant_id: 'm_1', order_id, amount: '3.00', currency: 'USD', auth_code: '1357246803', deadlineMs: 30000 },
      { signal: controller.signal },
    );
    setTimeout(() => controller.abort(), 800);
    await assert.rejects(paying, isAbort(true));
    const end = Date.now() + 10000;
    let order;
    while (Date.now() < end) {
      order = (await sandbox.orders()).find((o) => o.order_id === order_id);
      if (order?.status === 'CLOSED') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(order?.status, 'CLOSED');
  } finally {
    client.close();
    await sandbox.close();
  }
});

test('a signal that is not an AbortSignal is refused', async () => {
  const { sandbox, client } = await startSandbox();
  try {
    await assert.rejects(client.pay(cardPay(), { signal: 'stop' }), (e) =>
      e instanceof tp.ValidationError && e.message === 'signal: must be an AbortSignal');
    // A signal that never fires changes nothing.
    assert.equal((await client.pay(cardPay(), { signal: new AbortController().signal })).status, 'SUCCESS');
  } finally {
    client.close();
    await sandbox.close();
  }
});
