// caCert and tlsRoots end to end: the package's tradepay-sandbox command serving HTTPS with
// the committed test PKI (tests/fixtures/tls), reached with the test CA, refused without it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import tp from '../index.js';
import { ROOT, cardPay } from './helpers.mjs';

const TLS = join(ROOT, 'tests', 'fixtures', 'tls');
const pem = (name) => readFileSync(join(TLS, name), 'utf8');
let server;
let info;

before(async () => {
  server = spawn(process.execPath, [join(ROOT, 'bindings', 'node', 'bin', 'tradepay-sandbox.js'),
    '--tls-cert', join(TLS, 'server.pem'), '--tls-key', join(TLS, 'server.key')], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = await once(createInterface({ input: server.stdout }), 'line');
  info = JSON.parse(line);
  assert.match(info.url, /^https:\/\/127\.0\.0\.1:/);
});

after(async () => {
  server.kill('SIGTERM');
  await once(server, 'exit');
});

const client = (extra) => new tp.Client({ baseUrl: info.url, accessNo: info.access_no, secret: info.secret, maxRetries: 0, ...extra });

test("the gateway's CA is trusted with caCert", async () => {
  const c = client({ caCert: pem('ca.pem') });
  try {
    assert.equal((await c.pay(cardPay())).status, 'SUCCESS');
  } finally {
    c.close();
  }
});

for (const [name, extra] of [['bundled roots', {}], ['system store', { tlsRoots: 'native' }], ['another CA', { caCert: pem('other-ca.pem') }]]) {
  test(`an unknown CA is refused and nothing is sent: ${name}`, async () => {
    const c = client(extra);
    try {
      await assert.rejects(c.query({ merchant_id: 'm_1', order_id: 'o_tls' }), (e) => e instanceof tp.NetworkError && e.outcomeUnknown === false);
    } finally {
      c.close();
    }
  });
}
