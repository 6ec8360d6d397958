// What a shop's webhook endpoint does in any framework, and a demo that drives one.
//
// Each framework example (express.mjs, fastify.mjs) only shows how its framework hands over
// the raw body and the headers; WebhookInbox.receive does the rest: verify the raw bytes,
// drop a delivery whose webhook-id was already handled (the gateway retries until it gets a
// 2xx, so a slow or lost answer means a second delivery of the same event), act once, 2xx.
import { randomUUID } from 'node:crypto';
import { Client, Sandbox, webhooks, WebhookVerificationError } from 'tradepay';

const CARD = { card: { number: '4242424242424242', exp_month: '12', exp_year: '2030', cvc: '123' } };
// Any secret but the sandbox's: a delivery signed with it is a forgery.
const FORGER = 'whsec_' + Buffer.from('another secret key').toString('base64');
// The whole demo, sandbox start to close: past it the process fails instead of hanging.
const DEADLINE_MS = 30_000;
const WAIT_MS = 10_000;

export class WebhookInbox {
  // In memory for the demo: with several processes or restarts, give the client a journal
  // and use `await client.webhookSeen(event)`, which records each id durably.
  #secret;
  #handled = new Map(); // webhook-id -> how many times the shop acted on it (must stay 1)
  #events = [];
  #waiters = new Set();

  constructor(secret) {
    this.#secret = secret;
  }

  /** The HTTP status to answer a delivery with. */
  receive(rawBody, headers) {
    let event;
    try {
      event = webhooks.verify(rawBody, headers, this.#secret);
    } catch (err) {
      if (err instanceof WebhookVerificationError) return 400; // not from the gateway, or altered
      throw err;
    }
    // Only after verifying: a forger must not learn (or spoof) which ids were seen.
    if (this.#handled.has(event.id)) return 200; // a retry: acknowledge so it stops, do nothing
    this.#handled.set(event.id, (this.#handled.get(event.id) ?? 0) + 1);
    this.#events.push(event);
    // The shop's own work (mark the order paid, email the receipt) goes here, or on a queue:
    // the gateway waits for the answer, and a slow one is retried as a duplicate.
    for (const wake of this.#waiters) wake();
    return 200;
  }

  count(id) {
    return this.#handled.get(id) ?? 0;
  }

  waitFor(orderId, ms) {
    return new Promise((resolve, reject) => {
      // The delivery may have come before the caller started waiting (even before pay()
      // resolved), so look at what is already there first.
      const check = () => {
        const event = this.#events.find((e) => e.data?.order_id === orderId);
        if (!event) return;
        clearTimeout(timer);
        this.#waiters.delete(check);
        resolve(event);
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(check);
        reject(new Error(`no verified webhook for ${orderId} within ${ms} ms`));
      }, ms);
      this.#waiters.add(check);
      check();
    });
  }
}

async function post(url, body, headers) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
    signal: AbortSignal.timeout(WAIT_MS),
  });
  await response.arrayBuffer(); // drain it, so the connection does not keep the process alive
  return response.status;
}

function check(ok, message) {
  if (!ok) throw new Error(message);
}

async function deliveryOf(sandbox, id) {
  // The sandbox records the answer just after the receiver sends it, so the record can lag
  // the handler by a moment.
  const end = Date.now() + WAIT_MS;
  for (;;) {
    const delivery = (await sandbox.webhookDeliveries()).find((d) => d.id === id);
    if ((delivery?.delivered && delivery.last_status !== null) || Date.now() > end) return delivery;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Pays an order whose notify_url is the framework's server, waits for the sandbox's real
 * delivery, replays it (a duplicate) and sends a forgery; sets a non-zero exit code with a
 * message if any step is off. `listen(inbox)` resolves to `{ url, close() }`.
 */
export async function demo(name, listen) {
  const deadline = setTimeout(() => {
    console.error(`${name}: FAILED: not finished within ${DEADLINE_MS} ms`);
    process.exit(1);
  }, DEADLINE_MS);
  let sandbox, client, server;
  try {
    sandbox = await Sandbox.start();
    client = new Client({ baseUrl: sandbox.url, accessNo: sandbox.accessNo, secret: sandbox.secret });
    const inbox = new WebhookInbox(sandbox.webhookSecret);
    server = await listen(inbox);
    const endpoint = `${server.url}/webhooks`;

    const order_id = `o_${name}_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
    const trade = await client.pay({
      merchant_id: 'm_1', order_id, amount: '10.00', currency: 'USD', payment_method: 'card',
      payment_method_data: CARD, return_url: 'https://shop.example/back', notify_url: endpoint,
    });
    check(trade.status === 'SUCCESS', `pay: status ${trade.status}, expected SUCCESS`);
    const event = await inbox.waitFor(order_id, WAIT_MS);
    check(event.type === 'trade.succeeded', `webhook: type ${event.type}, expected trade.succeeded`);

    // The sandbox's own delivery, sent again as its retry would be: same id and body, signed
    // afresh.
    const delivery = (await sandbox.webhookDeliveries()).find((d) => d.id === event.id);
    check(delivery !== undefined, `the sandbox lists no delivery ${event.id}`);
    const again = webhooks.sign(delivery.body, sandbox.webhookSecret, { id: delivery.id });
    const replayed = await post(endpoint, delivery.body, again);
    check(replayed >= 200 && replayed < 300, `duplicate: answered ${replayed}, expected 2xx`);
    check(inbox.count(event.id) === 1, `duplicate: acted on ${inbox.count(event.id)} times, expected once`);

    // Reusing the real id: an endpoint that looked the id up before verifying would answer
    // 200 to this forgery.
    const forgedBody = delivery.body.replace('SUCCESS', 'FAILED');
    const forged = await post(endpoint, forgedBody, webhooks.sign(forgedBody, FORGER, { id: delivery.id }));
    check(forged === 400, `forged delivery: answered ${forged}, expected 400`);

    const record = await deliveryOf(sandbox, event.id);
    check(record?.delivered === true && record.last_status === 200,
      `the sandbox's record: delivered ${record?.delivered}, last_status ${record?.last_status}, expected true and 200`);

    console.log(`${name}: paid ${order_id}, verified ${event.type} from the sandbox, dropped a duplicate, refused a forged delivery`);
  } catch (err) {
    console.error(`${name}: FAILED: ${err?.message ?? err}`);
    process.exitCode = 1;
  } finally {
    await server?.close();
    client?.close();
    await sandbox?.close();
    // Kept while the process lives on: something left open (a socket, a server) must fail
    // the run at the deadline, not hang it; unref'd, it does not hold a clean exit.
    deadline.unref();
  }
}
