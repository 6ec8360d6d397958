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
