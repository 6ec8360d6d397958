// tradepay/testing under node:test: startSandbox in before/after with reset between tests,
// and withSandbox around one test; both through the package's own export map.
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { startSandbox, withSandbox } from 'tradepay/testing';
import { Sandbox, Client } from 'tradepay';
import { cardPay } from './helpers.mjs';

let harness;
before(async () => {
  harness = await startSandbox({ seed: 3, client: { maxRetries: 0 } });
});
after(() => harness.close());
beforeEach(() => harness.reset());

test('startSandbox gives a sandbox and a client of it', async () => {
  assert.ok(harness.sandbox instanceof Sandbox);
  assert.ok(harness.client instanceof Client);
  const trade = await harness.client.pay(cardPay());
  assert.equal(trade.status, 'SUCCESS');
  assert.equal((await harness.sandbox.orders()).length, 1);
});

test('reset between tests: the previous test left no order', async () => {
  assert.deepEqual(await harness.sandbox.orders(), []);
});

test('withSandbox stops its sandbox afterwards, even when the test throws', async () => {
  let url;
  await assert.rejects(
    withSandbox(async ({ sandbox, client }) => {
      url = sandbox.url;
      await client.pay(cardPay());
      throw new Error('the test failed');
    }),
    /the test failed/,
  );
  const { NetworkError } = await import('tradepay');
  const stale = new Client({ baseUrl: url, accessNo: 'a', secret: 's', maxRetries: 0 });
  await assert.rejects(stale.query({ merchant_id: 'm_1', order_id: 'o_1' }), NetworkError);
  stale.close();
  assert.equal(await withSandbox({ seed: 1 }, async ({ client }) => (await client.pay(cardPay())).status), 'SUCCESS');
});

test('require("tradepay/testing") gives the same functions', () => {
  const require = createRequire(import.meta.url);
  const cjs = require('tradepay/testing');
  assert.equal(typeof cjs.startSandbox, 'function');
  assert.equal(typeof cjs.withSandbox, 'function');
});
