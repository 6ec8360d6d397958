// `cargo xtask bench node`: this package against a pure-JS client of the same protocol
// (node:crypto HMAC, JSON) on undici and on global fetch, against one sandbox process in
// the same run. Prints requests per second at 1 and 64 concurrent requests and the client
// CPU per request (the sandbox runs in its own process, so its CPU is not counted), then
// the ratios. Nothing here asserts a time.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { Pool } from 'undici';
import { Client, Sandbox } from '../index.mjs';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 2);
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 0.5);
// The machine is shared: each cell is measured in several rounds, the clients in a rotating
// order, and the median round is reported, so that a burst of load elsewhere hits all alike.
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONCURRENCY = [1, 64];

async function startGateway() {
  const bin = process.env.TRADEPAY_SANDBOX_BIN;
  if (!bin) {
    console.log('note: TRADEPAY_SANDBOX_BIN not set; the sandbox runs in this process and its CPU is counted');
    const sb = await Sandbox.start();
    return { url: sb.url, accessNo: sb.accessNo, secret: sb.secret, stop: () => sb.close() };
  }
  const child = spawn(bin, ['--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`tradepay-sandbox exited with ${code}`)));
    createInterface({ input: child.stdout }).once('line', resolve);
  });
  const info = JSON.parse(line);
  return {
    url: info.url,
    accessNo: info.access_no,
    secret: info.secret,
    stop: async () => {
      child.removeAllListeners('exit');
      child.kill('SIGTERM');
    },
  };
}

// ---- the pure-JS client: the protocol in ~30 lines, as a user without the SDK would write it.
function jsProtocol({ accessNo, secret }) {
  const sign = (body) => createHmac('sha256', secret).update(body).digest();
  return {
    body(transType, data) {
      const body = JSON.stringify({
        transType,
        accessNo,
        timestamp: Math.floor(Date.now() / 1000),
        nonce: randomBytes(12).toString('hex'),
        data,
      });
      return { body, signature: sign(body).toString('base64') };
    },
    open(status, text, signature) {
      if (status !== 200) throw new Error(`HTTP ${status}`);
      const expected = sign(text);
      const given = Buffer.from(signature ?? '', 'base64');
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new Error('bad signature');
      const env = JSON.parse(text);
      if (env.code !== '00000000' && env.code !== '00000003') throw new Error(`code ${env.code}: ${env.message}`);
      return env.data;
    },
  };
}

function undiciClient(gw) {
  const proto = jsProtocol(gw);
  const pool = new Pool(gw.url, { connections: 128 });
  return {
    name: 'pure JS on undici',
    async query(data) {
      const { body, signature } = proto.body('QUERY', data);
      const res = await pool.request({
        path: '/v1/gateway',
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-signature': signature },
        body,
      });
      const text = await res.body.text();
      return proto.open(res.statusCode, text, res.headers['x-signature']);
    },
    close: () => pool.close(),
  };
}

function fetchClient(gw) {
  const proto = jsProtocol(gw);
  const endpoint = `${gw.url}/v1/gateway`;
  return {
    name: 'pure JS on fetch',
    async query(data) {
      const { body, signature } = proto.body('QUERY', data);
      const res = await fetch(endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-signature': signature },
        body,
      });
      const text = await res.text();
      return proto.open(res.status, text, res.headers.get('x-signature'));
    },
    close: () => {},
  };
}

function tradepayClient(gw) {
  const client = new Client({ baseUrl: gw.url, accessNo: gw.accessNo, secret: gw.secret });
  return { name: 'tradepay (this package)', query: (data) => client.query(data), close: () => client.close() };
}

async function measure(client, data, concurrency, seconds) {
  let done = 0;
  let failed = 0;
  const until = performance.now() + seconds * 1000;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const worker = async () => {
    while (performance.now() < until) {
      try {
        const t = await client.query(data);
        if (t.status !== 'SUCCESS') failed += 1;
        else done += 1;
      } catch {
        failed += 1;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const wall = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  return { rps: done / wall, cpuUsPerReq: (cpu.user + cpu.system) / Math.max(done, 1), done, failed };
}

const gw = await startGateway();
const setup = new Client({ baseUrl: gw.url, accessNo: gw.accessNo, secret: gw.secret });
const order = await setup.pay({
  merchant_id: 'm_bench', order_id: `bench_${Date.now()}`, amount: '10.00', currency: 'USD', payment_method: 'card',
  return_url: 'https://shop.example/back',
  payment_method_data: { card: { number: '4242424242424242', exp_month: '12', exp_year: '2030', cvc: '123' } },
});
setup.close();
const data = { merchant_id: 'm_bench', trade_id: order.trade_id };

const clients = [tradepayClient(gw), undiciClient(gw), fetchClient(gw)];
for (const c of clients) {
  const r = await c.query(data);
  if (r.status !== 'SUCCESS') throw new Error(`${c.name} does not work: ${JSON.stringify(r)}`);
}

console.log(`QUERY of one order against tradepay-sandbox at ${gw.url}; median of ${ROUNDS} rounds of ${SECONDS} s per cell (after ${WARMUP_SECONDS} s warm-up); node ${process.version}`);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const results = {};
for (const concurrency of CONCURRENCY) {
  const rounds = new Map(clients.map((c) => [c.name, []]));
  for (let round = 0; round < ROUNDS; round++) {
    const order = clients.map((_, i) => clients[(i + round) % clients.length]);
    for (const c of order) {
      await measure(c, data, concurrency, WARMUP_SECONDS);
      rounds.get(c.name).push(await measure(c, data, concurrency, SECONDS));
    }
  }
  for (const c of clients) {
    const rs = rounds.get(c.name);
    const r = {
      rps: median(rs.map((x) => x.rps)),
      cpuUsPerReq: median(rs.map((x) => x.cpuUsPerReq)),
      done: rs.reduce((n, x) => n + x.done, 0),
      failed: rs.reduce((n, x) => n + x.failed, 0),
    };
    results[`${c.name}@${concurrency}`] = r;
    console.log(
      `${c.name.padEnd(24)} concurrency ${String(concurrency).padStart(2)}: ${r.rps.toFixed(0).padStart(6)} req/s, ` +
        `client CPU ${r.cpuUsPerReq.toFixed(0).padStart(4)} µs/req (${r.done} ok, ${r.failed} failed)`,
    );
  }
}
console.log('\nratios (this package / baseline; req/s > 1 is faster, CPU < 1 is cheaper):');
for (const concurrency of CONCURRENCY) {
  const me = results[`${clients[0].name}@${concurrency}`];
  for (const base of clients.slice(1)) {
    const b = results[`${base.name}@${concurrency}`];
    console.log(
      `  concurrency ${String(concurrency).padStart(2)} vs ${base.name.padEnd(18)}: req/s x${(me.rps / b.rps).toFixed(2)}, CPU/req x${(me.cpuUsPerReq / b.cpuUsPerReq).toFixed(2)}`,
    );
  }
}
for (const c of clients) await c.close();
await gw.stop();
