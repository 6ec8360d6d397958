// The examples run as users run them: `import ... from 'tradepay'` (ESM), and the TypeScript
// example compiled with the package's own types.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './helpers.mjs';

const run = promisify(execFile);
const EXAMPLES = join(ROOT, 'examples', 'node');
const PACKAGE = join(ROOT, 'bindings', 'node');

before(() => {
  // `cargo xtask test` links the package here; do the same when run on its own.
  const link = join(EXAMPLES, 'node_modules', 'tradepay');
  if (!existsSync(link)) {
    mkdirSync(join(EXAMPLES, 'node_modules'), { recursive: true });
    symlinkSync(PACKAGE, link, 'dir');
  }
});

test('examples/node/quickstart.mjs runs every flow', async () => {
  const { stdout } = await run(process.execPath, ['quickstart.mjs'], { cwd: EXAMPLES, timeout: 120_000 });
  for (const line of ['card 4242:', 'card declined:', 'card 3-D Secure:', 'QR:', 'micropay', 'subscription:', 'refund 2.50:', 'close pending QR:', 'webhook verified:', 'quickstart: done']) {
    assert.ok(stdout.includes(line), `missing "${line}" in:\n${stdout}`);
  }
  assert.match(stdout, /none charged twice: true/);
});

test('examples/node/quickstart.ts compiles under --strict and runs', async () => {
  const tsc = join(PACKAGE, 'node_modules', '.bin', 'tsc');
  await run(tsc, ['-p', 'tsconfig.json'], { cwd: EXAMPLES, timeout: 120_000 });
  const { stdout } = await run(process.execPath, [join('.build', 'quickstart.js')], { cwd: EXAMPLES, timeout: 120_000 });
  assert.match(stdout, /quickstart\.ts: done/);
  assert.match(stdout, /query through a 503 \(retried\): SUCCESS/);
});

// Each pays against its own sandbox with notify_url at its own server, and exits non-zero
// unless the real delivery verified, a replayed duplicate was acknowledged without acting and
// a forgery got a 400.
const FRAMEWORKS = join(EXAMPLES, 'frameworks');
const HANDLED = /paid o_\w+, verified trade\.succeeded from the sandbox, dropped a duplicate, refused a forged delivery/;

for (const example of ['express.mjs', 'fastify.mjs']) {
  test(`examples/node/frameworks/${example} verifies, dedupes and refuses forgeries`, async () => {
    // `cargo xtask test` installs Express and Fastify there; do the same when run on its own.
    if (!existsSync(join(FRAMEWORKS, 'node_modules'))) {
      await run('npm', ['install', '--no-audit', '--no-fund'], { cwd: FRAMEWORKS, timeout: 300_000 });
    }
    const { stdout } = await run(process.execPath, [example], { cwd: FRAMEWORKS, timeout: 60_000 });
    assert.match(stdout, HANDLED);
  });
}

test('examples/node/frameworks/otel.mjs turns the listeners into OpenTelemetry spans', async () => {
  if (!existsSync(join(FRAMEWORKS, 'node_modules', '@opentelemetry', 'sdk-trace-base'))) {
    await run('npm', ['install', '--no-audit', '--no-fund'], { cwd: FRAMEWORKS, timeout: 300_000 });
  }
  const { stdout } = await run(process.execPath, ['otel.mjs'], { cwd: FRAMEWORKS, timeout: 60_000 });
  assert.match(stdout, /otel: 2 calls, 3 attempts, the retry visible as its own span/);
});

test('examples/node/frameworks/fetch_handler.ts (a Fetch API route handler) compiles and handles deliveries', async () => {
  const tsc = join(PACKAGE, 'node_modules', '.bin', 'tsc');
  await run(tsc, ['-p', 'tsconfig.json'], { cwd: EXAMPLES, timeout: 120_000 });
  const { stdout } = await run(process.execPath, [join('.build', 'frameworks', 'fetch_handler.js')], { cwd: EXAMPLES, timeout: 60_000 });
  assert.match(stdout, HANDLED);
});

test('CommonJS require of the package name works from a .cjs file', async () => {
  const { stdout } = await run(
    process.execPath,
    ['-e', "const t = require('tradepay'); console.log(typeof t.Client, typeof t.Sandbox.start, typeof t.webhooks.verify, new t.ValidationError('x') instanceof t.TradepayError)"],
    { cwd: EXAMPLES },
  );
  assert.equal(stdout.trim(), 'function function function true');
});
