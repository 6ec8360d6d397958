// Shared helpers of the Node suites: a sandbox per file, unique ids, a scripted fake gateway.
import { createServer } from 'node:http';
import { once } from 'node:events';
import { createHmac, randomBytes } from 'node:crypto';
import { readFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { Client, Sandbox } from '../index.mjs';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const VECTORS = join(ROOT, 'tests', 'vectors');

export function vectors(name) {
  const file = join(VECTORS, name);
  if (!existsSync(file)) throw new Error(`shared vector file ${file} is missing`);
  return JSON.parse(readFileSync(file, 'utf8'));
}

let counter = 0;
export const uid = (prefix) => `${prefix}_${process.pid}_${Date.now().toString(36)}_${++counter}`;

export const card = (number = '4242424242424242') => ({
  card: { number, exp_month: '12', exp_year: '2030', cvc: '123' },
});

export function cardPay(extra = {}) {
  return {
    merchant_id: 'm_1',
    order_id: uid('o'),
    amount: '10.00',
    currency: 'USD',
    payment_method: 'card',
    return_url: 'https://shop.example/back',
    payment_method_data: card(),
    ...extra,
  };
}

export async function startSandbox(options = {}) {
  const sandbox = await Sandbox.start();
  const client = new Client({
    baseUrl: sandbox.url,
    accessNo: sandbox.accessNo,
    secret: sandbox.secret,
    ...options,
  });
  return { sandbox, client };
}

/** A loopback HTTP server answering each request with what `respond` returns. */
export async function fakeGateway(respond) {
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const { status = 200, body = '', headers = {} } = respond(Buffer.concat(chunks).toString('utf8'));
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(body);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${server.address().port}`, close: () => server.close() };
}

/** X-Signature of a body (protocol §3), computed independently of the Rust code. */
export const xSignature = (secret, body) => createHmac('sha256', secret).update(body, 'utf8').digest('base64');

export const randomSecret = () => randomBytes(16).toString('hex');
