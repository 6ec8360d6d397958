// The error classes: hierarchy, instanceof across CommonJS and ESM, and the conversion of
// native failures (validation before sending, API envelopes, protocol failures).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import * as esm from '../index.mjs';
import { fakeGateway, xSignature, randomSecret } from './helpers.mjs';

const cjs = createRequire(import.meta.url)('../index.js');
const { Client, webhooks } = esm;

const API = ['AuthenticationError', 'InvalidRequestError', 'BusinessError', 'GatewayError'];
const OTHER = ['ValidationError', 'ApiError', 'NetworkError', 'TimeoutError', 'SignatureError', 'ProtocolError', 'WebhookVerificationError'];

test('CommonJS and ESM export the same classes', () => {
  for (const name of ['Client', 'Sandbox', 'webhooks', 'TradepayError', ...API, ...OTHER]) {
    assert.ok(esm[name], `ESM exports ${name}`);
    assert.equal(esm[name], cjs[name], `${name} is the same object in both`);
  }
  assert.equal(esm.default, cjs);
});

test('every error class is an Error and a TradepayError, API errors are ApiErrors', () => {
  for (const name of [...API, ...OTHER]) {
    const e = new esm[name]('m', { code: '1', outcomeUnknown: true });
    assert.ok(e instanceof Error, name);
    assert.ok(e instanceof esm.TradepayError, name);
    assert.equal(e instanceof esm.ApiError, API.includes(name) || name === 'ApiError', name);
    assert.equal(e.name, name);
    assert.equal(e.message, 'm');
    assert.equal(e.outcomeUnknown, true);
    assert.ok(e.stack.includes(name));
  }
  assert.equal(new esm.TimeoutError('t').trade, null);
});

test('a number amount is refused, saying why, and nothing is sent', async () => {
  let hits = 0;
  const gw = await fakeGateway(() => {
    hits += 1;
    return { status: 500 };
  });
  const client = new Client({ baseUrl: gw.url, accessNo: 'acc_1', secret: 's', maxRetries: 0 });
  try {
    const err = await client
      .pay({ merchant_id: 'm_1', order_id: 'o_1', amount: 10.5, currency: 'USD', payment_method: 'qr' })
      .then(() => null, (e) => e);
    assert.ok(err instanceof esm.ValidationError);
    assert.equal(err.field, 'amount');
    assert.equal(err.code, '22070001');
    assert.match(err.message, /decimal string/);
    assert.match(err.message, /number cannot carry an amount exactly/);
    assert.equal(err.outcomeUnknown, false);
    const bad = await client.query({ merchant_id: 'm_1' }).then(() => null, (e) => e);
    assert.ok(bad instanceof esm.ValidationError);
    assert.equal(bad.field, 'trade_id');
    const notObject = await client.refund('r_1').then(() => null, (e) => e);
    assert.ok(notObject instanceof esm.ValidationError);
    assert.equal(hits, 0, 'nothing reached the gateway');
  } finally {
    client.close();
    gw.close();
  }
});

test('bad client options are a ValidationError thrown by the constructor', () => {
  assert.throws(() => new Client({ baseUrl: 'http://pay.example', accessNo: 'a', secret: 's' }), esm.ValidationError);
  assert.doesNotThrow(() => new Client({ baseUrl: 'http://pay.example', accessNo: 'a', secret: 's', allowInsecureHttp: true }).close());
  assert.throws(() => new Client({ baseUrl: 'https://pay.example', accessNo: 'a', secret: 's', timeoutMs: -1 }), esm.ValidationError);
  assert.throws(() => new Client(), esm.ValidationError);
  for (const bad of [{ maxRetries: -1 }, { maxRetries: 1.5 }, { maxRetries: '2' }, { timeoutMs: '30s' }, { baseUrl: 42 }, { allowInsecureHttp: 'yes' }]) {
    const options = { baseUrl: 'https://pay.example', accessNo: 'a', secret: 's', ...bad };
    assert.throws(() => new Client(options), esm.ValidationError, JSON.stringify(bad));
  }
});

test('a closed client refuses further calls', async () => {
  const client = new Client({ baseUrl: 'http://127.0.0.1:9', accessNo: 'a', secret: 's' });
  client.close();
  await assert.rejects(client.query({ merchant_id: 'm_1', order_id: 'o_1' }), esm.ValidationError);
});

test('webhooks.verify throws WebhookVerificationError', () => {
  assert.throws(
    () => webhooks.verify('{}', { 'webhook-id': 'x', 'webhook-timestamp': '1', 'webhook-signature': 'v1,AAAA' }, 'whsec_AAAA'),
    esm.WebhookVerificationError,
  );
  assert.throws(() => webhooks.verify('{}', {}, 'not base64 !!'), esm.WebhookVerificationError);
  assert.throws(() => webhooks.verify('{}', undefined, 'whsec_AAAA'), esm.WebhookVerificationError);
  // A body parsed by a JSON middleware cannot be verified: say so.
  assert.throws(() => webhooks.verify({ type: 'trade.succeeded' }, {}, 'whsec_AAAA'), (e) => e instanceof esm.WebhookVerificationError && /raw request body/.test(e.message));
  assert.throws(() => webhooks.verify(undefined, {}, 'whsec_AAAA'), esm.WebhookVerificationError);
});

// Every API error class from a real HTTP exchange: a scripted gateway answers each envelope.
const ENVELOPES = [
  { code: '10000002', Class: 'AuthenticationError', signed: false },
  { code: '22070031', Class: 'InvalidRequestError', signed: true },
  { code: '30000003', Class: 'BusinessError', signed: true },
  { code: '90000001', Class: 'GatewayError', signed: true },
  { code: '90000002', Class: 'GatewayError', signed: true, outcomeUnknown: true },
  { code: '50000000', Class: 'ApiError', signed: true },
];

for (const c of ENVELOPES) {
  test(`envelope ${c.code} becomes ${c.Class} with code, message and traceId`, async () => {
    const secret = randomSecret();
    const body = JSON.stringify({ code: c.code, message: `message of ${c.code}`, traceId: `tr${c.code}`, data: { status: 'FAILED' } });
    const gw = await fakeGateway(() => ({ body, headers: c.signed ? { 'x-signature': xSignature(secret, body) } : {} }));
    const client = new Client({ baseUrl: gw.url, accessNo: 'acc_1', secret, maxRetries: 0 });
    try {
      const err = await client.query({ merchant_id: 'm_1', order_id: 'o_1' }).then(() => null, (e) => e);
      assert.ok(err instanceof esm[c.Class], `${err?.name}: ${err?.message}`);
      assert.ok(err instanceof esm.ApiError);
      assert.equal(err.name, c.Class);
      assert.equal(err.code, c.code);
      assert.equal(err.message, `message of ${c.code}`);
      assert.equal(err.traceId, `tr${c.code}`);
      assert.equal(err.httpStatus, 200);
      assert.equal(err.outcomeUnknown, Boolean(c.outcomeUnknown));
    } finally {
      client.close();
      gw.close();
    }
  });
}

test('an unsigned business answer is a SignatureError; a non-envelope is a ProtocolError', async () => {
  const secret = randomSecret();
  let answer;
  const gw = await fakeGateway(() => answer);
  const client = new Client({ baseUrl: gw.url, accessNo: 'acc_1', secret, maxRetries: 0 });
  try {
    const body = JSON.stringify({ code: '00000000', message: 'SUCCESS', traceId: 't', data: { status: 'SUCCESS' } });
    answer = { body };
    await assert.rejects(client.query({ merchant_id: 'm_1', order_id: 'o_1' }), esm.SignatureError);
    answer = { body, headers: { 'x-signature': xSignature('another secret', body) } };
    await assert.rejects(client.query({ merchant_id: 'm_1', order_id: 'o_1' }), esm.SignatureError);
    answer = { status: 418, body: 'teapot' };
    const e = await client.query({ merchant_id: 'm_1', order_id: 'o_1' }).then(() => null, (x) => x);
    assert.ok(e instanceof esm.ProtocolError, `${e?.name}: ${e?.message}`);
    answer = { body };
    answer.headers = { 'x-signature': xSignature(secret, body) };
    const ok = await client.query({ merchant_id: 'm_1', order_id: 'o_1' });
    assert.equal(ok.status, 'SUCCESS');
  } finally {
    client.close();
    gw.close();
  }
});

test('a refused connection is a NetworkError', async () => {
  const gw = await fakeGateway(() => ({}));
  const url = gw.url;
  gw.close();
  const client = new Client({ baseUrl: url, accessNo: 'acc_1', secret: 's', maxRetries: 1 });
  try {
    const e = await client.query({ merchant_id: 'm_1', order_id: 'o_1' }).then(() => null, (x) => x);
    assert.ok(e instanceof esm.NetworkError, `${e?.name}: ${e?.message}`);
    assert.equal(e.attempts, 2);
  } finally {
    client.close();
  }
});
