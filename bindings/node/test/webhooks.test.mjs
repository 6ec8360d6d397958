// webhooks.verify reads every kind of Node body and headers; sign makes deliveries that
// tradepay and the Standard Webhooks library both accept; verifyRequest takes a Fetch Request.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Webhook } from 'standardwebhooks';
import { webhooks, WebhookVerificationError, ValidationError } from '../index.mjs';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const OTHER = 'whsec_b3RoZXIgc2VjcmV0IG90aGVyIHNlY3JldA==';
const BODY = JSON.stringify({
  type: 'refund.succeeded',
  timestamp: '2026-11-21T22:18:46Z',
  data: { refund_id: 'r_1', order_id: 'o_1', status: 'SUCCESS', refund_amount: '1.00', currency: 'USD' },
});

test('a signed delivery verifies, with a fresh id each time', () => {
  const h = webhooks.sign(BODY, SECRET);
  assert.deepEqual(Object.keys(h).sort(), ['webhook-id', 'webhook-signature', 'webhook-timestamp']);
  assert.match(h['webhook-id'], /^msg_[0-9a-f]{32}$/);
  assert.notEqual(webhooks.sign(BODY, SECRET)['webhook-id'], h['webhook-id']);
  const event = webhooks.verify(BODY, h, SECRET);
  assert.equal(event.id, h['webhook-id']);
  assert.equal(event.type, 'refund.succeeded');
  assert.equal(event.data.refund_id, 'r_1');
  const fixed = webhooks.sign(BODY, SECRET, { id: 'msg_fixed', timestamp: 1_800_000_000 });
  assert.equal(fixed['webhook-id'], 'msg_fixed');
  assert.equal(fixed['webhook-timestamp'], '1800000000');
  assert.equal(webhooks.verify(BODY, fixed, SECRET, { nowSec: 1_800_000_010 }).id, 'msg_fixed');
});

test('sign refuses a bad id, timestamp or options as a ValidationError', () => {
  assert.throws(() => webhooks.sign(BODY, SECRET, { id: 'has space' }), (e) => e instanceof ValidationError && e.field === 'id');
  assert.throws(() => webhooks.sign(BODY, SECRET, { timestamp: 1.5 }), (e) => e instanceof ValidationError && e.field === 'timestamp');
  assert.throws(() => webhooks.sign(BODY, SECRET, { timestamp: -1 }), ValidationError);
  assert.throws(() => webhooks.sign(BODY, SECRET, 'x'), ValidationError);
});

test('every form of the body verifies', () => {
  const h = webhooks.sign(BODY, SECRET);
  const buf = Buffer.from(BODY);
  for (const body of [BODY, buf, new Uint8Array(buf), buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length)]) {
    assert.equal(webhooks.verify(body, h, SECRET).id, h['webhook-id']);
  }
  assert.throws(
    () => webhooks.verify(JSON.parse(BODY), h, SECRET),
    (e) => e instanceof WebhookVerificationError && /body: must be the raw request body.*not an object/.test(e.message),
  );
});

test('every form of the headers verifies, case-insensitively', () => {
  const h = webhooks.sign(BODY, SECRET);
  const upper = Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toUpperCase(), v]));
  const forms = [h, upper, new Headers(h), new Map(Object.entries(h)), Object.entries(h)];
  for (const headers of forms) assert.equal(webhooks.verify(BODY, headers, SECRET).id, h['webhook-id']);
  // A signature header sent twice (Node gives an array) still verifies.
  const twice = { ...h, 'webhook-signature': ['v1,AAAA', h['webhook-signature']] };
  assert.equal(webhooks.verify(BODY, twice, SECRET).id, h['webhook-id']);
});

test('headers of a type it cannot read are a WebhookVerificationError that names it', () => {
  for (const [headers, got] of [
    [42, 'a number'],
    ['webhook-id: x', 'a string'],
    [[['only-one']], 'an array'],
    [{ 'webhook-id': () => 1 }, 'an object'],
    [undefined, 'undefined'],
  ]) {
    assert.throws(
      () => webhooks.verify(BODY, headers, SECRET),
      (e) => e instanceof WebhookVerificationError && e.message.startsWith('headers: must be') && e.message.endsWith(`not ${got}`),
    );
  }
});

test('rotation: any secret of the array verifies', () => {
  const h = webhooks.sign(BODY, SECRET);
  assert.equal(webhooks.verify(BODY, h, [OTHER, SECRET]).id, h['webhook-id']);
  assert.throws(() => webhooks.verify(BODY, h, [OTHER]), WebhookVerificationError);
  assert.throws(() => webhooks.verify(BODY, h, []), (e) => e instanceof ValidationError && e.field === 'secret');
  assert.throws(() => webhooks.verify(BODY, h, 42), (e) => e instanceof ValidationError && /not a number$/.test(e.message));
  assert.throws(() => webhooks.verify(BODY, h, [SECRET, 1]), ValidationError);
});

test('standardwebhooks accepts what tradepay signs, and the reverse', () => {
  const h = webhooks.sign(BODY, SECRET);
  const theirs = new Webhook(SECRET);
  assert.equal(theirs.verify(BODY, h).type, 'refund.succeeded');
  const now = new Date();
  const signature = theirs.sign('msg_theirs', now, BODY);
  const headers = {
    'webhook-id': 'msg_theirs',
    'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
    'webhook-signature': signature,
  };
  assert.equal(webhooks.verify(BODY, headers, SECRET).id, 'msg_theirs');
});

test('verifyRequest reads a Fetch Request once', async () => {
  const h = webhooks.sign(BODY, SECRET);
  const request = new Request('https://shop.example/webhooks', { method: 'POST', headers: h, body: BODY });
  const event = await webhooks.verifyRequest(request, SECRET);
  assert.equal(event.data.refund_id, 'r_1');
  await assert.rejects(
    webhooks.verifyRequest(request, SECRET),
    (e) => e instanceof WebhookVerificationError && /not a Request whose body was already read/.test(e.message),
  );
  await assert.rejects(
    webhooks.verifyRequest({ body: BODY }, SECRET),
    (e) => e instanceof WebhookVerificationError && /request: must be a Fetch API Request/.test(e.message),
  );
  const tampered = new Request('https://shop.example/webhooks', { method: 'POST', headers: h, body: BODY.replace('1.00', '100.00') });
  await assert.rejects(webhooks.verifyRequest(tampered, SECRET), WebhookVerificationError);
});
