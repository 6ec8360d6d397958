// Unknown request and option keys are refused by the core's rule (tradepay_types::suggest),
// never silently dropped: a misspelt notify_url would be a payment without its webhook.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import tp from '../index.js';

const client = new tp.Client({ baseUrl: 'http://127.0.0.1:9', accessNo: 'a', secret: 's', maxRetries: 0 });

test('a camelCase request key is refused with the wire name meant', async () => {
  await assert.rejects(
    client.pay({ merchant_id: 'm_1', order_id: 'o_1', amount: '1.00', currency: 'USD', notifyUrl: 'http://x' }),
    (e) => e instanceof tp.ValidationError && e.message === 'notifyUrl: unknown parameter; did you mean notify_url?',
  );
  await assert.rejects(
    client.query({ merchant_id: 'm_1', orderId: 'o_1' }),
    (e) => e instanceof tp.ValidationError && e.message === 'orderId: unknown parameter; did you mean order_id?',
  );
});

test('a Stripe-style timeout option is refused with the option meant', () => {
  assert.throws(
    () => new tp.Client({ baseUrl: 'http://127.0.0.1:9', accessNo: 'a', secret: 's', timeout: 5 }),
    (e) => e instanceof tp.ValidationError && e.message === 'timeout: unknown option; did you mean timeoutMs?',
  );
});

test('micropay accepts the keys of micropay, as in Python, not those of a card PAY', async () => {
  // Node once checked micropay against PAY's keys after moving auth_code, so a return_url
  // that Python refused went out here.
  await assert.rejects(
    client.micropay({ merchant_id: 'm_1', order_id: 'o_1', amount: '1.00', currency: 'USD', auth_code: '134567890123456780', return_url: 'http://x' }),
    (e) => e instanceof tp.ValidationError && e.message === 'return_url: unknown parameter',
  );
});
