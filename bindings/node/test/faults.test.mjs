// Sandbox faults as the client meets them: retried when safe, reported with outcomeUnknown
// when the request may have been processed, and never a second charge.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { GatewayError, NetworkError, TimeoutError, SignatureError, Client } from '../index.mjs';
import { startSandbox, cardPay } from './helpers.mjs';

let sandbox;
let client;
before(async () => ({ sandbox, client } = await startSandbox()));
afterEach(() => sandbox.clearFaults());
after(async () => {
  client.close();
  await sandbox.close();
});

const charges = async (order_id) => (await sandbox.ledger()).filter((l) => l.order_id === order_id).reduce((n, l) => n + l.charges, 0);

for (const kind of ['http_503', 'http_429', 'busy', 'close_before']) {
  test(`${kind} once on PAY is retried to success`, async () => {
    await sandbox.setFaults([{ kind, trans_type: 'PAY', count: 1, retry_after: 0 }]);
    const req = cardPay();
    const trade = await client.pay(req);
    assert.equal(trade.status, 'SUCCESS');
    assert.equal(await charges(req.order_id), 1);
  });
}

for (const kind of ['close_after_commit', 'truncate']) {
  test(`${kind} on PAY: the retry finds the same order, charged once`, async () => {
    await sandbox.setFaults([{ kind, trans_type: 'PAY', count: 1 }]);
    const req = cardPay();
    const trade = await client.pay(req);
    assert.equal(trade.status, 'SUCCESS');
    assert.equal(await charges(req.order_id), 1);
  });
}

test('busy beyond the retries is a GatewayError with its code', async () => {
  await sandbox.setFaults([{ kind: 'busy', trans_type: 'QUERY' }]);
  const e = await client.query({ merchant_id: 'm_1', order_id: 'o_x' }).then(() => null, (x) => x);
  assert.ok(e instanceof GatewayError, `${e?.name}: ${e?.message}`);
  assert.equal(e.code, '90000001');
  assert.equal(e.attempts, 3);
});

test('http_503 beyond the retries is a GatewayError with the HTTP status', async () => {
  await sandbox.setFaults([{ kind: 'http_503', trans_type: 'QUERY' }]);
  const e = await client.query({ merchant_id: 'm_1', order_id: 'o_x' }).then(() => null, (x) => x);
  assert.ok(e instanceof GatewayError, `${e?.name}: ${e?.message}`);
  assert.equal(e.httpStatus, 503);
});

test('connections closed after commit on every attempt: NetworkError, outcome unknown, one charge', async () => {
  await sandbox.setFaults([{ kind: 'close_after_commit', trans_type: 'PAY' }]);
  const req = cardPay();
  const e = await client.pay(req).then(() => null, (x) => x);
  assert.ok(e instanceof NetworkError, `${e?.name}: ${e?.message}`);
  assert.equal(e.outcomeUnknown, true);
  await sandbox.clearFaults();
  assert.equal(await charges(req.order_id), 1);
  assert.equal((await client.query({ merchant_id: 'm_1', order_id: req.order_id })).status, 'SUCCESS');
});

test('a delay longer than the timeout: TimeoutError, outcome unknown', async () => {
  const impatient = new Client({ baseUrl: sandbox.url, accessNo: sandbox.accessNo, secret: sandbox.secret, timeoutMs: 200, maxRetries: 0 });
  try {
    await sandbox.setFaults([{ kind: 'delay', trans_type: 'PAY', delay_ms: 1000 }]);
    const e = await impatient.pay(cardPay()).then(() => null, (x) => x);
    assert.ok(e instanceof TimeoutError, `${e?.name}: ${e?.message}`);
    assert.equal(e.outcomeUnknown, true);
  } finally {
    impatient.close();
  }
});

for (const kind of ['bad_signature', 'no_signature']) {
  test(`${kind}: SignatureError, the data is not trusted`, async () => {
    await sandbox.setFaults([{ kind, trans_type: 'QUERY' }]);
    const e = await client.query({ merchant_id: 'm_1', order_id: 'o_x' }).then(() => null, (x) => x);
    assert.ok(e instanceof SignatureError, `${e?.name}: ${e?.message}`);
  });
}

test('setFaults refuses a rule of unknown kind', async () => {
  await assert.rejects(sandbox.setFaults([{ kind: 'meteor' }]));
  await assert.rejects(sandbox.setFaults([{ kind: 'busy', probability: 2 }]));
});

test('seeded probabilistic faults: every payment still succeeds exactly once', async () => {
  await sandbox.setFaults([
    { kind: 'close_after_commit', probability: 0.3, seed: 7 },
    { kind: 'http_503', probability: 0.2, seed: 8 },
  ]);
  const patient = new Client({ baseUrl: sandbox.url, accessNo: sandbox.accessNo, secret: sandbox.secret, maxRetries: 8 });
  try {
    const reqs = Array.from({ length: 30 }, () => cardPay());
    const trades = await Promise.all(reqs.map((r) => patient.pay(r)));
    assert.ok(trades.every((t) => t.status === 'SUCCESS'));
    await sandbox.clearFaults();
    for (const r of reqs) assert.equal(await charges(r.order_id), 1);
  } finally {
    patient.close();
  }
});
