// tests/vectors/api_errors.json through the Node API: each bad call rejects (or, for
// `new Client`, throws) with the class, code and message the Rust and Python suites check
// for the same input.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import tp from '../index.js';
import { vectors } from './helpers.mjs';

const { cases } = vectors('api_errors.json');

// A closed port and no retries: a call that wrongly passes validation fails at once with
// a NetworkError instead of the expected error.
const offline = new tp.Client({ baseUrl: 'http://127.0.0.1:9', accessNo: 'acc_1', secret: 's', maxRetries: 0 });
after(() => offline.close());

const camel = (name) => name.replace(/_([a-z])/g, (_, c) => c.toUpperCase());
const shown = (e) => ({ class: e?.name ?? e?.constructor?.name, code: e?.code ?? null, message: e?.message });

test('there are enough cases', () => {
  assert.ok(cases.length >= 60, `only ${cases.length} cases`);
});

for (const c of cases.filter((c) => c.method)) {
  test(c.name, async () => {
    const method = camel(c.method);
    let client = offline;
    if (c.closed) {
      client = new tp.Client({ baseUrl: 'http://127.0.0.1:9', accessNo: 'acc_1', secret: 's' });
      client.close();
    }
    assert.equal(typeof client[method], 'function', `no method ${method}`);
    let error;
    try {
      // A call's own options (waitFinal's timeoutMs, micropay's deadlineMs) are spelt per language.
      await client[method]({ ...c.params, ...(c.options?.node ?? {}) });
    } catch (e) {
      error = e;
    }
    assert.ok(error, 'the call succeeded');
    assert.equal(error.constructor.name, error.name);
    assert.deepEqual(shown(error), 'class' in c.error ? c.error : c.error.node);
  });
}

for (const c of cases.filter((c) => c.client?.node)) {
  test(c.name, () => {
    const expected = 'class' in c.error ? c.error : c.error.node;
    let error;
    try {
      new tp.Client(c.client.node).close();
    } catch (e) {
      error = e;
    }
    assert.ok(error, 'the client was built');
    assert.deepEqual(shown(error), expected);
  });
}

for (const c of cases.filter((c) => c.with_options)) {
  test(c.name, () => {
    let error;
    try {
      offline.withOptions(c.with_options.node);
    } catch (e) {
      error = e;
    }
    assert.ok(error, 'withOptions accepted it');
    assert.deepEqual(shown(error), c.error.node);
  });
}
