// What the binding does with hostile or mistaken input: no secret in error text, no panic
// or stack overflow reaching Node, one duration rule, no silent rewriting of values, and a
// Promise (never a synchronous throw) from every async method.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import tradepay, { Client, Sandbox, webhooks, TradepayError, ValidationError, WebhookVerificationError } from '../index.mjs';
import { fakeGateway, cardPay } from './helpers.mjs';

let gw;
let hits = 0;
let client;
before(async () => {
  // Anything that reaches it is a failure of "checked before sending".
  gw = await fakeGateway(() => {
    hits += 1;
    return { status: 500 };
  });
  client = new Client({ baseUrl: gw.url, accessNo: 'acc_1', secret: 's', maxRetries: 0 });
});
after(() => {
  client.close();
  gw.close();
});

/** The rejection of a call that must return a Promise (a synchronous throw fails the test). */
async function rejection(makeCall) {
  let p;
  assert.doesNotThrow(() => {
    p = makeCall();
  }, 'an async method never throws synchronously');
  assert.equal(typeof p?.then, 'function', 'an async method returns a Promise');
  return p.then(
    (v) => assert.fail(`expected a rejection, got ${JSON.stringify(v)}`),
    (e) => e,
  );
}

function thrown(f) {
  try {
    f();
  } catch (e) {
    return e;
  }
  return assert.fail('expected a throw');
}

const SECRET = 'whsec_U1VQRVJTRUNSRVRWQUxVRQ==';

test('a webhook secret that is not a string: the error names it and its type, never its content', () => {
  const headers = { 'webhook-id': 'msg_1', 'webhook-timestamp': '1', 'webhook-signature': 'v1,AAAA' };
  const secretBytes = Buffer.from(SECRET);
  for (const [secret, type] of [
    [secretBytes, 'a Buffer'],
    [{ key: SECRET }, 'an object'],
    [123456789, 'a number'],
    [new Uint8Array(secretBytes), 'a Buffer'],
    [new Uint16Array(4), 'a typed array'],
    [[secretBytes], 'an array'],
  ]) {
    const e = thrown(() => webhooks.verify('{}', headers, secret));
    assert.ok(e instanceof ValidationError, `${e?.name}: ${e?.message}`);
    assert.equal(e.field, 'secret');
    assert.match(e.message, /^secret: must be a string or an array of strings, not /);
    assert.ok(e.message.includes(type), e.message);
    for (const leak of ['U1VQ', 'SUPER', '123456789', String(secretBytes[0]) + ',', 'whsec']) {
      assert.ok(!e.message.includes(leak), `the message shows ${leak}: ${e.message}`);
      assert.ok(!String(e.stack).includes(leak), `the stack shows ${leak}`);
    }
  }
});

test('a webhook body of the wrong type: the error names its type, never its content', () => {
  for (const [body, type] of [
    [{ card: '4242424242424242' }, 'an object'],
    [4242424242424242, 'a number'],
    [new Float64Array([4242]), 'a typed array'],
  ]) {
    const e = thrown(() => webhooks.verify(body, {}, SECRET));
    assert.ok(e instanceof WebhookVerificationError, `${e?.name}: ${e?.message}`);
    assert.equal(e.field, 'body');
    assert.ok(e.message.includes(type), e.message);
    assert.ok(!e.message.includes('4242'), e.message);
  }
  // The raw body may also be a Uint8Array or an ArrayBuffer (api.md): read, then refused only
  // for its signature.
  for (const body of [new Uint8Array(Buffer.from('{}')), Buffer.from('{}').buffer.slice(0)]) {
    const e = thrown(() => webhooks.verify(body, { 'webhook-id': 'x', 'webhook-timestamp': '1', 'webhook-signature': 'v1,AAAA' }, SECRET));
    assert.ok(e instanceof WebhookVerificationError, e.message);
    assert.notEqual(e.field, 'body', e.message);
  }
});

test('a client secret that is not a string is refused without showing it', () => {
  const e = thrown(() => new Client({ baseUrl: gw.url, accessNo: 'a', secret: Buffer.from('hunter2hunter2') }));
  assert.ok(e instanceof ValidationError, `${e?.name}: ${e?.message}`);
  assert.equal(e.field, 'secret');
  assert.ok(!e.message.includes('hunter2') && !e.message.includes('104,'), e.message);
});

test('a panic on the JS thread is a TradepayError with the internal code', () => {
  const e = thrown(() => tradepay._testPanic(false));
  assert.ok(e instanceof TradepayError, `${e?.constructor?.name}: ${e?.message}`);
  assert.equal(e.code, 'ERR_TRADEPAY_INTERNAL');
  assert.equal(e.outcomeUnknown, false);
  assert.match(e.message, /internal error in tradepay/);
});

test('a panic inside an async call rejects its Promise with a TradepayError, outcome unknown', async () => {
  const e = await rejection(() => tradepay._testPanic(true));
  assert.ok(e instanceof TradepayError, `${e?.constructor?.name}: ${e?.message}`);
  assert.equal(e.code, 'ERR_TRADEPAY_INTERNAL');
  assert.equal(e.outcomeUnknown, true);
  // The addon is still usable afterwards.
  const again = await rejection(() => tradepay._testPanic(true));
  assert.equal(again.code, 'ERR_TRADEPAY_INTERNAL');
});

test('_testPanic is hidden: not an enumerable export', () => {
  assert.ok(!Object.keys(tradepay).includes('_testPanic'));
});

const BAD_MS = [
  ['huge', 1e300],
  ['over a day', 86_400_001],
  ['negative', -1],
  ['NaN', NaN],
  ['Infinity', Infinity],
  ['-Infinity', -Infinity],
];
const RANGE = /must be between 0 and 86400000 milliseconds/;
// Options named in seconds keep the seconds wording.
const RANGE_SEC = /must be between 0 and 86400 seconds/;

for (const [label, n] of BAD_MS) {
  test(`a ${label} duration is a ValidationError at the call, nothing is sent`, async () => {
    const before_ = hits;
    for (const key of ['timeoutMs', 'deadlineMs']) {
      const e = thrown(() => new Client({ baseUrl: gw.url, accessNo: 'a', secret: 's', [key]: n }));
      assert.ok(e instanceof ValidationError, `${key}: ${e?.name}: ${e?.message}`);
      assert.equal(e.field, key);
      assert.match(e.message, RANGE);
    }
    const wf = await rejection(() => client.waitFinal({ merchant_id: 'm_1', order_id: 'o_1', timeoutMs: n }));
    assert.ok(wf instanceof ValidationError, `${wf?.name}: ${wf?.message}`);
    assert.equal(wf.field, 'timeoutMs');
    assert.match(wf.message, RANGE);
    const mp = await rejection(() =>
      client.micropay({ merchant_id: 'm_1', order_id: 'o_1', amount: '1.00', currency: 'USD', auth_code: '1234567890123', deadlineMs: n }),
    );
    assert.ok(mp instanceof ValidationError, `${mp?.name}: ${mp?.message}`);
    assert.equal(mp.field, 'deadlineMs');
    assert.match(mp.message, RANGE);
    const wh = thrown(() => webhooks.verify('{}', {}, SECRET, { toleranceSec: n / 1000 }));
    assert.ok(wh instanceof ValidationError, `${wh?.name}: ${wh?.message}`);
    assert.equal(wh.field, 'toleranceSec');
    assert.match(wh.message, RANGE_SEC);
    assert.equal(hits, before_, 'nothing reached the gateway');
  });
}

test('a duration that is not a number is refused with its type', async () => {
  const e = thrown(() => new Client({ baseUrl: gw.url, accessNo: 'a', secret: 's', timeoutMs: '30s' }));
  assert.ok(e instanceof ValidationError);
  assert.match(e.message, /timeoutMs: must be a number, not a string/);
  const wf = await rejection(() => client.waitFinal({ merchant_id: 'm_1', order_id: 'o_1', timeoutMs: 10n }));
  assert.ok(wf instanceof ValidationError);
  assert.match(wf.message, /a BigInt/);
});

test('the sandbox clock refuses huge, negative and NaN seconds', async () => {
  const sb = await Sandbox.start();
  try {
    for (const [, n] of BAD_MS) {
      const e = await rejection(() => sb.advanceClock(n));
      assert.ok(e instanceof ValidationError, `${e?.name}: ${e?.message}`);
      assert.match(e.message, RANGE_SEC);
    }
    await sb.advanceClock(1);
  } finally {
    await sb.close();
  }
});

function deep(levels) {
  const root = {};
  let o = root;
  for (let i = 0; i < levels; i++) {
    o.x = {};
    o = o.x;
  }
  return root;
}
const cyclic = () => {
  const o = { a: '1' };
  o.self = o;
  return o;
};

test('10 000-deep and cyclic input is a ValidationError everywhere an object is read', async () => {
  const before_ = hits;
  for (const [label, make] of [
    ['deep', () => deep(10_000)],
    ['cyclic', cyclic],
  ]) {
    const pay = await rejection(() => client.pay(cardPay({ metadata: make() })));
    assert.ok(pay instanceof ValidationError, `${label} metadata: ${pay?.name}: ${pay?.message}`);
    assert.equal(pay.field, 'metadata');
    assert.match(pay.message, /nested too deeply/);
    const card = await rejection(() => client.pay(cardPay({ payment_method_data: { card: make() } })));
    assert.ok(card instanceof ValidationError, `${label} card: ${card?.message}`);
    const refund = await rejection(() => client.refund({ merchant_id: 'm_1', order_id: 'o_1', refund_id: 'r_1', amount: '1.00', reason: make() }));
    assert.ok(refund instanceof ValidationError, `${label} refund: ${refund?.message}`);
    const self = make();
    const options = thrown(() => new Client({ baseUrl: gw.url, accessNo: 'a', secret: 's', appInfo: self }));
    assert.ok(options instanceof ValidationError, `${label} options: ${options?.message}`);
    const headers = thrown(() => webhooks.verify('{}', { 'webhook-id': make() }, SECRET));
    assert.ok(headers instanceof WebhookVerificationError, `${label} headers: ${headers?.message}`);
  }
  const top = cyclic();
  const query = await rejection(() => client.query(Object.assign(top, { merchant_id: 'm_1', order_id: 'o_1' })));
  assert.ok(query instanceof ValidationError, query?.message);
  assert.equal(hits, before_, 'nothing reached the gateway');
});

test('a shared sub-object nested 30 times (2^30 paths) is refused quickly', async () => {
  let o = { v: '1' };
  for (let i = 0; i < 30; i++) o = { a: o, b: o };
  const started = Date.now();
  const e = await rejection(() => client.pay(cardPay({ metadata: o })));
  assert.ok(e instanceof ValidationError, e?.message);
  assert.match(e.message, /too many values/);
  assert.equal(e.field, 'metadata');
  assert.ok(Date.now() - started < 5000, 'bounded work');
  // An array of length 2^32 - 1 (all holes) is refused after the budget, not walked.
  const sparse = [];
  sparse.length = 2 ** 32 - 1;
  const s = await rejection(() => client.pay(cardPay({ metadata: sparse })));
  assert.ok(s instanceof ValidationError, s?.message);
  assert.equal(s.field, 'metadata');
});

test('the constructor says what options it takes', () => {
  for (const bad of [undefined, null, 'https://pay.example', [1]]) {
    const e = thrown(() => new Client(bad));
    assert.ok(e instanceof ValidationError, e?.message);
    assert.match(e.message, /new Client\(\) takes an options object, like \{ baseUrl, accessNo, secret \}/);
  }
});

test('deep and cyclic fault rules are refused by the sandbox', async () => {
  const sb = await Sandbox.start();
  try {
    const rule = cyclic();
    rule.kind = 'busy';
    const e = await rejection(() => sb.setFaults([rule]));
    assert.ok(e instanceof ValidationError, e?.message);
    const d = await rejection(() => sb.setFaults(deep(10_000)));
    assert.ok(d instanceof ValidationError, d?.message);
  } finally {
    await sb.close();
  }
});

test('a lone surrogate is refused, never sent as U+FFFD', async () => {
  const before_ = hits;
  for (const req of [
    cardPay({ order_id: 'o_\uD800' }),
    cardPay({ metadata: { note: 'caf\uDC00' } }),
    cardPay({ metadata: { ['k\uD83D']: 'v' } }),
  ]) {
    const e = await rejection(() => client.pay(req));
    assert.ok(e instanceof ValidationError, `${e?.name}: ${e?.message}`);
    assert.match(e.message, /lone UTF-16 surrogate/);
  }
  // A surrogate pair (an emoji) is valid text and is read as such.
  const ok = await rejection(() => client.pay(cardPay({ metadata: { note: 'ok \u{1F600}' } })));
  assert.ok(!(ok instanceof ValidationError), ok?.message);
  assert.equal(hits, before_ + 1, 'only the valid request was sent');
  const s = thrown(() => webhooks.verify('{}', {}, 'whsec_\uD800'));
  assert.ok(s instanceof ValidationError);
  assert.match(s.message, /^secret: .*surrogate/);
});

test('BigInt and huge numbers are refused, never turned into strings', async () => {
  const before_ = hits;
  for (const [field, value] of [
    ['amount', 10n],
    ['amount', 2n ** 70n],
    ['order_id', 2n ** 70n],
    ['merchant_id', 5n],
  ]) {
    const e = await rejection(() => client.pay(cardPay({ [field]: value })));
    assert.ok(e instanceof ValidationError, `${field}=${value}: ${e?.name}: ${e?.message}`);
    assert.equal(e.field, field);
    assert.match(e.message, /BigInt/);
  }
  for (const value of [1e300, 2 ** 64, 10.5]) {
    const e = await rejection(() => client.pay(cardPay({ amount: value })));
    assert.ok(e instanceof ValidationError, `${value}: ${e?.message}`);
    assert.equal(e.field, 'amount');
  }
  assert.equal(hits, before_, 'nothing reached the gateway');
});

test('a getter or Proxy trap that throws is a ValidationError naming the field, as a rejection', async () => {
  const before_ = hits;
  const req = cardPay();
  Object.defineProperty(req, 'order_id', {
    enumerable: true,
    get() {
      throw new Error('getter exploded');
    },
  });
  const e = await rejection(() => client.pay(req));
  assert.ok(e instanceof ValidationError, `${e?.name}: ${e?.message}`);
  assert.equal(e.field, 'order_id');
  const timeout = {
    merchant_id: 'm_1',
    order_id: 'o_1',
    get timeoutMs() {
      throw new Error('nope');
    },
  };
  const t = await rejection(() => client.waitFinal(timeout));
  assert.ok(t instanceof ValidationError, t?.message);
  assert.equal(t.field, 'timeoutMs');
  const trap = new Proxy(cardPay(), {
    ownKeys() {
      throw new Error('trap');
    },
  });
  const p = await rejection(() => client.pay(trap));
  assert.ok(p instanceof ValidationError, p?.message);
  const opts = new Proxy({}, {
    get() {
      throw new Error('trap');
    },
  });
  assert.ok(thrown(() => new Client(opts)) instanceof ValidationError);
  const headers = new Proxy({}, {
    ownKeys() {
      throw new Error('trap');
    },
  });
  assert.ok(thrown(() => webhooks.verify('{}', headers, SECRET)) instanceof WebhookVerificationError);
  assert.ok(thrown(() => webhooks.verify('{}', {}, SECRET, opts)) instanceof ValidationError);
  assert.equal(hits, before_, 'nothing reached the gateway');
  // A well-behaved Proxy is read like the object it wraps.
  const fine = await rejection(() => client.pay(new Proxy(cardPay(), {})));
  assert.ok(!(fine instanceof ValidationError), fine?.message);
});

test('functions, symbols and Dates in a request are refused with their type', async () => {
  for (const [value, type] of [
    [() => 1, 'a function'],
    [Symbol('s'), 'a symbol'],
    [new Date(0), 'a Date'],
    [Buffer.from('x'), 'a Buffer'],
  ]) {
    const e = await rejection(() => client.pay(cardPay({ txn_time: value })));
    assert.ok(e instanceof ValidationError, `${type}: ${e?.message}`);
    assert.equal(e.field, 'txn_time');
    assert.ok(e.message.includes(type), e.message);
  }
});

test('undefined fields are absent, as JSON.stringify leaves them out', async () => {
  const e = await rejection(() => client.query({ merchant_id: 'm_1', order_id: 'o_1', trade_id: undefined }));
  assert.ok(!(e instanceof ValidationError), e?.message);
});

test('a call whose Promise is abandoned still completes in Rust (README: cancellation)', async () => {
  const sb = await Sandbox.start();
  const c = new Client({ baseUrl: sb.url, accessNo: sb.accessNo, secret: sb.secret });
  try {
    await sb.setFaults([{ kind: 'delay', trans_type: 'PAY', delay_ms: 300 }]);
    const req = cardPay();
    // Nobody waits for it (as after a Promise.race with a timer); only a rejection would be
    // reported, so none is left unhandled.
    c.pay(req).catch(() => {});
    await new Promise((r) => setTimeout(r, 50));
    const early = (await sb.ledger()).find((e) => e.order_id === req.order_id);
    assert.ok(!early || early.charges === 0, 'still in flight');
    let entry;
    for (let n = 0; n < 100 && !entry?.charges; n++) {
      await new Promise((r) => setTimeout(r, 20));
      entry = (await sb.ledger()).find((e) => e.order_id === req.order_id);
    }
    assert.equal(entry?.charges, 1, 'the abandoned PAY went through: query it, or pay again with the same order_id');
    await sb.clearFaults();
    assert.equal((await c.query({ merchant_id: req.merchant_id, order_id: req.order_id })).status, 'SUCCESS');
  } finally {
    c.close();
    await sb.close();
  }
});
