'use strict';
// The public API of `tradepay` for Node (api.md, Node section). Every decision is made by the
// Rust core in the native addon; this file only gives it the classes Node users expect and
// turns native failures into the error classes below (toError, the one piece of logic here).
const native = require('./native.js');

class TradepayError extends Error {
  constructor(message, details = {}) {
    super(message);
    this.name = new.target.name;
    /** True when the request may have been processed (a timeout, a connection lost after sending, 90000002). */
    this.outcomeUnknown = Boolean(details.outcomeUnknown);
    this.code = details.code;
    this.traceId = details.traceId;
    this.httpStatus = details.httpStatus;
    this.field = details.field;
    this.attempts = details.attempts;
  }
}
/** A value breaks a rule of the protocol; nothing was sent. */
class ValidationError extends TradepayError {}
/** The gateway answered with an error envelope (or an HTTP error that outlived the retries). */
class ApiError extends TradepayError {}
class AuthenticationError extends ApiError {}
class InvalidRequestError extends ApiError {}
class BusinessError extends ApiError {}
class GatewayError extends ApiError {}
class NetworkError extends TradepayError {}
class TimeoutError extends TradepayError {
  constructor(message, details = {}) {
    super(message, details);
    /** The last trade seen (waitFinal, micropay), or null. */
    this.trade = details.trade ?? null;
  }
}
class SignatureError extends TradepayError {}
class ProtocolError extends TradepayError {}
class WebhookVerificationError extends TradepayError {}

const CLASSES = {
  Tradepay: TradepayError,
  Validation: ValidationError,
  Api: ApiError,
  Authentication: AuthenticationError,
  InvalidRequest: InvalidRequestError,
  Business: BusinessError,
  Gateway: GatewayError,
  Network: NetworkError,
  Timeout: TimeoutError,
  Signature: SignatureError,
  Protocol: ProtocolError,
  WebhookVerification: WebhookVerificationError,
};

const MARK = '\u0001tradepay:';

// The native side rejects with a plain Error whose message is MARK + a JSON payload
// (bindings/node/src/failure.rs); build the class it names. Anything else (a bug, a wrong
// argument type napi itself refused) is passed on unchanged.
function toError(err) {
  if (!err || typeof err.message !== 'string' || !err.message.startsWith(MARK)) return err;
  const p = JSON.parse(err.message.slice(MARK.length));
  const Class = CLASSES[p.kind] || TradepayError;
  const e = new Class(p.message, p);
  if (p.trade !== undefined && !(e instanceof TimeoutError)) e.trade = p.trade;
  return e;
}
function rethrow(err) {
  throw toError(err);
}

class Client {
  #native;
  constructor(options) {
    try {
      this.#native = new native.NativeClient(options);
    } catch (err) {
      throw toError(err);
    }
  }
  pay(request) {
    return this.#native.pay(request).catch(rethrow);
  }
  query(request) {
    return this.#native.query(request).catch(rethrow);
  }
  refund(request) {
    return this.#native.refund(request).catch(rethrow);
  }
  refundQuery(request) {
    return this.#native.refundQuery(request).catch(rethrow);
  }
  reverse(request) {
    return this.#native.reverse(request).catch(rethrow);
  }
  closeOrder(request) {
    return this.#native.closeOrder(request).catch(rethrow);
  }
  waitFinal(request) {
    return this.#native.waitFinal(request).catch(rethrow);
  }
  micropay(request) {
    return this.#native.micropay(request).catch(rethrow);
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
  static async start() {
    try {
      return new Sandbox(await native.startSandbox());
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
    return this.#native.complete(tradeId, outcome).catch(rethrow);
  }
  advanceClock(seconds) {
    return this.#native.advanceClock(seconds).catch(rethrow);
  }
  setFaults(rules) {
    return this.#native.setFaults(rules).catch(rethrow);
  }
  clearFaults() {
    return this.#native.clearFaults().catch(rethrow);
  }
  ledger() {
    return this.#native.ledger().catch(rethrow);
  }
  orders() {
    return this.#native.orders().catch(rethrow);
  }
  close() {
    return this.#native.close().catch(rethrow);
  }
}

const webhooks = {
  verify(body, headers, secret, options) {
    try {
      return native.verifyWebhook(body, headers, secret, options?.toleranceSec, options?.nowSec);
    } catch (err) {
      throw toError(err);
    }
  },
};

module.exports = {
  Client,
  Sandbox,
  webhooks,
  TradepayError,
  ValidationError,
  ApiError,
  AuthenticationError,
  InvalidRequestError,
  BusinessError,
  GatewayError,
  NetworkError,
  TimeoutError,
  SignatureError,
  ProtocolError,
  WebhookVerificationError,
};
