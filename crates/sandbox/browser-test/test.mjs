// The next_action page in a real headless browser (Debian chromium via playwright-core).
//
// Starts the `tradepay-sandbox` binary (TP_SANDBOX_BIN), makes 3-D Secure card PAYs signed
// by hand with node:crypto (protocol.md alone, no project code), opens next_action in
// chromium, clicks Approve (and, on a second order, Fail), checks the browser lands on
// return_url and the order is final, then stops the sandbox with SIGTERM.

import { spawn } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { chromium } from 'playwright-core';

const BIN = process.env.TP_SANDBOX_BIN;
const CHROMIUM = process.env.TP_CHROMIUM || '/usr/bin/chromium';
if (!BIN) throw new Error('TP_SANDBOX_BIN must name the tradepay-sandbox binary');

function check(cond, what) {
  if (!cond) throw new Error(`check failed: ${what}`);
}

async function startSandbox() {
  const child = spawn(BIN, ['--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  const first = await new Promise((resolve, reject) => {
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`sandbox exited early with ${code}`)));
  });
  return { child, info: JSON.parse(first) };
}

/** A shop's return page on loopback. */
async function startShop() {
  const server = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<!doctype html><title>Shop</title><p id="back">Back at the shop</p>');
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `http://127.0.0.1:${server.address().port}/back` };
}

/** One signed request; verifies the answer's signature as protocol §3 demands. */
async function call(info, transType, data) {
  const body = JSON.stringify({
    transType,
    accessNo: info.access_no,
    timestamp: Math.floor(Date.now() / 1000),
    nonce: randomBytes(16).toString('hex'),
    data,
  });
  const sign = (bytes) => createHmac('sha256', info.secret).update(bytes).digest('base64');
  const res = await fetch(`${info.url}/v1/gateway`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-signature': sign(body) },
    body,
  });
  check(res.status === 200, `HTTP 200 for ${transType}, got ${res.status}`);
  const raw = Buffer.from(await res.arrayBuffer());
  check(res.headers.get('x-signature') === sign(raw), `signed answer to ${transType}`);
  return JSON.parse(raw.toString('utf8'));
}

function threeDsPay(orderId, returnUrl) {
  return {
    merchant_id: 'shop_browser',
    order_id: orderId,
    amount: '42.50',
    currency: 'EUR',
    payment_method: 'card',
    return_url: returnUrl,
    payment_method_data: {
      card: { number: '4000000000003220', exp_month: '12', exp_year: '2030', cvc: '123' },
    },
  };
}

async function main() {
  const { child, info } = await startSandbox();
  const shop = await startShop();
  const userDataDir = mkdtempSync(join(tmpdir(), 'tp-chromium-'));
  let context;
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync',
      ],
    });
    const page = context.pages()[0] || (await context.newPage());

    for (const [orderId, button, status, tradeStatus] of [
      ['o_browser_approve', '#approve', 'SUCCESS', 'succeeded'],
      ['o_browser_fail', '#fail', 'FAILED', 'requires_payment_method'],
    ]) {
      const paid = await call(info, 'PAY', threeDsPay(orderId, shop.url));
      check(paid.code === '00000003', `PAY answers 00000003, got ${paid.code}`);
      check(paid.data.status === 'PENDING', 'order is PENDING');
      const next = paid.data.next_action?.redirect?.url;
      check(typeof next === 'string' && next.startsWith(info.url), `next_action URL ${next}`);

      await page.goto(next);
      const text = await page.textContent('body');
      for (const needle of ['shop_browser', '42.50', 'EUR']) {
        check(text.includes(needle), `page shows ${needle}`);
      }
      await Promise.all([page.waitForURL(shop.url, { timeout: 15000 }), page.click(button)]);
      check(page.url() === shop.url, `landed on return_url, at ${page.url()}`);
      check((await page.textContent('#back')) === 'Back at the shop', 'return page rendered');

      const q = await call(info, 'QUERY', { merchant_id: 'shop_browser', order_id: orderId });
      check(q.code === '00000000', `QUERY code ${q.code}`);
      check(q.data.status === status, `order ${orderId} is ${status}, got ${q.data.status}`);
      check(q.data.trade_status === tradeStatus, `trade_status ${q.data.trade_status}`);
      check(q.data.next_action === undefined, 'no next_action once final');
      console.log(`browser: ${button.slice(1)} -> ${status} on ${orderId}, landed on return_url`);
    }

    // The approved order is real money in the sandbox's books: refund part, then reverse.
    const ref = { merchant_id: 'shop_browser', order_id: 'o_browser_approve' };
    const refunded = await call(info, 'REFUND', { ...ref, refund_id: 'r_browser', amount: '2.50' });
    check(refunded.code === '00000000' && refunded.data.status === 'SUCCESS', 'partial refund succeeds');
    const reversed = await call(info, 'REVERSAL', ref);
    check(reversed.data.status === 'CLOSED', 'reversal closes the order');
    check(reversed.data.total_refunded_amount === '42.50', 'reversal refunds the rest');
    check(reversed.data.refund_status === 'refunded', 'fully refunded');
    console.log('browser: refund and reversal of the approved order answered as expected');
  } finally {
    if (context) await context.close();
    rmSync(userDataDir, { recursive: true, force: true });
    shop.server.close();
    const exited = new Promise((r) => child.once('exit', (code, signal) => r({ code, signal })));
    child.kill('SIGTERM');
    const { code, signal } = await exited;
    check(code === 0, `sandbox exits 0 on SIGTERM (code ${code}, signal ${signal})`);
  }
  console.log('browser test: OK');
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
