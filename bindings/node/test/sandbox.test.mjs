// The Node Sandbox has Python's start options and methods, and fails with tradepay classes
// and the messages of the same core reader (tradepay_sandbox::options).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import tp from '../index.js';

test('start options set the credentials and seed, as in Python', async () => {
  const sb = await tp.Sandbox.start({ seed: 7, accessNo: 'acc_fixed', secret: 's3cret', port: 0 });
  try {
    assert.equal(sb.accessNo, 'acc_fixed');
    assert.equal(sb.secret, 's3cret');
    assert.ok(sb.url.startsWith('http://127.0.0.1:'));
    const c = new tp.Client({ baseUrl: sb.url, accessNo: sb.accessNo, secret: sb.secret });
    const q = await c.pay({ merchant_id: 'm_1', order_id: `o_${Date.now()}`, amount: '4', currency: 'USD', payment_method: 'qr' });
    assert.deepEqual((await sb.orders()).map((o) => o.trade_id), [q.trade_id]);
    assert.deepEqual(await sb.refunds(), []);
    assert.ok(Array.isArray(await sb.webhookDeliveries()));
    await sb.reset();
    assert.deepEqual(await sb.orders(), []);
    c.close();
  } finally {
    await sb.close();
  }
});

test('bad start options are ValidationErrors naming the option meant', async () => {
  await assert.rejects(
    tp.Sandbox.start({ access_no: 'a' }),
    (e) => e instanceof tp.ValidationError && e.message === 'access_no: unknown option; did you mean accessNo?',
  );
  await assert.rejects(
    tp.Sandbox.start({ port: 70000 }),
    (e) => e instanceof tp.ValidationError && e.message === 'port: must be a whole number from 0 to 65535',
  );
});

test('sandbox errors are tradepay classes', async () => {
  const sb = await tp.Sandbox.start();
  try {
    await assert.rejects(sb.complete('tr_unknown', 'succeeded'), (e) => e instanceof tp.ValidationError && /not found/.test(e.message));
    await assert.rejects(sb.setFaults([{ kind: 5 }]), (e) => e instanceof tp.ValidationError && /fault rules/.test(e.message));
  } finally {
    await sb.close();
  }
});

test('a closed sandbox refuses with the message Python gives', async () => {
  const sb = await tp.Sandbox.start();
  await sb.close();
  await assert.rejects(
    async () => sb.orders(),
    (e) => e instanceof tp.ValidationError && e.message === 'the sandbox is closed; start a new Sandbox',
  );
});
