// The journal from Node (docs/journal.md): calls recorded before they are sent, what
// inDoubt() and recover() give back, webhookSeen once across clients, and a crash test:
// workers SIGKILLed mid-call, then recoverers settling everything exactly once, checked
// against the sandbox's ledger. SQLite always; PostgreSQL when the test command provides a
// server (TRADEPAY_TEST_POSTGRES and TRADEPAY_TEST_PSQL).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { createServer, connect } from 'node:net';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { createInterface } from 'node:readline';
import { Client, Sandbox, NetworkError, ValidationError } from '../index.mjs';
import { cardPay, uid } from './helpers.mjs';

const WINDOW_MS = 2000;
const KILLS = 20;
const CHILD = join(dirname(fileURLToPath(import.meta.url)), 'journal_child.mjs');
const { TRADEPAY_TEST_POSTGRES: PG, TRADEPAY_TEST_PSQL: PSQL } = process.env;
const noPostgres = !(PG && PSQL) && 'no PostgreSQL server (cargo xtask test starts one)';

const psql = (url, sql) =>
  execFileSync(PSQL, ['-X', '-q', '-At', '-d', url, '-c', sql], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

function journalUrl(backend, name) {
  if (backend === 'sqlite') return `sqlite://${join(mkdtempSync(join(tmpdir(), 'tp-journal-')), 'journal.db')}`;
  const db = `tp_node_${name}_${process.pid}`;
  psql(PG, `DROP DATABASE IF EXISTS ${db}`);
  psql(PG, `CREATE DATABASE ${db}`);
  // A short lease, so that a killed worker's operations can be taken over soon.
  return `${PG.slice(0, PG.lastIndexOf('/'))}/${db}?lease_ms=1000`;
}

/** [kind, order_id, refund_id, payment_method, state] of every operation. */
function journalRows(url) {
  const sql = (table) =>
    `SELECT kind, coalesce(order_id, ''), coalesce(refund_id, ''), coalesce(payment_method, ''), state FROM ${table}`;
  const out = url.startsWith('sqlite://')
    ? execFileSync('python3', ['-c', 'import sqlite3,sys\nfor r in sqlite3.connect(sys.argv[1]).execute(sys.argv[2]): print("|".join(r))', url.slice('sqlite://'.length), sql('operations')], { encoding: 'utf8' })
    : psql(url.split('?')[0], sql('tradepay_operations'));
  return out.split('\n').filter(Boolean).map((l) => l.split('|'));
}

const journaled = (sb, journal, extra = {}) =>
  new Client({ baseUrl: sb.url, accessNo: sb.accessNo, secret: sb.secret, journal, replayWindowMs: WINDOW_MS, ...extra });

for (const backend of ['sqlite', 'postgres']) {
  const skip = backend === 'postgres' && noPostgres;

  test(`${backend}: a charge whose answer was lost is in doubt, then recovered as the order`, { skip }, async () => {
    const sb = await Sandbox.start({ timestampWindowMs: WINDOW_MS });
    const c = journaled(sb, journalUrl(backend, 'lost'), { maxRetries: 0 });
    await sb.setFaults([{ kind: 'close_after_commit', trans_type: 'PAY', count: 1 }]);
    const req = cardPay();
    const lost = await c.pay(req).catch((e) => e);
    assert.ok(lost instanceof NetworkError && lost.outcomeUnknown, String(lost));
    const [entry, ...rest] = await c.inDoubt();
    assert.deepEqual(rest, []);
    assert.deepEqual([entry.kind, entry.order_id, entry.payment_method, entry.amount], ['PAY', req.order_id, 'card', '10.00']);
    assert.equal(entry.attempt_timestamps.length, 1);
    assert.equal(entry.owner.pid, process.pid);
    assert.ok(!JSON.stringify(entry).includes('4242424242424242'));
    const [r] = await c.recover();
    assert.equal(r.status, 'settled');
    assert.equal(r.entry.id, entry.id);
    assert.equal(r.trade.status, 'SUCCESS');
    assert.equal(r.trade.order_id, req.order_id);
    assert.deepEqual([r.refund, r.not_processed, r.retry_at], [null, null, null]);
    assert.deepEqual(await c.inDoubt(), []);
    c.close();
    await sb.close();
  });

  test(`${backend}: webhookSeen is true for all but one of concurrent duplicates`, { skip }, async () => {
    const sb = await Sandbox.start();
    const url = journalUrl(backend, 'seen');
    const clients = [journaled(sb, url), journaled(sb, url)];
    const event = { id: uid('msg'), type: 'trade.succeeded', timestamp: '2026-12-03T00:00:00Z', data: {} };
    const seen = await Promise.all(Array.from({ length: 8 }, (_, i) => clients[i % 2].webhookSeen(i % 3 ? event : event.id)));
    assert.deepEqual(seen.sort(), [false, ...Array(7).fill(true)]);
    for (const c of clients) c.close();
    await sb.close();
  });
}

test('journal errors are ValidationErrors naming the option', async () => {
  const sb = await Sandbox.start();
  const options = { baseUrl: sb.url, accessNo: sb.accessNo, secret: sb.secret };
  const plain = new Client(options);
  for (const call of [() => plain.inDoubt(), () => plain.recover(), () => plain.webhookSeen('e')]) {
    const e = await call().catch((e) => e);
    assert.ok(e instanceof ValidationError, String(e));
    assert.equal(e.field, 'journal');
    assert.match(e.message, /no journal is configured/);
  }
  const dir = mkdtempSync(join(tmpdir(), 'tp-journal-'));
  writeFileSync(join(dir, 'corrupt.db'), 'this is not a database'.repeat(100));
  assert.throws(() => new Client({ ...options, journal: join(dir, 'corrupt.db') }), (e) => e instanceof ValidationError && /not a readable SQLite database/.test(e.message));
  assert.throws(() => new Client({ ...options, journal: 3 }), (e) => e instanceof ValidationError && e.message === 'journal: must be a string');
  assert.throws(() => new Client({ ...options, replayWindowMs: 'x' }), (e) => e instanceof ValidationError && e.field === 'replayWindowMs');
  const c = new Client({ ...options, journal: join(dir, 'ok.db') });
  const bad = await c.webhookSeen(3).catch((e) => e);
  assert.ok(bad instanceof ValidationError && /^event: must be a webhook event/.test(bad.message), String(bad));
  c.close();
  await sb.close();
});

/** Forwards TCP to the sandbox and counts the transType of every request through it. */
async function countingProxy(target) {
  const { hostname, port } = new URL(target);
  const counts = {};
  const server = createServer((inbound) => {
    const outbound = connect(Number(port), hostname);
    let seen = '';
    inbound.on('data', (chunk) => {
      seen += chunk.toString('latin1');
      const found = [...seen.matchAll(/"transType":"([A-Z_]+)"/g)];
      for (const m of found) counts[m[1]] = (counts[m[1]] ?? 0) + 1;
      if (found.length) seen = seen.slice(found.at(-1).index + found.at(-1)[0].length);
    });
    inbound.pipe(outbound).pipe(inbound);
    const end = () => {
      inbound.destroy();
      outbound.destroy();
    };
    inbound.on('error', end).on('close', end);
    outbound.on('error', end).on('close', end);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${server.address().port}`, counts, close: () => server.close() };
}

for (const [backend, recoverers] of [['sqlite', 2], ['postgres', 4]]) {
  const skip = backend === 'postgres' && noPostgres;
  test(`${backend}: killed workers leave nothing charged twice, unknown or in doubt`, { skip, timeout: 240_000 }, async () => {
    const sb = await Sandbox.start({ timestampWindowMs: WINDOW_MS });
    const url = journalUrl(backend, 'crash');
    await sb.setFaults([
      { kind: 'delay', probability: 0.3, seed: 1, delay_ms: 250 },
      { kind: 'close_after_commit', probability: 0.1, seed: 2 },
      { kind: 'channel_timeout', probability: 0.05, seed: 3 },
      { kind: 'close_before', probability: 0.05, seed: 4 },
    ]);
    const env = { ...process.env, TP_ACCESS: sb.accessNo, TP_SECRET: sb.secret, TP_WINDOW_MS: String(WINDOW_MS) };
    // Only the workers' lease is short (so that their operations can be taken over); a
    // recoverer keeps the default, so a slow one is not taken over mid-settlement.
    const child = (role, target) =>
      spawn(process.execPath, [CHILD, role], {
        env: { ...env, TP_URL: target, TP_JOURNAL: role === 'worker' ? url : url.split('?')[0] },
        stdio: ['ignore', 'pipe', 'ignore'],
      });

    for (let k = 0; k < KILLS; k++) {
      const worker = child('worker', sb.url);
      const [line] = await once(createInterface({ input: worker.stdout }), 'line');
      assert.equal(line, 'ready');
      await sleep(200 + Math.random() * 700);
      worker.kill('SIGKILL');
      await once(worker, 'exit');
    }
    await sb.clearFaults();
    const inDoubtBefore = journalRows(url).filter((r) => r[4] === 'in_doubt');
    assert.ok(inDoubtBefore.length > 0, 'no worker was killed mid-call: the test proves nothing');

    // Past every deadline, lease and the replay window: everything can be settled now.
    await sleep(WINDOW_MS + 1500);
    const proxy = await countingProxy(sb.url);
    const outputs = await Promise.all(
      Array.from({ length: recoverers }, async () => {
        const p = child('recoverer', proxy.url);
        let out = '';
        p.stdout.on('data', (d) => (out += d));
        // 'close', not 'exit': it comes once stdout has been read to the end.
        const [code] = await once(p, 'close');
        assert.equal(code, 0);
        return out.split('\n').filter(Boolean).map((l) => JSON.parse(l));
      }),
    );
    proxy.close();
    const settled = new Map();
    for (const lines of outputs) {
      const left = lines.filter((r) => r.status === 'in_doubt');
      assert.deepEqual(left, [], 'left in doubt after the window');
      for (const r of lines.filter((r) => r.status === 'settled')) {
        assert.ok(!settled.has(r.id), `settled twice: ${r.id}`);
        settled.set(r.id, r.kind);
      }
    }
    assert.equal(settled.size, inDoubtBefore.length);
    const kinds = {};
    for (const k of settled.values()) kinds[k] = (kinds[k] ?? 0) + 1;
    const { counts } = proxy;
    // One QUERY per PAY or CLOSE settled, one REFUND_QUERY per REFUND: none twice; never a PAY.
    assert.equal(counts.QUERY ?? 0, (kinds.PAY ?? 0) + (kinds.CLOSE ?? 0), JSON.stringify({ counts, kinds }));
    assert.equal(counts.REFUND_QUERY ?? 0, kinds.REFUND ?? 0, JSON.stringify({ counts, kinds }));
    assert.equal((counts.PAY ?? 0) + (counts.REFUND ?? 0), 0, JSON.stringify(counts));

    // Against the ledger.
    const check = journaled(sb, url);
    assert.deepEqual(await check.inDoubt(), []);
    check.close();
    const after = journalRows(url);
    const knownOrders = new Set(after.map((r) => r[1]).filter(Boolean));
    const knownRefunds = new Set(after.map((r) => r[2]).filter(Boolean));
    const micropays = new Set(after.filter((r) => r[0] === 'PAY' && r[3] === 'micropay').map((r) => r[1]));
    const ledger = await sb.ledger();
    assert.ok(ledger.length > 20, `too few orders to mean anything: ${ledger.length}`);
    for (const e of ledger) {
      assert.ok(e.charges <= 1, `charged twice: ${JSON.stringify(e)}`);
      assert.ok(knownOrders.has(e.order_id), `unknown to the journal: ${JSON.stringify(e)}`);
      if (micropays.has(e.order_id)) assert.notEqual(e.status, 'PENDING', `micropay left pending: ${JSON.stringify(e)}`);
    }
    for (const r of await sb.refunds()) assert.ok(knownRefunds.has(r.refund_id), `refund unknown to the journal: ${r.refund_id}`);
    console.log(`crash test (${backend}): ${ledger.length} orders, ${after.length} operations journaled, ${inDoubtBefore.length} in doubt after ${KILLS} kills, recovery sent ${JSON.stringify(counts)}`);
    await sb.close();
  });
}
