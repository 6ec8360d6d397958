// lastResponse on every Trade and Refund, and fields no version knows kept on the object.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { startSandbox, cardPay, uid } from './helpers.mjs';

test('a trade says which answer it came from, without showing it as a field', async () => {
  const { sandbox, client } = await startSandbox();
  try {
    await sandbox.setFaults([{ kind: 'http_503', trans_type: 'PAY', count: 1 }]);
    const trade = await client.pay(cardPay());
    const info = trade.lastResponse;
    assert.deepEqual(Object.keys(info).sort(), ['attempts', 'elapsedMs', 'httpStatus', 'traceId']);
    assert.equal(info.httpStatus, 200);
    assert.equal(info.attempts, 2);
    assert.equal(typeof info.traceId, 'string');
    assert.equal(info.traceId.length, 16);
    assert.ok(info.elapsedMs > 0 && info.elapsedMs < 30_000, String(info.elapsedMs));
    assert.ok(Object.isFrozen(info));
    // Non-enumerable: JSON, keys, spreading and console.log show only the order.
    assert.ok(!Object.keys(trade).includes('lastResponse'));
    assert.ok(!JSON.stringify(trade).includes(info.traceId));
    assert.equal({ ...trade }.lastResponse, undefined);
    assert.ok(!inspect(trade).includes('lastResponse'));
    const again = await client.query({ merchant_id: 'm_1', order_id: trade.order_id });
    assert.equal(again.lastResponse.attempts, 1);
    assert.notEqual(again.lastResponse.traceId, info.traceId);
  } finally {
    client.close();
    await sandbox.close();
  }
});

test('unknown fields of an answer stay on the plain object', async () => {
  const { sandbox, client } = await startSandbox();
  try {
    const trade = await client.pay(cardPay());
    await sandbox.setFaults([{ kind: 'future_field', trans_type: 'REFUND' }]);
    const refund = await client.refund({ merchant_id: 'm_1', order_id: trade.order_id, refund_id: uid('r'), amount: '1.00' });
    assert.deepEqual(refund.x_future_field, { since: '2027-01', values: [1, 'two', null] });
    assert.equal(refund.lastResponse.httpStatus, 200);
    assert.ok(JSON.stringify(refund).includes('x_future_field'));
  } finally {
    client.close();
    await sandbox.close();
  }
});
