// tradepay/testing under vitest (run by `cargo xtask test` with vitest's own runner; kept out
// of test/, which `node --test` runs).
import { describe, it, expect, beforeAll, afterAll, beforeEach } from 'vitest';
import { startSandbox, withSandbox } from 'tradepay/testing';

const card = { card: { number: '4242424242424242', exp_month: '12', exp_year: '2030', cvc: '123' } };
const pay = (client, orderId) =>
  client.pay({
    merchant_id: 'm_1',
    order_id: orderId,
    amount: '10.00',
    currency: 'USD',
    payment_method: 'card',
    payment_method_data: card,
    return_url: 'https://shop.example/back',
  });

describe('startSandbox', () => {
  let harness;
  beforeAll(async () => {
    harness = await startSandbox();
  });
  afterAll(() => harness.close());
  beforeEach(() => harness.reset());

  it('pays against the sandbox', async () => {
    expect((await pay(harness.client, 'o_vitest_1')).status).toBe('SUCCESS');
  });
  it('starts each test with an empty gateway', async () => {
    expect(await harness.sandbox.orders()).toEqual([]);
  });
});

it('withSandbox', async () => {
  const status = await withSandbox(async ({ client }) => (await pay(client, 'o_vitest_2')).status);
  expect(status).toBe('SUCCESS');
});
