// A Fetch API webhook handler, the shape of a Next.js route handler (`export const POST =
// handleWebhook` in app/webhooks/route.ts), a Hono route (`app.post('/webhooks', (c) =>
// handleWebhook(c.req.raw))`), Bun.serve or Deno.serve. Here it is served on node:http
// through a small adapter, and checked against the embedded sandbox.
//
// Run: cd examples/node && ../../bindings/node/node_modules/.bin/tsc -p tsconfig.json &&
//      node .build/frameworks/fetch_handler.js
//
// Imports only 'tradepay' and node builtins (not shop.mjs), so it compiles on its own under
// the examples' tsconfig and can be copied into an app as is.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { once } from 'node:events';
import { randomUUID } from 'node:crypto';
import { Client, Sandbox, webhooks, WebhookVerificationError, type Event } from 'tradepay';

/** What the shop did with each delivery. In memory for the demo: across processes or
 * restarts, give the client a journal and use `await client.webhookSeen(event)`. */
class Inbox {
  private readonly seen = new Set<string>();
  private readonly acted = new Map<string, number>();
  private readonly events: Event[] = [];
  private readonly paid = new Set<string>();
  private readonly waiters = new Set<() => void>();

  /** True the first time this webhook-id comes, false for a retry of it. */
  firstTime(event: Event): boolean {
    if (this.seen.has(event.id)) return false;
    this.seen.add(event.id);
    return true;
  }

  record(event: Event): void {
    this.acted.set(event.id, (this.acted.get(event.id) ?? 0) + 1);
    this.events.push(event);
    for (const wake of this.waiters) wake();
  }

  markPaid(tradeId: string): void {
    this.paid.add(tradeId);
  }

  isPaid(tradeId: string): boolean {
    return this.paid.has(tradeId);
  }

  count(id: string): number {
    return this.acted.get(id) ?? 0;
  }

  waitFor(orderId: string, ms: number): Promise<Event> {
    return new Promise((resolve, reject) => {
      // The delivery may have arrived before anyone waits (even before pay() resolved).
      const check = (): void => {
        const event = this.events.find((e) => e.data.order_id === orderId);
        if (event === undefined) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve(event);
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`no verified webhook for ${orderId} within ${ms} ms`));
      }, ms);
      this.waiters.add(check);
      check();
    });
  }
}

export const inbox = new Inbox();

export async function handleWebhook(request: Request): Promise<Response> {
  // Read when called, not at import: a route module is often loaded before the env is set.
  const secret = process.env.TRADEPAY_WEBHOOK_SECRET;
  // A 5xx makes the gateway retry, which is right until the secret is configured.
  if (!secret) return new Response('webhook secret not configured', { status: 500 });
  let event: Event;
  try {
    // Reads the body once, as bytes: never call request.json() (or .text()) before it, the
    // signature covers the exact bytes and a Request body can be read only once.
    event = await webhooks.verifyRequest(request, secret);
  } catch (err) {
    if (err instanceof WebhookVerificationError) return new Response(null, { status: 400 });
    throw err;
  }
  // Only after verifying: a forgery must not be acknowledged (or mark an id as seen).
  if (!inbox.firstTime(event)) return new Response(null, { status: 200 }); // a retry: ack, do nothing
  if (event.type === 'trade.succeeded') {
    const tradeId: string | undefined = event.data.trade_id;
    // The shop's own work (mark the order paid, email the receipt) goes here, or on a queue:
    // the gateway waits for this answer and retries a slow one as a duplicate.
    if (tradeId !== undefined) inbox.markPaid(tradeId);
  }
  inbox.record(event);
  return new Response(null, { status: 200 });
}

// --- node:http <-> Fetch API, what Next.js, Hono's node adapter and Bun do for you. ---

async function toRequest(req: IncomingMessage): Promise<Request> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk);
  const headers = new Headers();
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i], req.rawHeaders[i + 1]);
  const method = req.method ?? 'GET';
  const url = new URL(req.url ?? '/', `http://${req.headers.host ?? '127.0.0.1'}`);
  const body = method === 'GET' || method === 'HEAD' ? undefined : Buffer.concat(chunks);
  return new Request(url, { method, headers, body });
}

async function send(response: Response, res: ServerResponse): Promise<void> {
  res.statusCode = response.status;
  response.headers.forEach((value, name) => res.setHeader(name, value));
  res.end(Buffer.from(await response.arrayBuffer()));
}

export function serve(handler: (request: Request) => Promise<Response>): Server {
  return createServer((req, res) => {
    const route = req.url?.split('?')[0];
    if (route !== '/webhooks' || req.method !== 'POST') {
      res.writeHead(404).end();
      return;
    }
    toRequest(req)
      .then(handler)
      .then((response) => send(response, res))
      .catch((err: unknown) => {
        console.error('webhook handler failed:', err);
        if (!res.headersSent) res.writeHead(500);
        res.end();
      });
  });
}

// --- The demo: the same checks as shop.mjs's, against a real sandbox delivery. ---

const CARD = { card: { number: '4242424242424242', exp_month: '12', exp_year: '2030', cvc: '123' } };
// Any secret but the sandbox's: a delivery signed with it is a forgery.
const FORGER = 'whsec_' + Buffer.from('another secret key').toString('base64');
const DEADLINE_MS = 30_000;
const WAIT_MS = 10_000;

function check(ok: boolean, message: string): asserts ok {
  if (!ok) throw new Error(message);
}

async function post(url: string, body: string, headers: Record<string, string>): Promise<number> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
    signal: AbortSignal.timeout(WAIT_MS),
  });
  await response.arrayBuffer(); // drain it, so the connection does not keep the process alive
  return response.status;
}

async function main(): Promise<void> {
  const name = 'fetch';
  const deadline = setTimeout(() => {
    console.error(`${name}: FAILED: not finished within ${DEADLINE_MS} ms`);
    process.exit(1);
  }, DEADLINE_MS);
  let sandbox: Sandbox | undefined;
  let client: Client | undefined;
  let server: Server | undefined;
  try {
    sandbox = await Sandbox.start();
    client = new Client({ baseUrl: sandbox.url, accessNo: sandbox.accessNo, secret: sandbox.secret });
    process.env.TRADEPAY_WEBHOOK_SECRET = sandbox.webhookSecret;
    server = serve(handleWebhook);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const address = server.address();
    check(typeof address === 'object' && address !== null, `listening on ${String(address)}, expected a TCP port`);
    const endpoint = `http://127.0.0.1:${address.port}/webhooks`;

    const order_id = `o_${name}_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
    const trade = await client.pay({
      merchant_id: 'm_1', order_id, amount: '10.00', currency: 'USD', payment_method: 'card',
      payment_method_data: CARD, return_url: 'https://shop.example/back', notify_url: endpoint,
    });
    check(trade.status === 'SUCCESS', `pay: status ${trade.status}, expected SUCCESS`);
    const event = await inbox.waitFor(order_id, WAIT_MS);
    check(event.type === 'trade.succeeded', `webhook: type ${event.type}, expected trade.succeeded`);
    check(trade.trade_id !== undefined && inbox.isPaid(trade.trade_id), `webhook: trade ${trade.trade_id} not marked paid`);

    // The sandbox's own delivery, sent again as its retry would be: same id and body, signed afresh.
    const delivery = (await sandbox.webhookDeliveries()).find((d) => d.id === event.id);
    check(delivery !== undefined, `the sandbox lists no delivery ${event.id}`);
    const again = webhooks.sign(delivery.body, sandbox.webhookSecret, { id: delivery.id });
    const replayed = await post(endpoint, delivery.body, { ...again });
    check(replayed >= 200 && replayed < 300, `duplicate: answered ${replayed}, expected 2xx`);
    check(inbox.count(event.id) === 1, `duplicate: acted on ${inbox.count(event.id)} times, expected once`);

    // Reusing the real id: a handler that looked the id up before verifying would answer 200.
    const forgedBody = delivery.body.replace('SUCCESS', 'FAILED');
    const forged = await post(endpoint, forgedBody, { ...webhooks.sign(forgedBody, FORGER, { id: delivery.id }) });
    check(forged === 400, `forged delivery: answered ${forged}, expected 400`);

    // The sandbox records the answer just after the receiver sends it: it can lag a moment.
    const end = Date.now() + WAIT_MS;
    let record = delivery;
    while (!(record.delivered && record.last_status !== null) && Date.now() < end) {
      await new Promise((r) => setTimeout(r, 50));
      record = (await sandbox.webhookDeliveries()).find((d) => d.id === event.id) ?? record;
    }
    check(record.delivered && record.last_status === 200,
      `the sandbox's record: delivered ${record.delivered}, last_status ${record.last_status}, expected true and 200`);

    console.log(`${name}: paid ${order_id}, verified ${event.type} from the sandbox, dropped a duplicate, refused a forged delivery`);
  } catch (err) {
    console.error(`${name}: FAILED: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  } finally {
    const s = server;
    if (s !== undefined) await new Promise<void>((resolve) => s.close(() => resolve()));
    client?.close();
    await sandbox?.close();
    // Kept while the process lives on: something left open (a socket, a server) must fail
    // the run at the deadline, not hang it; unref'd, it does not hold a clean exit.
    deadline.unref();
  }
}

if (require.main === module) void main();
