// The event loop stays free while requests wait, and thousands of requests run at once.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSandbox, cardPay, uid } from './helpers.mjs';

let sandbox;
let client;
before(async () => ({ sandbox, client } = await startSandbox()));
after(async () => {
  client.close();
  await sandbox.close();
});

test('a timer keeps firing while a request waits on a slow gateway', async () => {
  await sandbox.setFaults([{ kind: 'delay', trans_type: 'QUERY', delay_ms: 1500, count: 1 }]);
  const paid = await client.pay(cardPay());
  let ticks = 0;
  let settled = false;
  const timer = setInterval(() => {
    if (!settled) ticks += 1;
  }, 20);
  try {
    const trade = await client.query({ merchant_id: 'm_1', trade_id: paid.trade_id }).finally(() => {
      settled = true;
    });
    assert.equal(trade.status, 'SUCCESS');
  } finally {
    clearInterval(timer);
    await sandbox.clearFaults();
  }
  // The query took at least the 1.5 s delay; a blocked loop would have seen no tick at all.
  assert.ok(ticks >= 10, `only ${ticks} ticks while the request waited`);
});

test('3000 concurrent queries all resolve', async () => {
  const paid = await client.pay(cardPay());
  const n = 3000;
  const results = await Promise.all(Array.from({ length: n }, () => client.query({ merchant_id: 'm_1', trade_id: paid.trade_id })));
  assert.equal(results.length, n);
  assert.ok(results.every((t) => t.status === 'SUCCESS' && t.trade_id === paid.trade_id));
});

test('500 concurrent payments, each charged exactly once', async () => {
  const reqs = Array.from({ length: 500 }, () => cardPay({ order_id: uid('conc') }));
  const trades = await Promise.all(reqs.map((r) => client.pay(r)));
  assert.ok(trades.every((t) => t.status === 'SUCCESS'));
  assert.equal(new Set(trades.map((t) => t.trade_id)).size, reqs.length);
  const ids = new Set(reqs.map((r) => r.order_id));
  const ledger = (await sandbox.ledger()).filter((l) => ids.has(l.order_id));
  assert.equal(ledger.length, reqs.length);
  assert.ok(ledger.every((l) => l.charges === 1));
});
