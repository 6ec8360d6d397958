// The processes of journal.test.mjs's crash test: `worker` pays, refunds and reverses in a
// loop until it is killed; `recoverer` settles the journal once and prints what it did as
// JSON lines. Both read the sandbox and the journal from the environment. Without a role
// (as `node --test test/` loads every file here) it does nothing.
import { Client, TradepayError } from '../index.mjs';

const env = process.env;
const client = () =>
  new Client({
    baseUrl: env.TP_URL,
    accessNo: env.TP_ACCESS,
    secret: env.TP_SECRET,
    timeoutMs: 2000,
    maxRetries: 2,
    journal: env.TP_JOURNAL,
    replayWindowMs: Number(env.TP_WINDOW_MS),
  });

const card = { card: { number: '4242424242424242', exp_month: '12', exp_year: '2030', cvc: '123' } };
const base = (order_id, amount) => ({ merchant_id: 'm_1', order_id, amount, currency: 'USD' });
const cardPay = (id, amount) => ({
  ...base(id, amount),
  payment_method: 'card',
  payment_method_data: card,
  return_url: 'https://shop.example/back',
});

async function lane(c, number) {
  for (let n = 0; ; n++) {
    const id = `o_${process.pid}_${number}_${n}`;
    try {
      switch (n % 6) {
        case 0:
          await c.pay(cardPay(id, '10.00'));
          await c.refund({ merchant_id: 'm_1', order_id: id, refund_id: `r_${id}`, amount: '3.00' });
          break;
        case 1:
          await c.pay({ ...base(id, '4.00'), payment_method: 'qr' });
          break;
        case 2: // confirmed at once
          await c.micropay({ ...base(id, '2.00'), auth_code: '134567890123456780', deadlineMs: 2000 });
          break;
        case 3: // never confirmed: reversed at its deadline, by the flow or by recovery
          await c.micropay({ ...base(id, '2.00'), auth_code: '134567890123456783', deadlineMs: 600 });
          break;
        case 4:
          await c.pay(cardPay(id, '6.00'));
          await c.reverse({ merchant_id: 'm_1', order_id: id });
          break;
        default: // confirmed 2 s (sandbox clock) later
          await c.micropay({ ...base(id, '3.00'), auth_code: '134567890123456781', deadlineMs: 1000 });
      }
    } catch (e) {
      if (!(e instanceof TradepayError)) throw e;
    }
  }
}

const role = process.argv[2];
if (role === 'worker') {
  const c = client();
  // A few calls at once, as a shop's server makes them.
  const lanes = [0, 1, 2, 3].map((i) => lane(c, i));
  process.stdout.write('ready\n');
  await Promise.all(lanes);
} else if (role === 'recoverer') {
  for (const r of await client().recover()) {
    process.stdout.write(JSON.stringify({ id: r.entry.id, kind: r.entry.kind, status: r.status, reason: r.reason }) + '\n');
  }
}
