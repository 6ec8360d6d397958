// The TypeScript version of the essentials: checked by `tsc --strict` in `cargo xtask test`
// and run (compiled) by the Node suite.
import {
  Client,
  Sandbox,
  webhooks,
  ApiError,
  TimeoutError,
  TradepayError,
  ValidationError,
  type Trade,
  type Refund,
  type Event,
  type PayParams,
  type FaultRule,
  type LedgerEntry,
  type WebhookDelivery,
} from 'tradepay';
import type { IncomingHttpHeaders } from 'node:http';

// What a webhook route does with Node's request: the raw body and `req.headers` as they are.
export function verifyDelivery(rawBody: Buffer, headers: IncomingHttpHeaders, secret: string): Event {
  return webhooks.verify(rawBody, headers, secret, { toleranceSec: 300 });
}

function describe(trade: Trade): string {
  // Enum fields are open unions: known values autocomplete, unknown ones still type-check.
  switch (trade.status) {
    case 'SUCCESS':
      return `paid ${trade.amount} ${trade.currency}`;
    case 'FAILED':
      return `failed: ${trade.last_payment_error?.code ?? 'unknown'}`;
    case 'PENDING':
      return `pending: ${trade.next_action?.redirect?.url ?? trade.trade_status}`;
    default:
      return trade.status;
  }
}

async function main(): Promise<void> {
  const sandbox: Sandbox = await Sandbox.start();
  const client = new Client({
    baseUrl: sandbox.url,
    accessNo: sandbox.accessNo,
    secret: sandbox.secret,
    maxRetries: 2,
    timeoutMs: 30_000,
    deadlineMs: 60_000,
    allowInsecureHttp: false,
  });
  const run = Date.now().toString(36);
  try {
    const params: PayParams = {
      merchant_id: 'm_ts',
      order_id: `ts_${run}`,
      amount: '12.34',
      currency: 'EUR',
      payment_method: 'card',
      return_url: 'https://shop.example/back',
      payment_method_data: { card: { number: '4242424242424242', exp_month: '12', exp_year: '2030', cvc: '123' } },
    };
    const trade: Trade = await client.pay(params);
    console.log('pay:', describe(trade));

    const refund: Refund = await client.refund({ merchant_id: 'm_ts', trade_id: trade.trade_id!, refund_id: `tsr_${run}`, amount: '2' });
    console.log('refund:', refund.status, refund.amount);

    const qr = await client.pay({ merchant_id: 'm_ts', order_id: `tsqr_${run}`, amount: '1', currency: 'USD', payment_method: 'qr' });
    console.log('qr:', describe(qr));
    try {
      await client.waitFinal({ merchant_id: 'm_ts', trade_id: qr.trade_id!, timeoutMs: 300 });
    } catch (err) {
      if (err instanceof TimeoutError) console.log('waitFinal timed out; last seen:', err.trade?.status, 'outcomeUnknown:', err.outcomeUnknown);
      else throw err;
    }
    console.log('closeOrder:', (await client.closeOrder({ merchant_id: 'm_ts', order_id: `tsqr_${run}` })).status);

    const faults: FaultRule[] = [{ kind: 'http_503', trans_type: 'QUERY', count: 1 }];
    await sandbox.setFaults(faults);
    console.log('query through a 503 (retried):', (await client.query({ merchant_id: 'm_ts', order_id: `ts_${run}` })).status);
    await sandbox.clearFaults();
    // The sandbox's books: one charge per order, every refund, every webhook delivery.
    const ledger: LedgerEntry[] = await sandbox.ledger();
    const refunds: Refund[] = await sandbox.refunds();
    const deliveries: WebhookDelivery[] = await sandbox.webhookDeliveries();
    console.log('ledger:', ledger.every((e) => e.charges <= 1), refunds.length >= 0, deliveries.length >= 0);

    try {
      // Amounts are strings in the types too: a number does not compile (and is refused at run time).
      // @ts-expect-error amount must be a string
      await client.pay({ ...params, order_id: `tsnum_${run}`, amount: 12.34 });
    } catch (err) {
      if (err instanceof ValidationError) console.log('number amount refused:', err.field);
      else throw err;
    }
    try {
      await client.query({ merchant_id: 'm_ts', order_id: 'no_such_order' });
    } catch (err) {
      if (err instanceof ApiError) console.log('not found:', err.code, err.traceId !== undefined, err.httpStatus);
      else throw err;
    }
    try {
      new Client({ baseUrl: 'http://pay.example', accessNo: 'a', secret: 's' });
    } catch (err) {
      if (err instanceof ValidationError) console.log('insecure http refused:', err.message);
      else throw err;
    }

    const body = Buffer.from('{}');
    try {
      const event: Event = verifyDelivery(body, { 'webhook-id': 'x' }, sandbox.webhookSecret);
      console.log(event.type);
    } catch (err) {
      if (err instanceof TradepayError) console.log('webhook refused:', err.name);
      else throw err;
    }
  } finally {
    client.close();
    await sandbox.close();
  }
  console.log('quickstart.ts: done');
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
