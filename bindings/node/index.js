'use strict';
// The public API of `tradepay` for Node (api.md, Node section). Every decision is made by the
// Rust core in the native addon; this file only gives it the classes Node users expect and
// turns native failures into the error classes of errors.js (toError, the one piece of logic here).
const { inspect } = require('node:util');
const native = require('./native.js');

// The classes come from the core's table (errors.js is generated from it).
const errors = require('./errors.js');
const { TradepayError } = errors;

const MARK = '\u0001tradepay:';

// The native side rejects with a plain Error whose message is MARK + a JSON payload
// (bindings/node/src/failure.rs); build the class it names. Anything else (a bug, a wrong
// argument type napi itself refused) is passed on unchanged.
function toError(err) {
  if (!err || typeof err.message !== 'string' || !err.message.startsWith(MARK)) return err;
  const p = JSON.parse(err.message.slice(MARK.length));
  // A class this file does not know (a newer core's) is still a TradepayError.
  const Class = Object.hasOwn(errors, p.class) ? errors[p.class] : TradepayError;
  const e = new Class(p.message, p);
  if (e.trade) redactOnInspect(e.trade);
  return e;
}
function rethrow(err) {
  throw toError(err);
}

function inspectRedacted(depth, options, inspectFn = inspect) {
  if (depth < 0) return options.stylize('[Object]', 'special');
  // The core's masking rules (tradepay_types::redact), not a copy of them.
  return inspectFn(native.redact(this), { ...options, depth });
}

// Results are the plain objects of the wire fields (api.md); a non-enumerable symbol keeps
// JSON.stringify, Object.keys and spreading unchanged while console.log masks card data,
// auth_code and payment_token.
function redactOnInspect(value) {
  if (Array.isArray(value)) {
    for (const v of value) redactOnInspect(v);
  } else if (value !== null && typeof value === 'object' && !Object.hasOwn(value, inspect.custom)) {
    Object.defineProperty(value, inspect.custom, { value: inspectRedacted, enumerable: false, configurable: true, writable: true });
    if (value.data !== null && typeof value.data === 'object') redactOnInspect(value.data);
  }
  return value;
}

// A native method's Promise, with failures as the classes above. A synchronous throw (napi
// refusing the receiver, say) becomes a rejection too: an async method never throws.
function call(fn) {
  let p;
  try {
    p = fn();
  } catch (err) {
    return Promise.reject(toError(err));
  }
  // napi hands back the Error itself when it could not even create the Promise.
  if (typeof p?.then !== 'function') return Promise.reject(toError(p));
  return p.then(redactOnInspect, rethrow);
}

// A client call's `[result, lastResponse]` as the result, with `lastResponse` a
// non-enumerable property (api.md): JSON, spreading and console.log show only the order.
function answered([value, lastResponse]) {
  if (lastResponse !== null && value !== null && typeof value === 'object') {
    Object.defineProperty(value, 'lastResponse', { value: Object.freeze(lastResponse), enumerable: false, configurable: true, writable: false });
  }
  return value;
}
function callClient(fn) {
  return call(fn).then(answered);
}

// A call with its per-call options. An AbortSignal is a JS object the core cannot read: it
// becomes a native CallAbort that the signal's 'abort' event fires; what an abort means
// (nothing sent, or outcome unknown) is decided in Rust.
function callWith(nativeClient, method, request, options) {
  const signal = options?.signal;
  if (!(signal instanceof AbortSignal)) return callClient(() => nativeClient.call(method, request, options));
  const { signal: _signal, ...rest } = options;
  const abort = new native.CallAbort();
  const onAbort = () => abort.abort();
  if (signal.aborted) onAbort();
  else signal.addEventListener('abort', onAbort, { once: true });
  return callClient(() => nativeClient.call(method, request, rest, abort)).finally(() => signal.removeEventListener('abort', onAbort));
}

// The listeners of `client.on(..)`, shared by the clients withOptions makes (as their
// native clients share the core's hooks). The core decides what an event holds and when it
// is sent; this only hands it to each listener.
function listeners(nativeClient) {
  const hooks = { request: [], response: [] };
  // Called by the native side with `[hookName, event]`.
  hooks.dispatch = ([name, event]) => {
    for (const listener of [...hooks[name]]) {
      try {
        listener(event);
      } catch (err) {
        nativeClient.listenerThrew(name, String(err?.message ?? err));
      }
    }
  };
  return hooks;
}

class Client {
  #native;
  #hooks;
  constructor(options, hooks) {
    // withOptions hands over a native client made from this one's, and its listeners.
    if (options instanceof native.NativeClient) {
      this.#native = options;
      this.#hooks = hooks;
      return;
    }
    // A logger is functions, which the core cannot read as data: the native side checks
    // it and calls `logLine` with each line.
    let logger;
    if (options !== null && typeof options === 'object' && Object.hasOwn(options, 'logger')) ({ logger, ...options } = options);
    const logLine = logger == null ? undefined : ([level, line]) => {
      try {
        logger[level](line);
      } catch {
        // A logger that throws has no one left to tell.
      }
    };
    try {
      this.#native = new native.NativeClient(options, logger, logLine);
    } catch (err) {
      throw toError(err);
    }
    this.#hooks = listeners(this.#native);
  }
  withOptions(options) {
    try {
      return new Client(this.#native.withOptions(options), this.#hooks);
    } catch (err) {
      throw toError(err);
    }
  }
  on(event, listener) {
    try {
      native.NativeClient.checkListener(event, listener);
    } catch (err) {
      throw toError(err);
    }
    this.#hooks[event].push(listener);
    this.#native.setDispatch(this.#hooks.dispatch);
    return this;
  }
  off(event, listener) {
    try {
      native.NativeClient.checkListener(event, listener);
    } catch (err) {
      throw toError(err);
    }
    const list = this.#hooks[event];
    const at = list.lastIndexOf(listener);
    if (at >= 0) list.splice(at, 1);
    if (this.#hooks.request.length === 0 && this.#hooks.response.length === 0) this.#native.setDispatch(null);
    return this;
  }
  pay(request, options) {
    return callWith(this.#native, 'pay', request, options);
  }
  query(request, options) {
    return callWith(this.#native, 'query', request, options);
  }
  refund(request, options) {
    return callWith(this.#native, 'refund', request, options);
  }
  refundQuery(request, options) {
    return callWith(this.#native, 'refundQuery', request, options);
  }
  reverse(request, options) {
    return callWith(this.#native, 'reverse', request, options);
  }
  closeOrder(request, options) {
    return callWith(this.#native, 'closeOrder', request, options);
  }
  waitFinal(request, options) {
    return callWith(this.#native, 'waitFinal', request, options);
  }
  micropay(request, options) {
    return callWith(this.#native, 'micropay', request, options);
  }
  inDoubt() {
    return callClient(() => this.#native.call('inDoubt', {}));
  }
  recover() {
    return callClient(() => this.#native.call('recover', {}));
  }
  webhookSeen(event) {
    return callClient(() => this.#native.call('webhookSeen', { event }));
  }
  /** Releases the connection pool; requests already running finish. */
  close() {
    this.#native.close();
  }
}

class Sandbox {
  #native;
  constructor(handle) {
    if (!(handle instanceof native.NativeSandbox)) {
      throw new TypeError('use `await Sandbox.start()` to create a Sandbox');
    }
    this.#native = handle;
  }
  static async start(options) {
    try {
      return new Sandbox(await native.startSandbox(options));
    } catch (err) {
      throw toError(err);
    }
  }
  get url() {
    return this.#native.url;
  }
  get accessNo() {
    return this.#native.accessNo;
  }
  get secret() {
    return this.#native.secret;
  }
  get webhookSecret() {
    return this.#native.webhookSecret;
  }
  complete(tradeId, outcome) {
    return call(() => this.#native.complete(tradeId, outcome));
  }
  advanceClock(seconds) {
    return call(() => this.#native.advanceClock(seconds)).then(() => undefined);
  }
  setFaults(rules) {
    return call(() => this.#native.setFaults(rules)).then(() => undefined);
  }
  clearFaults() {
    return call(() => this.#native.clearFaults()).then(() => undefined);
  }
  /** Every order with its charge count and refunded total, oldest first. */
  ledger() {
    return call(() => this.#native.ledger());
  }
  /** Every order as QUERY would return it, oldest first. */
  orders() {
    return call(() => this.#native.orders());
  }
  /** Every refund as REFUND_QUERY would return it, oldest first. */
  refunds() {
    return call(() => this.#native.refunds());
  }
  /** Every webhook delivery so far. */
  webhookDeliveries() {
    return call(() => this.#native.webhookDeliveries());
  }
  /** Forgets every order, refund, token, delivery and fault, and resets the clock. */
  reset() {
    return call(() => this.#native.reset()).then(() => undefined);
  }
  close() {
    return call(() => this.#native.close()).then(() => undefined);
  }
}

// A WHATWG Headers or a Map (anything iterable by `entries()`, from any realm) as the
// [name, value] pairs the native side reads; Node's plain header object passes unchanged.
function headerPairs(headers) {
  if (headers === null || typeof headers !== 'object' || Array.isArray(headers)) return headers;
  if (typeof headers.entries !== 'function') return headers;
  try {
    return Array.from(headers.entries());
  } catch {
    return headers; // the native side names what it got
  }
}

function isFetchRequest(request) {
  return (
    request !== null &&
    typeof request === 'object' &&
    typeof request.arrayBuffer === 'function' &&
    request.headers !== null &&
    typeof request.headers === 'object'
  );
}

const webhooks = {
  verify(body, headers, secret, options) {
    try {
      return redactOnInspect(native.verifyWebhook(body, headerPairs(headers), secret, options));
    } catch (err) {
      throw toError(err);
    }
  },
  /** Reads a Fetch API Request's body once and verifies it. */
  async verifyRequest(request, secret, options) {
    if (!isFetchRequest(request) || request.bodyUsed) {
      try {
        native.unreadableRequest(request, isFetchRequest(request));
      } catch (err) {
        throw toError(err);
      }
    }
    const body = new Uint8Array(await request.arrayBuffer());
    return webhooks.verify(body, request.headers, secret, options);
  },
  sign(body, secret, options) {
    try {
      return native.signWebhook(body, secret, options);
    } catch (err) {
      throw toError(err);
    }
  },
};

// Test-only, not part of the API: panics inside the native boundary, on the JS thread
// (`inFuture` false: throws) or inside the Promise's future (rejects).
function testPanic(inFuture) {
  if (inFuture) return call(() => native._testPanicAsync());
  try {
    return native._testPanicSync();
  } catch (err) {
    throw toError(err);
  }
}

module.exports = {
  Client,
  Sandbox,
  webhooks,
  ...errors,
};
Object.defineProperty(module.exports, '_testPanic', { value: testPanic, enumerable: false });
