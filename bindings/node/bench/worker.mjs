// The Node side of `cargo xtask bench bindings`: the PAY+QUERY workload of
// crates/tradepay/examples/bench_worker.rs (one PAY of a fresh QR order, then one QUERY of
// it) against a sandbox in another process, so the CPU this process reports is the
// binding's alone (its Rust runtime threads included). Prints one JSON line in the Rust
// worker's format; nothing here asserts a time.
//
//   node worker.mjs --url U --access-no A --secret S --requests N --concurrency C --warmup W
import { parseArgs } from 'node:util';
import { Client } from '../index.mjs';

const MERCHANT = 'm_bench';

const { values: a } = parseArgs({
  options: Object.fromEntries(
    ['url', 'access-no', 'secret', 'requests', 'concurrency', 'warmup'].map((k) => [k, { type: 'string' }]),
  ),
});
for (const k of ['url', 'access-no', 'secret', 'requests', 'concurrency', 'warmup']) {
  if (a[k] === undefined) throw new Error(`missing --${k}`);
}
const requests = Number(a.requests);
const concurrency = Number(a.concurrency);
const warmup = Number(a.warmup);

const client = new Client({ baseUrl: a.url, accessNo: a['access-no'], secret: a.secret });
// Distinct per run, so that rounds against one sandbox never reuse an order id.
const prefix = `js${process.pid}_${concurrency}`;
let next = 0;

async function run(pairs) {
  const end = next + pairs;
  const worker = async () => {
    while (next < end) {
      const order_id = `${prefix}_${next++}`;
      await client.pay({ merchant_id: MERCHANT, order_id, amount: '1.00', currency: 'USD', payment_method: 'qr' });
      await client.query({ merchant_id: MERCHANT, order_id });
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

const cpuUs = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};
// With --expose-gc (as the bench runs it) the heap is collected first, so that RSS growth
// means memory still held, not garbage V8 has not needed to collect yet.
const rssKib = () => {
  globalThis.gc?.();
  return Math.round(process.memoryUsage.rss() / 1024);
};

await run(Math.floor(warmup / 2));
const rss0 = rssKib();
const cpu0 = cpuUs();
const wall0 = process.hrtime.bigint();
await run(Math.floor(requests / 2));
const wall = Number(process.hrtime.bigint() - wall0) / 1e9;
const done = Math.floor(requests / 2) * 2;
console.log(
  JSON.stringify({
    requests: done,
    req_per_s: Math.round((done / wall) * 10) / 10,
    cpu_us_per_req: Math.round(((cpuUs() - cpu0) / done) * 100) / 100,
    rss_warm_kib: rss0,
    rss_end_kib: rssKib(),
  }),
);
client.close();
