// appInfo: the caller's application named in the User-Agent of every request.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import tp from '../index.js';

const { version } = createRequire(import.meta.url)('../package.json');

async function userAgentOf(options) {
  let seen;
  const server = createServer((req, res) => {
    seen = req.headers['user-agent'];
    req.resume();
    res.writeHead(503).end();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const client = new tp.Client({ baseUrl: `http://127.0.0.1:${server.address().port}`, accessNo: 'acc_1', secret: 's', maxRetries: 0, ...options });
  try {
    await assert.rejects(client.query({ merchant_id: 'm_1', order_id: 'o_1' }), tp.GatewayError);
  } finally {
    client.close();
    server.close();
  }
  return seen;
}

test('the User-Agent names the SDK, then the application', async () => {
  assert.equal(await userAgentOf({}), `tradepay-node/${version}`);
  assert.equal(
    await userAgentOf({ appInfo: { name: 'shop', version: '1.2', url: 'https://shop.example' } }),
    `tradepay-node/${version} shop/1.2 (+https://shop.example)`,
  );
  assert.equal(await userAgentOf({ appInfo: { name: 'shop' } }), `tradepay-node/${version} shop`);
});

test('an appInfo that could break the header is refused when the client is built', () => {
  for (const [appInfo, message] of [
    [{ version: '1' }, 'appInfo: name is required'],
    [{ name: 'my shop' }, "appInfo: name must be 1 to 64 letters, digits or !#$%&'*+-.^_`|~ (no spaces or '/')"],
    [{ name: 'shop', url: 'https://x.example/\r\nX-Evil: 1' }, 'appInfo: url must be 1 to 256 visible ASCII characters, without parentheses or backslashes'],
    [{ name: 'shop', colour: 'red' }, 'appInfo: colour is not one of name, version, url'],
    ['shop', "appInfo: must be an object like { name: 'shop', version: '1.2' }"],
  ]) {
    assert.throws(() => new tp.Client({ baseUrl: 'http://127.0.0.1:9', accessNo: 'a', secret: 's', appInfo }),
      (e) => e instanceof tp.ValidationError && e.message === message, JSON.stringify(appInfo));
  }
});
