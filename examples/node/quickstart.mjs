// tradepay quickstart for Node: every flow of the gateway against the embedded sandbox.
// Run: node examples/node/quickstart.mjs (after building the addon, see bindings/node).
import { createServer } from 'node:http';
import { once } from 'node:events';
import { Client, Sandbox, webhooks, BusinessError, ValidationError } from 'tradepay';

const log = (label, value) => console.log(label.padEnd(28), value);
const card = (number) => ({ card: { number, exp_month: '12', exp_year: '2030', cvc: '123' } });
const run = Date.now().toString(36); // order ids stay unique across runs

// A webhook receiver, as a shop would run one (verify the raw body before trusting it).
const events = [];
let received;
const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    try {
      const event = webhooks.verify(Buffer.concat(chunks), req.headers, sandbox.webhookSecret);
      events.push(event);
      res.writeHead(204).end();
      received?.(event);
    } catch (err) {
      res.writeHead(400).end(String(err.message));
    }
  });
});
server.listen(0, '127.0.0.1');
await once(server, 'listening');
const notify_url = `http://127.0.0.1:${server.address().port}/webhooks`;

const sandbox = await Sandbox.start();
const client = new Client({ baseUrl: sandbox.url, accessNo: sandbox.accessNo, secret: sandbox.secret });
const merchant_id = 'm_demo';
const base = { merchant_id, currency: 'usd', return_url: 'https://shop.example/back' };

try {
  // 1. Card, paid at once.
  const paid = await client.pay({
    ...base, order_id: `card_ok_${run}`, amount: '10.5', payment_method: 'card',
    payment_method_data: card('4242424242424242'), notify_url, metadata: { cart: 'c_42' },
  });
  log('card 4242:', `${paid.status} ${paid.trade_status} ${paid.amount} ${paid.currency} ${paid.trade_id}`);

  // 2. Card declined: a result, not an exception.
  const declined = await client.pay({
    ...base, order_id: `card_declined_${run}`, amount: '5.00', payment_method: 'card',
    payment_method_data: card('4000000000000002'),
  });
  log('card declined:', `${declined.status} ${declined.last_payment_error?.code}`);

  // 3. 3-D Secure: PENDING with a redirect; the customer approves on the page.
  const threeDs = await client.pay({
    ...base, order_id: `card_3ds_${run}`, amount: '20.00', payment_method: 'card',
    payment_method_data: card('4000000000003220'),
  });
  log('card 3-D Secure:', `${threeDs.status} ${threeDs.trade_status} -> ${threeDs.next_action?.redirect?.url}`);
  await sandbox.complete(threeDs.trade_id, 'succeeded');
  const afterThreeDs = await client.waitFinal({ merchant_id, trade_id: threeDs.trade_id, timeoutMs: 10000 });
  log('  after approval:', afterThreeDs.status);

  // 4. QR code: show next_action.redirect.url as a QR code, learn the result by QUERY.
  const qr = await client.pay({ merchant_id, order_id: `qr_${run}`, amount: '8.80', currency: 'CNY', payment_method: 'qr' });
  log('QR:', `${qr.status} ${qr.next_action?.redirect?.url}`);
  await sandbox.complete(qr.trade_id, 'succeeded');
  log('  after the scan:', (await client.query({ merchant_id, order_id: `qr_${run}` })).status);

  // 5. Micropay (the merchant scans the customer's code): pay, poll, reverse at the deadline.
  const micro = await client.micropay({
    merchant_id, order_id: `micro_${run}`, amount: '3.20', currency: 'CNY',
    auth_code: '134567890123456781', deadlineMs: 15000,
  });
  log('micropay (confirming):', `${micro.status} ${micro.trade_status}`);
  const stuck = await client.micropay({
    merchant_id, order_id: `micro_stuck_${run}`, amount: '3.30', currency: 'CNY',
    auth_code: '134567890123456783', deadlineMs: 1500,
  });
  log('micropay (never confirmed):', `${stuck.status} (reversed at the deadline)`);

  // 6. Subscription, then a renewal with the returned token.
  const first = await client.pay({
    ...base, order_id: `sub_${run}`, amount: '9.99', payment_method: 'card',
    payment_mode: 'subscription', payment_method_data: card('4242424242424242'),
  });
  log('subscription:', `${first.status} token=${first.payment_token}`);
  const renewal = await client.pay({
    merchant_id, order_id: `sub_${run}_2`, amount: '9.99', currency: 'USD', payment_method: 'card',
    payment_mode: 'recurring_payment', payment_token: first.payment_token,
  });
  log('  renewal:', renewal.status);

  // 7. Refunds: partial, then the rest; then one too many.
  const r1 = await client.refund({ merchant_id, trade_id: paid.trade_id, refund_id: `rf1_${run}`, amount: '2.50', notify_url });
  log('refund 2.50:', r1.status);
  const r2 = await client.refund({ merchant_id, order_id: `card_ok_${run}`, refund_id: `rf2_${run}`, amount: '8' });
  log('refund the rest:', `${r2.status} ${(await client.refundQuery({ merchant_id, refund_id: `rf2_${run}` })).amount}`);
  const order = await client.query({ merchant_id, trade_id: paid.trade_id });
  log('  order now:', `${order.refund_status} total_refunded_amount=${order.total_refunded_amount}`);
  try {
    await client.refund({ merchant_id, trade_id: paid.trade_id, refund_id: `rf3_${run}`, amount: '0.01' });
  } catch (err) {
    if (!(err instanceof BusinessError)) throw err;
    log('  one cent more:', `${err.name} ${err.code} ${err.message} traceId=${err.traceId}`);
  }

  // 8. Close a pending QR order; reverse a paid one.
  const toClose = await client.pay({ merchant_id, order_id: `qr_close_${run}`, amount: '1.00', currency: 'USD', payment_method: 'qr' });
  log('close pending QR:', (await client.closeOrder({ merchant_id, trade_id: toClose.trade_id })).status);
  log('reverse paid 3-D Secure:', (await client.reverse({ merchant_id, order_id: `card_3ds_${run}` })).status);

  // 9. Amounts are strings: a number is refused before anything is sent.
  try {
    await client.pay({ ...base, order_id: `bad_${run}`, amount: 10.5, payment_method: 'card', payment_method_data: card('4242424242424242') });
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    log('amount as a number:', err.message);
  }

  // 10. Webhooks: the sandbox notified our receiver, which verified each delivery.
  const deadline = Date.now() + 10000;
  while (!events.some((e) => e.type === 'refund.succeeded') && Date.now() < deadline) {
    await new Promise((resolve) => { received = resolve; setTimeout(resolve, 200); });
  }
  for (const e of events) log('webhook verified:', `${e.type} ${e.data.status} id=${e.id}`);
  if (!events.some((e) => e.type === 'trade.succeeded')) throw new Error('no trade.succeeded webhook arrived');

  const ledger = await sandbox.ledger();
  log('ledger:', `${ledger.length} orders, none charged twice: ${ledger.every((l) => l.charges <= 1)}`);
} finally {
  client.close();
  await sandbox.close();
  server.close();
}
console.log('quickstart: done');
