// Every Client and Sandbox method against the embedded sandbox gateway.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BusinessError, TimeoutError, AuthenticationError, Client, Sandbox } from '../index.mjs';
import { startSandbox, cardPay, card, uid } from './helpers.mjs';

let sandbox;
let client;
before(async () => ({ sandbox, client } = await startSandbox()));
after(async () => {
  client.close();
  await sandbox.close();
});

test('sandbox exposes its credentials', () => {
  assert.match(sandbox.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.ok(sandbox.accessNo.length > 0);
  assert.ok(sandbox.secret.length > 0);
  assert.match(sandbox.webhookSecret, /^whsec_/);
  assert.throws(() => new Sandbox({}), TypeError);
});

test('pay: card success returns the order with wire field names', async () => {
  const req = cardPay({ amount: '10.5', currency: 'usd', metadata: { cart: 'c_1' }, customer_id: 'cus_1' });
  const trade = await client.pay(req);
  assert.equal(trade.status, 'SUCCESS');
  assert.equal(trade.trade_status, 'succeeded');
  assert.equal(trade.amount, '10.50');
  assert.equal(trade.currency, 'USD');
  assert.equal(trade.order_id, req.order_id);
  assert.equal(trade.merchant_id, 'm_1');
  assert.deepEqual(trade.metadata, { cart: 'c_1' });
  assert.equal(trade.customer_id, 'cus_1');
  assert.equal(typeof trade.trade_id, 'string');
  assert.equal(trade.refund_status, 'no_refund');
  assert.match(trade.txn_time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  // Same order_id, same parameters: the same order, not a second charge.
  const again = await client.pay(req);
  assert.equal(again.trade_id, trade.trade_id);
  const ledger = (await sandbox.ledger()).filter((l) => l.order_id === req.order_id);
  assert.equal(ledger.length, 1);
  assert.equal(ledger[0].charges, 1);
  // Same order_id, different amount: refused by the gateway.
  await assert.rejects(client.pay({ ...req, amount: '11.00' }), (e) => e instanceof BusinessError && e.code === '30000002');
});

test('pay: declined cards are results, not errors', async () => {
  const declined = await client.pay(cardPay({ payment_method_data: card('4000000000000002') }));
  assert.equal(declined.status, 'FAILED');
  assert.equal(declined.trade_status, 'requires_payment_method');
  assert.equal(declined.last_payment_error.code, 'card_declined');
  const funds = await client.pay(cardPay({ payment_method_data: card('4000000000009995') }));
  assert.equal(funds.last_payment_error.code, 'insufficient_funds');
});

test('pay: 3-D Secure is pending with a redirect until completed', async () => {
  const t = await client.pay(cardPay({ payment_method_data: card('4000000000003220') }));
  assert.equal(t.status, 'PENDING');
  assert.equal(t.trade_status, 'requires_action');
  assert.equal(t.next_action.type, 'redirect');
  assert.match(t.next_action.redirect.url, /^http/);
  const done = await sandbox.complete(t.trade_id, 'failed');
  assert.equal(done.status, 'FAILED');
  const q = await client.query({ merchant_id: 'm_1', trade_id: t.trade_id });
  assert.equal(q.status, 'FAILED');
});

test('QR: query, complete, waitFinal', async () => {
  const order_id = uid('qr');
  const t = await client.pay({ merchant_id: 'm_1', order_id, amount: '5', currency: 'EUR', payment_method: 'qr' });
  assert.equal(t.status, 'PENDING');
  assert.ok(t.next_action.redirect.url);
  assert.equal((await client.query({ merchant_id: 'm_1', order_id })).status, 'PENDING');
  assert.equal((await client.query({ merchant_id: 'm_1', order_id, trade_id: t.trade_id })).status, 'PENDING');
  const waiting = client.waitFinal({ merchant_id: 'm_1', order_id, timeoutMs: 20000 });
  await sandbox.complete(t.trade_id, 'succeeded');
  const final = await waiting;
  assert.equal(final.status, 'SUCCESS');
});

test('waitFinal: TimeoutError carries the last trade seen', async () => {
  const t = await client.pay({ merchant_id: 'm_1', order_id: uid('qr'), amount: '5', currency: 'EUR', payment_method: 'qr' });
  const err = await client.waitFinal({ merchant_id: 'm_1', trade_id: t.trade_id, timeoutMs: 300 }).then(() => null, (e) => e);
  assert.ok(err instanceof TimeoutError, `${err?.name}: ${err?.message}`);
  assert.equal(err.trade.status, 'PENDING');
  assert.equal(err.trade.trade_id, t.trade_id);
});

test('QR orders expire after 2 minutes of sandbox clock', async () => {
  const t = await client.pay({ merchant_id: 'm_1', order_id: uid('qr'), amount: '1', currency: 'USD', payment_method: 'qr' });
  await sandbox.advanceClock(121);
  assert.equal((await client.query({ merchant_id: 'm_1', trade_id: t.trade_id })).status, 'CLOSED');
});

test('closeOrder closes a pending order; reverse a paid one', async () => {
  const t = await client.pay({ merchant_id: 'm_1', order_id: uid('qr'), amount: '1', currency: 'USD', payment_method: 'qr' });
  const closed = await client.closeOrder({ merchant_id: 'm_1', trade_id: t.trade_id });
  assert.equal(closed.status, 'CLOSED');
  const paid = await client.pay(cardPay());
  await assert.rejects(client.closeOrder({ merchant_id: 'm_1', trade_id: paid.trade_id }), (e) => e instanceof BusinessError && e.code === '30000003');
  const reversed = await client.reverse({ merchant_id: 'm_1', order_id: paid.order_id });
  assert.equal(reversed.status, 'CLOSED');
  assert.equal(reversed.trade_status, 'succeeded');
  const entry = (await sandbox.ledger()).find((l) => l.order_id === paid.order_id);
  assert.equal(entry.refunded, '10.00');
});

test('refund and refundQuery, partial then full, then too much', async () => {
  const paid = await client.pay(cardPay({ amount: '10' }));
  const r1 = await client.refund({ merchant_id: 'm_1', trade_id: paid.trade_id, refund_id: uid('r'), amount: '2.5', reason: 'damaged' });
  assert.equal(r1.status, 'SUCCESS');
  assert.equal(r1.amount, '2.50');
  assert.equal(r1.reason, 'damaged');
  const partial = await client.query({ merchant_id: 'm_1', trade_id: paid.trade_id });
  assert.equal(partial.refund_status, 'partially_refunded');
  assert.equal(partial.total_refunded_amount, '2.50');
  const q = await client.refundQuery({ merchant_id: 'm_1', refund_id: r1.refund_id });
  assert.equal(q.refund_id, r1.refund_id);
  assert.equal(q.trade_id, paid.trade_id);
  const pending = await client.refund({ merchant_id: 'm_1', order_id: paid.order_id, refund_id: uid('r'), amount: '7.50', reason: 'sandbox_pending' });
  assert.equal(pending.status, 'PENDING');
  await sandbox.advanceClock(6);
  assert.equal((await client.refundQuery({ merchant_id: 'm_1', refund_id: pending.refund_id })).status, 'SUCCESS');
  assert.equal((await client.query({ merchant_id: 'm_1', trade_id: paid.trade_id })).refund_status, 'refunded');
  await assert.rejects(
    client.refund({ merchant_id: 'm_1', trade_id: paid.trade_id, refund_id: uid('r'), amount: '0.01' }),
    (e) => e instanceof BusinessError && e.code === '30000004' && typeof e.traceId === 'string',
  );
  await assert.rejects(client.refundQuery({ merchant_id: 'm_1', refund_id: 'no_such_refund' }), BusinessError);
});

test('micropay: success at once, after confirmation, and reversed at the deadline', async () => {
  const base = { merchant_id: 'm_1', amount: '3.20', currency: 'CNY' };
  const now = await client.micropay({ ...base, order_id: uid('mp'), auth_code: '134567890123456780' });
  assert.equal(now.status, 'SUCCESS');
  const declined = await client.micropay({ ...base, order_id: uid('mp'), auth_code: '134567890123456782' });
  assert.equal(declined.status, 'FAILED');
  const stuck = await client.micropay({ ...base, order_id: uid('mp'), auth_code: '134567890123456783', deadlineMs: 800 });
  assert.equal(stuck.status, 'CLOSED');
});

test('subscription then recurring payment with the token', async () => {
  const first = await client.pay(cardPay({ payment_mode: 'subscription' }));
  assert.equal(first.status, 'SUCCESS');
  assert.equal(first.payment_mode, 'subscription');
  assert.ok(first.payment_token);
  const renewal = await client.pay({
    merchant_id: 'm_1', order_id: uid('rec'), amount: '10.00', currency: 'USD', payment_method: 'card',
    payment_mode: 'recurring_payment', payment_token: first.payment_token,
  });
  assert.equal(renewal.status, 'SUCCESS');
  await assert.rejects(
    client.pay({ merchant_id: 'm_1', order_id: uid('rec'), amount: '1', currency: 'USD', payment_method: 'card', payment_mode: 'recurring_payment', payment_token: 'tok_forged' }),
    (e) => e instanceof BusinessError && e.code === '30000005',
  );
});

test('a wrong secret is an AuthenticationError, never retried into success', async () => {
  const bad = new Client({ baseUrl: sandbox.url, accessNo: sandbox.accessNo, secret: 'wrong' });
  try {
    const e = await bad.query({ merchant_id: 'm_1', order_id: 'o_1' }).then(() => null, (x) => x);
    assert.ok(e instanceof AuthenticationError);
    assert.equal(e.code, '10000002');
    assert.equal(e.outcomeUnknown, false);
  } finally {
    bad.close();
  }
});

test('sandbox.complete refuses an unknown outcome; orders() lists orders', async () => {
  const t = await client.pay({ merchant_id: 'm_1', order_id: uid('qr'), amount: '1', currency: 'USD', payment_method: 'qr' });
  await assert.rejects(sandbox.complete(t.trade_id, 'maybe'));
  const orders = await sandbox.orders();
  assert.ok(orders.some((o) => o.trade_id === t.trade_id));
});

test('a closed sandbox refuses further calls; closing twice is harmless', async () => {
  const other = await Sandbox.start();
  await other.close();
  await other.close();
  await assert.rejects(other.ledger(), /closed/);
  await assert.rejects(other.setFaults([{ kind: 'busy' }]), /closed/);
  assert.match(other.url, /^http:/);
});
