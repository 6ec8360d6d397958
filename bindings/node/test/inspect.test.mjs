// console.log / util.inspect of results masks card data, auth_code and payment_token; the
// properties themselves, JSON.stringify and Object.keys stay as they are.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { createHmac } from 'node:crypto';
import { webhooks } from '../index.mjs';
import { startSandbox, cardPay } from './helpers.mjs';

let sandbox;
let client;
before(async () => ({ sandbox, client } = await startSandbox()));
after(async () => {
  client.close();
  await sandbox.close();
});

function signed(secret, body) {
  const id = `msg_${Date.now()}`;
  const ts = Math.floor(Date.now() / 1000).toString();
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  const sig = createHmac('sha256', key).update(`${id}.${ts}.${body}`).digest('base64');
  return { 'webhook-id': id, 'webhook-timestamp': ts, 'webhook-signature': `v1,${sig}` };
}

test('inspect of a trade masks payment_token; the property, JSON and keys are unchanged', async () => {
  const trade = await client.pay(cardPay({ payment_mode: 'subscription' }));
  const token = trade.payment_token;
  assert.ok(typeof token === 'string' && token.length > 8, 'the property is readable');
  const shown = inspect(trade, { depth: 5 });
  assert.ok(!shown.includes(token), shown);
  assert.match(shown, /payment_token: '<redacted>'/);
  assert.match(shown, new RegExp(trade.trade_id), 'the rest is shown');
  assert.ok(JSON.stringify(trade).includes(token), 'JSON.stringify is the wire object');
  assert.ok(!Object.keys(trade).some((k) => typeof k !== 'string' || k.includes('inspect')));
  assert.deepEqual(JSON.parse(JSON.stringify(trade)), { ...trade });
  // console.log goes through the same inspect, also nested in an array and in an object.
  assert.ok(!inspect([trade]).includes(token));
  assert.ok(!inspect({ result: trade }, { depth: 5 }).includes(token));
  const orders = await sandbox.orders();
  assert.ok(!inspect(orders, { depth: 5 }).includes(token), 'sandbox listings too');
});

test('inspect of event data masks card numbers (last 4 kept), cvc and auth_code at any depth', () => {
  const body = JSON.stringify({
    type: 'trade.something_new',
    timestamp: new Date().toISOString(),
    data: {
      trade_id: 'tr_1',
      payment_method_data: {
        card: { number: '4242424242424242', exp_month: '12', exp_year: '2030', cvc: '987' },
        micropay: { auth_code: '134567890123456789' },
      },
      attempts: [{ auth_code: '134567890123456780', payment_token: 'tok_secret_value' }],
    },
  });
  const event = webhooks.verify(body, signed(sandbox.webhookSecret, body), sandbox.webhookSecret);
  assert.equal(event.data.payment_method_data.card.number, '4242424242424242', 'readable');
  for (const shown of [inspect(event, { depth: 10 }), inspect(event.data, { depth: 10 })]) {
    for (const secret of ['4242424242424242', '987', '134567890123456789', '134567890123456780', 'tok_secret_value']) {
      assert.ok(!shown.includes(secret), `${secret} shown in ${shown}`);
    }
    assert.ok(shown.includes('4242'), 'the last four digits remain');
    assert.ok(shown.includes('tr_1'));
  }
  assert.ok(JSON.stringify(event).includes('4242424242424242'));
});

test('the last trade an error carries is masked the same way', async () => {
  const first = await client.pay(cardPay({ payment_mode: 'subscription' }));
  const e = await client
    .waitFinal({ merchant_id: 'm_1', trade_id: (await client.pay(cardPay({ payment_method: 'qr', payment_method_data: undefined }))).trade_id, timeoutMs: 50 })
    .then(() => null, (x) => x);
  assert.ok(e?.trade, `${e?.name}: ${e?.message}`);
  // Put a token on the trade the error carries: inspect of the error must not show it.
  e.trade.payment_token = first.payment_token;
  assert.ok(!inspect(e, { depth: 5 }).includes(first.payment_token));
  assert.equal(e.trade.payment_token, first.payment_token);
});
