// Chaos through the package: card, QR + waitFinal, micropay (charged and reversed), refund
// and reversal while about a fifth of all requests of every transType meet a seeded fault of
// every kind. Afterwards the sandbox's ledger must agree with what the caller was told: every
// order final, none charged twice, none refunded twice, every success the caller saw
// charged, and nothing charged or refunded that the caller was told was not processed
// (an error with outcomeUnknown false). Expected outcomes follow protocol.md §9.
//
// TRADEPAY_CHAOS_OPS sets the number of operations (default 2000; `cargo xtask soak` runs
// 100 000). A fixed pool of workers takes the next index, so memory holds one small record
// per order and never a Promise per operation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, Sandbox, ValidationError, AuthenticationError, InvalidRequestError, BusinessError } from '../index.mjs';

const OPS = Number.parseInt(process.env.TRADEPAY_CHAOS_OPS ?? '', 10) > 0 ? Number.parseInt(process.env.TRADEPAY_CHAOS_OPS, 10) : 2000;
const CONCURRENCY = 64;
const MERCHANT = 'm_chaos';
const KINDS = ['close_before', 'close_after_commit', 'http_503', 'http_429', 'busy', 'delay', 'truncate', 'bad_signature', 'no_signature', 'channel_timeout'];

// What one operation does, chosen by its index (as the Rust chaos test does).
const CARD = 'card';
const CARD_DECLINED = 'card_declined';
const CARD_ONCE = 'card_once';
const QR_PAYS = 'qr_pays';
const QR_FAILS = 'qr_fails';
const MICROPAY = 'micropay';
const MICROPAY_REVERSED = 'micropay_reversed';
const REFUND = 'refund';
const REFUND_ONCE = 'refund_once';
const REVERSAL = 'reversal';

function opOf(i) {
  switch (i % 10) {
    case 0:
    case 1:
      return i % 20 === 1 ? CARD_DECLINED : CARD;
    case 2:
      return CARD_ONCE;
    case 3:
      return i % 20 === 3 ? QR_PAYS : QR_FAILS;
    case 4:
      return MICROPAY;
    case 5:
      return MICROPAY_REVERSED;
    case 6:
      return REFUND;
    case 7:
      return REVERSAL;
    case 8:
      return REFUND_ONCE;
    default:
      return CARD;
  }
}

const cents = (text) => {
  const [whole, frac = ''] = text.split('.');
  return Number(whole) * 100 + Number(frac.padEnd(2, '0').slice(0, 2));
};
const money = (c) => `${Math.floor(c / 100)}.${String(c % 100).padStart(2, '0')}`;
const orderId = (i) => `chaos_${String(i).padStart(6, '0')}`;

function payRequest(i, op) {
  const req = {
    merchant_id: MERCHANT,
    order_id: orderId(i),
    amount: money(500 + (i % 997)),
    currency: 'USD',
    // Fixed once per order: every re-send is the same request to the gateway.
    txn_time: '2026-11-22T00:00:00Z',
  };
  if (op === QR_PAYS || op === QR_FAILS) return { ...req, payment_method: 'qr' };
  if (op === MICROPAY || op === MICROPAY_REVERSED) {
    // Ending 4: SUCCESS at once; ending 3: pending until reversed at the deadline.
    return { ...req, auth_code: op === MICROPAY ? '13572468004' : '13572468003' };
  }
  return {
    ...req,
    payment_method: 'card',
    return_url: 'https://shop.example/back',
    payment_method_data: {
      card: { number: op === CARD_DECLINED ? '4000000000000002' : '4242424242424242', exp_month: '12', exp_year: '2030', cvc: '123' },
    },
  };
}

const DEFINITIVE = [ValidationError, AuthenticationError, InvalidRequestError, BusinessError];
let surfaced = 0;

// What an application does: an answer is final; an error that may have been processed, or
// may succeed later, is followed by the same call again (same order_id or refund_id, so it
// can never act twice) until the gateway gives a definitive answer.
async function untilKnown(what, call) {
  for (let n = 0; n < 40; n++) {
    try {
      return await call();
    } catch (e) {
      if (!e.outcomeUnknown && DEFINITIVE.some((C) => e instanceof C)) {
        throw new Error(`${what}: unexpected definitive error ${e.name}: ${e.message}`);
      }
      surfaced += 1;
      await sleep(10);
    }
  }
  throw new Error(`${what}: no definitive answer after 40 calls`);
}

/** One operation; returns the little the checks need: [status seen, told not processed, refunded]. */
async function runOne(i, client, once, sb) {
  const op = opOf(i);
  const req = payRequest(i, op);
  const id = req.order_id;
  const seen = { op, amount: req.amount, status: null, notProcessed: false, refunded: null };
  const pay = () => untilKnown(id, () => client.pay(req));
  switch (op) {
    case CARD:
    case CARD_DECLINED:
      seen.status = (await pay()).status;
      break;
    case CARD_ONCE:
      try {
        seen.status = (await once.pay(req)).status;
      } catch (e) {
        surfaced += 1;
        seen.notProcessed = !e.outcomeUnknown;
      }
      break;
    case QR_PAYS:
    case QR_FAILS: {
      const t = await pay();
      assert.equal(t.status, 'PENDING', id);
      await sb.complete(t.trade_id, op === QR_PAYS ? 'succeeded' : 'failed');
      seen.status = (await untilKnown(id, () => client.waitFinal({ merchant_id: MERCHANT, order_id: id, timeoutMs: 5000 }))).status;
      break;
    }
    case MICROPAY:
    case MICROPAY_REVERSED: {
      const deadlineMs = op === MICROPAY ? 10_000 : 300;
      seen.status = (await untilKnown(id, () => client.micropay({ ...req, deadlineMs }))).status;
      break;
    }
    case REFUND:
    case REFUND_ONCE: {
      const t = await pay();
      assert.equal(t.status, 'SUCCESS', id);
      seen.status = t.status;
      const refund = { merchant_id: MERCHANT, order_id: id, refund_id: `r_${id}`, amount: '1.23' };
      try {
        const r = op === REFUND ? await untilKnown(id, () => client.refund(refund)) : await once.refund(refund);
        assert.equal(r.status, 'SUCCESS', id);
        seen.refunded = r.amount;
      } catch (e) {
        if (op === REFUND) throw e;
        surfaced += 1;
        seen.notProcessed = !e.outcomeUnknown;
      }
      break;
    }
    case REVERSAL: {
      const t = await pay();
      assert.equal(t.status, 'SUCCESS', id);
      seen.status = (await untilKnown(id, () => client.reverse({ merchant_id: MERCHANT, order_id: id }))).status;
      break;
    }
    default:
      throw new Error(`unknown op ${op}`);
  }
  return seen;
}

test(`chaos: ${OPS} operations under ~20% faults of every kind on every transType`, { timeout: Math.max(120_000, OPS * 60) }, async () => {
  const sb = await Sandbox.start();
  const options = { baseUrl: sb.url, accessNo: sb.accessNo, secret: sb.secret, timeoutMs: 2000 };
  const client = new Client({ ...options, maxRetries: 2 });
  // One-shot calls: no retries, so that a refusal before processing (a 429, a busy code)
  // reaches the caller as "not processed".
  const once = new Client({ ...options, maxRetries: 0 });
  const seen = new Map();
  try {
    // Ten kinds on every transType, each firing on ~2.2% of requests: 1 - 0.978^10 ≈ 20%.
    await sb.setFaults(KINDS.map((kind, n) => ({ kind, probability: 0.022, seed: 1000 + n, delay_ms: 30, retry_after: 0 })));
    const started = Date.now();
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < OPS; i = next++) seen.set(orderId(i), await runOne(i, client, once, sb));
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, OPS) }, worker));
    const elapsed = Date.now() - started;
    await sb.clearFaults();
    assert.equal(seen.size, OPS);

    const ledger = new Map();
    for (const e of await sb.ledger()) if (e.merchant_id === MERCHANT) ledger.set(e.order_id, e);
    const refundsPerId = new Map();
    for (const r of await sb.refunds()) refundsPerId.set(r.refund_id, (refundsPerId.get(r.refund_id) ?? 0) + 1);
    // At soak size this listing is over napi's million-value bound for one conversion: it
    // must still come back whole (converted one order at a time).
    const orders = await sb.orders();
    assert.ok(orders.length >= ledger.size, 'every order listed');
    for (const o of orders) {
      if (o.merchant_id === MERCHANT) assert.notEqual(o.status, 'PENDING', `${o.order_id} is still pending`);
    }

    let toldNotProcessed = 0;
    for (const [id, s] of seen) {
      const refundId = `r_${id}`;
      const e = ledger.get(id);
      if (e) {
        // None charged twice, none refunded beyond its amount, every order final.
        assert.ok(e.charges <= 1, `${id}: charged ${e.charges} times`);
        assert.ok(cents(e.refunded) <= cents(s.amount), `${id}: refunded ${e.refunded} of ${s.amount}`);
        assert.notEqual(e.status, 'PENDING', `${id} (${s.op})`);
      }
      // None refunded twice.
      assert.ok((refundsPerId.get(refundId) ?? 0) <= 1, `${id}: refund_id used twice`);
      if (s.notProcessed) toldNotProcessed += 1;
      if (s.op === CARD_ONCE && s.notProcessed) {
        assert.ok(!e || e.charges === 0, `${id}: told not processed, but charged: ${JSON.stringify(e)}`);
      }
      if (s.op === REFUND_ONCE && s.notProcessed) {
        assert.equal(e.refunded, '0.00', `${id}: told not processed, but refunded`);
        assert.ok(!refundsPerId.has(refundId), `${id}: told not processed, but the refund exists`);
      }
      if (s.status === null) {
        // Only a one-shot PAY can end with no trade: its outcome was unknown or refused.
        assert.equal(s.op, CARD_ONCE, id);
        continue;
      }
      assert.ok(e, `${id}: the caller saw a trade the ledger lacks`);
      const expected =
        s.op === CARD_DECLINED || s.op === QR_FAILS ? 'FAILED' : s.op === MICROPAY_REVERSED || s.op === REVERSAL ? 'CLOSED' : 'SUCCESS';
      // Refund ops keep the PAY's SUCCESS as what the caller saw of the order.
      assert.equal(s.status, expected, `${id} (${s.op})`);
      assert.equal(e.status, expected, `${id}: the caller saw what the gateway holds`);
      // Every success the caller saw is charged exactly once; failures charge nothing.
      if (expected === 'SUCCESS') assert.equal(e.charges, 1, id);
      if (expected === 'FAILED') assert.equal(e.charges, 0, id);
      if (s.op === REVERSAL) {
        assert.equal(e.charges, 1, id);
        assert.equal(e.refunded, s.amount, `${id}: reversed in full, once`);
      } else if (s.op === MICROPAY_REVERSED) {
        assert.equal(e.charges, 0, id);
      } else if (s.op === REFUND || s.op === REFUND_ONCE) {
        if (s.refunded !== null) {
          assert.equal(e.refunded, '1.23', `${id}: refunded exactly once`);
          assert.equal(refundsPerId.get(refundId), 1, id);
        }
      } else {
        assert.equal(e.refunded, '0.00', id);
      }
    }
    console.log(`chaos: ${OPS} operations in ${elapsed} ms, ${surfaced} errors surfaced to the caller, ${toldNotProcessed} told not processed, heap ${Math.round(process.memoryUsage().heapUsed / 1e6)} MB`);
    assert.ok(surfaced > 0, 'the faults must have fired');
    if (OPS >= 1000) assert.ok(toldNotProcessed > 0, 'the not-processed checks must have run');
  } finally {
    client.close();
    once.close();
    await sb.close();
  }
});
