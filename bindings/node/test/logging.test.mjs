// TRADEPAY_LOG: the core's events on stderr, one line each, never a secret or card data.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { ROOT } from './helpers.mjs';

const run = promisify(execFile);
const INDEX = join(ROOT, 'bindings', 'node', 'index.js');

// A card PAY answered 503 once (retried), then a micropay never confirmed (reversed).
const SCRIPT = `
const { Client, Sandbox } = require(${JSON.stringify(INDEX)});
(async () => {
  const sandbox = await Sandbox.start();
  const client = new Client({ baseUrl: sandbox.url, accessNo: sandbox.accessNo, secret: sandbox.secret });
  await sandbox.setFaults([{ kind: 'http_503', trans_type: 'PAY', count: 1 }]);
  await client.pay({ merchant_id: 'm_1', order_id: 'o_logged', amount: '1.00', currency: 'USD', payment_method: 'card',
    return_url: 'https://shop.example/back',
    payment_method_data: { card: { number: '4242424242424242', exp_month: '12', exp_year: '2030', cvc: '987' } } });
  await client.micropay({ merchant_id: 'm_1', order_id: 'o_micro_logged', amount: '1.00', currency: 'USD',
    auth_code: '1357246803', deadlineMs: 1000 });
  console.log(JSON.stringify({ secret: sandbox.secret }));
  client.close();
  await sandbox.close();
})().catch((e) => { console.error('FAILED', e); process.exit(1); });
`;

async function logged(level) {
  const env = { ...process.env };
  delete env.TRADEPAY_LOG;
  if (level !== undefined) env.TRADEPAY_LOG = level;
  const { stdout, stderr } = await run(process.execPath, ['-e', SCRIPT], { env, timeout: 60_000 });
  return { stderr, secret: JSON.parse(stdout).secret };
}

test('debug shows the retry and the reversal with their call, and nothing secret', async () => {
  const { stderr, secret } = await logged('debug');
  assert.match(stderr, /^tradepay DEBUG retrying .*attempt=1.*\[tradepay\.call trans_type=PAY order_id=o_logged/m);
  assert.match(stderr, /^tradepay INFO micropay not final at its deadline: reversing order_id=o_micro_logged/m);
  for (const secretish of [secret, '4242424242424242', '987', '1357246803']) {
    assert.ok(!stderr.includes(secretish), `${secretish} in the log:\n${stderr}`);
  }
});

test('info leaves out the debug lines; unset, nothing is logged', async () => {
  const info = await logged('info');
  assert.match(info.stderr, /micropay not final at its deadline/);
  assert.doesNotMatch(info.stderr, /DEBUG/);
  assert.equal((await logged(undefined)).stderr, '');
});

test('a value that is not a level says so once and logs nothing', async () => {
  const { stderr } = await logged('loud');
  assert.equal(stderr, 'tradepay: TRADEPAY_LOG="loud" is not a level (debug, info, warn, error); logging stays off\n');
});

// Two clients: one with a logger, one without; each call's lines go to its own client's place.
const LOGGER_SCRIPT = `
const { Client, Sandbox } = require(${JSON.stringify(INDEX)});
(async () => {
  const sandbox = await Sandbox.start();
  const lines = [];
  const logger = { debug: (m) => lines.push('debug ' + m), info: (m) => lines.push('info ' + m),
    warn: (m) => lines.push('warn ' + m), error: (m) => lines.push('error ' + m) };
  const options = { baseUrl: sandbox.url, accessNo: sandbox.accessNo, secret: sandbox.secret };
  const logged = new Client({ ...options, logger });
  const plain = new Client(options);
  await sandbox.setFaults([{ kind: 'http_503', trans_type: 'QUERY', count: 1 }]);
  await logged.query({ merchant_id: 'm_1', order_id: 'o_to_logger' }).catch(() => {});
  await sandbox.setFaults([{ kind: 'http_503', trans_type: 'QUERY', count: 1 }]);
  await plain.query({ merchant_id: 'm_1', order_id: 'o_to_stderr' }).catch(() => {});
  await logged.withOptions({ maxRetries: 1 }).micropay({ merchant_id: 'm_1', order_id: 'o_micro_logger', amount: '1.00',
    currency: 'USD', auth_code: '1300000000000003', deadlineMs: 500 });
  await new Promise((r) => setTimeout(r, 50));
  console.log(JSON.stringify(lines));
  logged.close();
  plain.close();
  await sandbox.close();
})().catch((e) => { console.error('FAILED', e); process.exit(1); });
`;

test('a logger gets its client\'s lines, at TRADEPAY_LOG\'s level; other clients log to stderr', async () => {
  const env = { ...process.env, TRADEPAY_LOG: 'debug' };
  const { stdout, stderr } = await run(process.execPath, ['-e', LOGGER_SCRIPT], { env, timeout: 60_000 });
  const lines = JSON.parse(stdout);
  assert.ok(lines.some((l) => /^debug retrying .*\[tradepay\.call trans_type=QUERY order_id=o_to_logger/.test(l)), lines.join('\n'));
  assert.ok(lines.some((l) => /^info micropay not final at its deadline: reversing order_id=o_micro_logger/.test(l)), lines.join('\n'));
  assert.ok(!lines.some((l) => l.includes('o_to_stderr')), lines.join('\n'));
  assert.match(stderr, /^tradepay DEBUG retrying .*order_id=o_to_stderr/m);
  assert.doesNotMatch(stderr, /o_to_logger|o_micro_logger/);
  assert.ok(!lines.join('\n').includes('1300000000000003'));
});

test('without TRADEPAY_LOG a logger gets info and above', async () => {
  const env = { ...process.env };
  delete env.TRADEPAY_LOG;
  const { stdout, stderr } = await run(process.execPath, ['-e', LOGGER_SCRIPT], { env, timeout: 60_000 });
  const lines = JSON.parse(stdout);
  assert.ok(lines.some((l) => l.startsWith('info micropay not final at its deadline')), lines.join('\n'));
  assert.ok(!lines.some((l) => l.startsWith('debug ')), lines.join('\n'));
  assert.equal(stderr, '');
});
