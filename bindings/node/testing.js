'use strict';
// `tradepay/testing`: a sandbox gateway and a client of it for a test suite (node:test,
// vitest, jest), the Node counterpart of the pytest plugin's fixtures.
const { Client, Sandbox } = require('./index.js');

function clientOf(sandbox, options) {
  return new Client({
    ...options,
    baseUrl: sandbox.url,
    accessNo: sandbox.accessNo,
    secret: sandbox.secret,
  });
}

/**
 * Starts a sandbox (`options` as `Sandbox.start`, plus `client`: options of the client) and
 * resolves to `{ sandbox, client, reset(), close() }`; `reset()` forgets everything between
 * tests, `close()` stops both. Also `await using` disposable.
 */
async function startSandbox(options = {}) {
  const { client: clientOptions, ...sandboxOptions } = options ?? {};
  const sandbox = await Sandbox.start(sandboxOptions);
  let client;
  try {
    client = clientOf(sandbox, clientOptions);
  } catch (err) {
    await sandbox.close();
    throw err;
  }
  const close = async () => {
    client.close();
    await sandbox.close();
  };
  const harness = {
    sandbox,
    client,
    reset: () => sandbox.reset(),
    close,
  };
  if (Symbol.asyncDispose) harness[Symbol.asyncDispose] = close;
  return harness;
}

/**
 * Runs `fn({ sandbox, client })` against a fresh sandbox and stops it afterwards, whatever
 * `fn` does; resolves to what `fn` returns. `options` as `startSandbox`.
 */
async function withSandbox(options, fn) {
  if (typeof options === 'function') [options, fn] = [{}, options];
  const harness = await startSandbox(options);
  try {
    return await fn({ sandbox: harness.sandbox, client: harness.client });
  } finally {
    await harness.close();
  }
}

module.exports = { startSandbox, withSandbox };
