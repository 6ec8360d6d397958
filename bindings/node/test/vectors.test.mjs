// The shared conformance vectors (tests/vectors/) through the Node API: webhook deliveries,
// request validation (amounts, currencies, metadata, every operation's fields) and how
// responses are trusted and classed, over real HTTP from a scripted gateway.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as tp from '../index.mjs';
import { vectors, fakeGateway, xSignature } from './helpers.mjs';

const { Client, webhooks } = tp;

// Validation happens before sending: a client aimed at a closed port tells "refused before
// sending" (ValidationError) from "valid, sent" (NetworkError) without a gateway.
let offline;
let deadUrl;
before(async () => {
  const gw = await fakeGateway(() => ({}));
  deadUrl = gw.url;
  gw.close();
  offline = new Client({ baseUrl: deadUrl, accessNo: 'acc_123', secret: 's', maxRetries: 0 });
});
after(() => offline.close());

const outcome = (p) => p.then(() => ({ sent: true }), (e) => e);

const QR = { merchant_id: 'm_1', order_id: 'o_1', amount: '10.00', currency: 'USD', payment_method: 'qr' };

function assertRefused(e, { code, field, message }, name) {
  assert.ok(e instanceof tp.ValidationError, `${name}: expected ValidationError, got ${e?.name}: ${e?.message}`);
  if (code) assert.equal(e.code, code, name);
  if (field) assert.equal(e.field, field, name);
  if (message) assert.equal(e.message, `${field}: ${message}`, name);
  assert.equal(e.outcomeUnknown, false);
}

function assertSent(e, name) {
  assert.ok(e instanceof tp.NetworkError, `${name}: expected to be sent (NetworkError), got ${e?.name}: ${e?.message}`);
}

test('webhooks.json: every delivery verifies or is refused as the vectors say', () => {
  const v = vectors('webhooks.json');
  for (const c of v.cases) {
    const run = () => webhooks.verify(Buffer.from(c.body, 'utf8'), c.headers, v.secret, { toleranceSec: c.tolerance, nowSec: c.now });
    if (c.ok) {
      const event = run();
      assert.equal(event.id, c.event.id, c.name);
      assert.equal(event.type, c.event.type, c.name);
      assert.equal(event.timestamp, c.event.timestamp, c.name);
      if (c.event.data_kind !== 'unknown') assert.equal(event.data.status, c.event.status, c.name);
      if (c.event.data_kind === 'refund') assert.ok('refund_id' in event.data, c.name);
      // A string body verifies the same as its bytes.
      assert.equal(webhooks.verify(c.body, c.headers, v.secret, { toleranceSec: c.tolerance, nowSec: c.now }).id, c.event.id);
    } else {
      assert.throws(run, tp.WebhookVerificationError, c.name);
    }
  }
  // secrets: whether each whsec_ string parses. One that parses verifies the valid delivery
  // when it is the signing key, and otherwise fails only on the signature.
  const c = v.cases.find((x) => x.name === 'valid');
  for (const s of v.secrets) {
    const label = `secret ${JSON.stringify(s.input)}`;
    const run = () => webhooks.verify(c.body, c.headers, s.input, { nowSec: c.now });
    if (s.ok && s.key_base64 === v.secret.slice('whsec_'.length)) run();
    else if (s.ok) assert.throws(run, (e) => e instanceof tp.WebhookVerificationError && /signature/.test(e.message), label);
    else assert.throws(run, (e) => e instanceof tp.WebhookVerificationError && !/signature matches/.test(e.message), label);
  }
});

test('webhooks: header values given as arrays (Node joins nothing for unknown duplicates)', () => {
  const v = vectors('webhooks.json');
  const c = v.cases.find((x) => x.name === 'valid');
  const headers = { ...c.headers, 'webhook-signature': ['v1,Zm9vYmFy', c.headers['webhook-signature']] };
  assert.equal(webhooks.verify(c.body, headers, v.secret, { nowSec: c.now }).id, c.event.id);
});

test('requests.json: each operation is refused before sending exactly as the vectors say', async () => {
  const v = vectors('requests.json');
  const call = {
    PAY: (d) => offline.pay(d),
    QUERY: (d) => offline.query(d),
    REVERSAL: (d) => offline.reverse(d),
    CLOSE: (d) => offline.closeOrder(d),
    REFUND: (d) => offline.refund(d),
    REFUND_QUERY: (d) => offline.refundQuery(d),
  };
  let checked = 0;
  for (const c of v.operations) {
    // The SDKs uppercase what callers give; only the gateway refuses a lowercase currency.
    if (c.name === 'currency lowercase on the wire') {
      assertSent(await outcome(call[c.trans_type](c.data)), c.name);
      continue;
    }
    const e = await outcome(call[c.trans_type](c.data));
    if (c.code === 'OK') assertSent(e, c.name);
    else assertRefused(e, { code: c.code, field: c.field }, c.name);
    checked += 1;
  }
  assert.ok(checked > 50);
});

test('amounts.json: valid amounts are sent, invalid ones refused with the exact message', async () => {
  const v = vectors('amounts.json');
  for (const c of v.valid) assertSent(await outcome(offline.pay({ ...QR, amount: c.input })), c.input);
  for (const c of v.invalid) {
    assertRefused(await outcome(offline.pay({ ...QR, amount: c.input })), { code: v.code, field: 'amount', message: c.message }, JSON.stringify(c.input));
  }
  for (const c of v.with_currency) {
    const e = await outcome(offline.pay({ ...QR, amount: c.amount, currency: c.currency }));
    if (c.ok) assertSent(e, `${c.amount} ${c.currency}`);
    else assertRefused(e, { code: c.code, field: 'amount', message: c.message }, `${c.amount} ${c.currency}`);
  }
});

test('currencies.json: currencies as callers give them (any case)', async () => {
  const v = vectors('currencies.json');
  for (const c of v.valid) assertSent(await outcome(offline.pay({ ...QR, currency: c.input })), c.input);
  for (const c of v.invalid.filter((x) => x.from === 'user')) {
    // In a PAY, an empty required field is a missing one (22070001, as requests.json has
    // for every other field); the currency rules of this file apply to what is there.
    const code = c.input === '' ? '22070001' : v.code;
    assertRefused(await outcome(offline.pay({ ...QR, currency: c.input })), { code, field: v.field }, c.input);
  }
});

test('metadata.json: limits in UTF-8 bytes, with the exact message', async () => {
  const v = vectors('metadata.json');
  for (const c of v.cases) {
    const e = await outcome(offline.pay({ ...QR, metadata: c.metadata }));
    if (c.ok) assertSent(e, c.name);
    else assertRefused(e, { code: c.code, field: 'metadata', message: c.message }, c.name);
  }
});

// One scripted gateway for the response vectors: each test sets what it answers.
let answer;
let gw;
before(async () => {
  gw = await fakeGateway(() => answer);
});
after(() => gw.close());

const CLASS = {
  authentication: tp.AuthenticationError,
  invalid_request: tp.InvalidRequestError,
  business: tp.BusinessError,
  gateway: tp.GatewayError,
  other: tp.ApiError,
};

test('signatures.json responses: trusted, authentication, signature_error, protocol_error', async () => {
  const v = vectors('signatures.json');
  const client = new Client({ baseUrl: gw.url, accessNo: 'acc_123', secret: v.secret, maxRetries: 0 });
  try {
    for (const c of v.responses) {
      answer = { body: c.body, headers: c.signature === null ? {} : { 'x-signature': c.signature } };
      const r = await client.query({ merchant_id: 'm_1', order_id: 'o_1' }).then((t) => ({ trade: t }), (e) => e);
      switch (c.outcome) {
        case 'trusted':
          if (c.code === '00000000' || c.code === '00000003') assert.ok(r.trade, `${c.name}: ${r?.name} ${r?.message}`);
          else assert.ok(r instanceof tp.ApiError && r.code === c.code, `${c.name}: ${r?.name} ${r?.message}`);
          break;
        case 'authentication':
          assert.ok(r instanceof tp.AuthenticationError && r.code === c.code, `${c.name}: ${r?.name} ${r?.message}`);
          break;
        case 'signature_error':
          assert.ok(r instanceof tp.SignatureError, `${c.name}: ${r?.name} ${r?.message}`);
          break;
        case 'protocol_error':
          assert.ok(r instanceof tp.ProtocolError, `${c.name}: ${r?.name} ${r?.message}`);
          break;
        default:
          assert.fail(`unknown outcome ${c.outcome}`);
      }
    }
  } finally {
    client.close();
  }
});

test('envelopes.json: each signed envelope becomes a result or the error class of its code', async () => {
  const v = vectors('envelopes.json');
  const secret = 'envelope-vector-secret';
  const client = new Client({ baseUrl: gw.url, accessNo: 'acc_123', secret, maxRetries: 0 });
  try {
    for (const c of v.cases) {
      answer = { body: c.body, headers: { 'x-signature': xSignature(secret, c.body) } };
      // Ask about what the envelope is about: an answer about another order is a
      // ProtocolError (protocol.md §9).
      let data = {};
      try {
        data = JSON.parse(c.body).data ?? {};
      } catch {}
      if (data === null || typeof data !== 'object') data = {};
      const merchant_id = typeof data.merchant_id === 'string' ? data.merchant_id : 'm_1';
      const run =
        c.typed === 'refund'
          ? client.refundQuery({ merchant_id, refund_id: typeof data.refund_id === 'string' ? data.refund_id : 'r_1' })
          : client.query({ merchant_id, order_id: typeof data.order_id === 'string' ? data.order_id : 'o_1' });
      const r = await run.then((t) => ({ result: t }), (e) => e);
      const label = `${c.name}: got ${r?.name ?? 'a result'} ${r?.message ?? ''}`;
      if (!c.ok) {
        assert.ok(r instanceof tp.ProtocolError, label);
      } else if (c.class === 'success' || c.class === 'accepted') {
        if (c.typed_ok === false || c.status === null) assert.ok(r instanceof tp.ProtocolError, label);
        else if (c.typed_ok === true) assert.equal(r.result?.status, c.status, label);
      } else {
        assert.ok(r instanceof CLASS[c.class], label);
        assert.equal(r.code, c.code, label);
        assert.equal(r.outcomeUnknown, c.outcome_unknown, label);
        if (c.trace_id) assert.equal(r.traceId, c.trace_id, label);
        if (c.message) assert.equal(r.message, c.message, label);
      }
    }
  } finally {
    client.close();
  }
});
