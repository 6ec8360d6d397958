// Template of index.d.ts: `cargo xtask codegen` fills the marked parts from the core's description.
/// <reference types="node" />
// Types of the `tradepay` package (api.md, Node section). Field names of requests and
// results are the wire names of the gateway protocol (snake_case); options and methods are
// camelCase. Enum fields are unions of the known values, open to values a newer gateway may
// send (kept as their raw string).

/** A string union that still accepts (and keeps) values this version does not know. */
export type Open<T extends string> = T | (string & {});

// @generated enums

/** An amount as a decimal string: `"10"`, `"10.5"`, `"10.50"`. Numbers are refused (a float cannot carry money exactly). */
export type AmountString = string;

/** The `appInfo` option: your application, named in the User-Agent. */
export interface AppInfo {
  /** Its name: letters, digits and the other token characters of RFC 9110 (no spaces or slashes). */
  name: string;
  /** Its version, the same characters. */
  version?: string;
  /** Where to learn about it. */
  url?: string;
}

/** The `logger` option: where a client's log lines go (console, pino, …). */
export interface Logger {
  /** A debug line (a retry, a failed call), when `TRADEPAY_LOG` is `debug`. */
  debug(message: string): void;
  /** An info line (a micropay reversed at its deadline). */
  info(message: string): void;
  /** A warning (a background reversal not confirmed, a hook that threw). */
  warn(message: string): void;
  /** An error line. */
  error(message: string): void;
}

// @generated hook_event

// @generated client_options
// @generated call_options
/** A card's data, for `payment_method` `card`. */
export interface CardData {
  /** The card number, digits. */
  number: string;
  /** The expiry month, `"01"` to `"12"`. */
  exp_month: string;
  /** The expiry year. */
  exp_year: string;
  /** The card's security code. */
  cvc: string;
}

/** The data of the chosen payment method; it may hold only that method's entry. */
export interface PaymentMethodData {
  /** For `card` (not with `recurring_payment`). */
  card?: CardData;
  /** For `micropay`. */
  micropay?: {
    /** The customer's code, 10–32 digits. */
    auth_code: string;
  };
}

/** The fields of a PAY request. */
export interface PayParams {
// @generated params pay
}

/** Names an order by `trade_id`, `order_id` or both (which must then name the same order). */
export type OrderRef =
  | {
      /** The gateway's transaction ID. */
      trade_id: string;
      /** The caller's order ID. */
      order_id?: string;
    }
  | {
      /** The caller's order ID. */
      order_id: string;
      /** The gateway's transaction ID. */
      trade_id?: string;
    };

/** Names an order of a merchant (QUERY, REVERSAL, CLOSE). */
export type OrderParams = {
// @generated params order
} & OrderRef;

/** The fields of a REFUND request, naming the order to refund. */
export type RefundParams = {
// @generated params refund
} & OrderRef;

/** Names a refund (REFUND_QUERY). */
export interface RefundQueryParams {
// @generated params refund_query
}

/** Names the order to wait for, and for how long. */
export type WaitFinalParams = OrderParams & {
  /** How long to keep polling, milliseconds; default 60000, at most 86400000. */
  timeoutMs?: number;
};

/** The fields of a PAY by micropay (the customer's code), and the deadline of the whole flow. */
export interface MicropayParams {
// @generated params micropay
  /** When to give up and reverse, milliseconds; default 30000, at most 86400000. */
  deadlineMs?: number;
}

// @generated models
/** A client of the gateway: signs each request, retries what is safe to retry, verifies each response. */
export declare class Client {
  /** @throws {ValidationError} on bad options (nothing is sent). */
  constructor(options: ClientOptions);
  /**
   * A client for some calls with another `timeoutMs`, `maxRetries` or `deadlineMs`: the same
   * connection pool, credentials and journal; this client is unchanged. Closing either
   * closes both. (Each method also takes these options as its last argument.)
   * @throws {ValidationError} on a bad or unknown option.
   */
  withOptions(options: CallOptions): Client;
  /**
   * Calls `listener` with one event per attempt: `'request'` before it is sent, `'response'`
   * after it ends. The clients {@link Client.withOptions} makes share the listeners. A
   * listener that throws is logged and the call goes on.
   * @throws {ValidationError} for another event name or a listener that is not a function.
   */
  on(event: 'request' | 'response', listener: (event: HookEvent) => void): this;
  /** Removes a listener {@link Client.on} added. */
  off(event: 'request' | 'response', listener: (event: HookEvent) => void): this;
  /** PAY: creates a payment, or answers again for an `order_id` already paid with the same fields. */
  pay(params: PayParams, options?: CallOptions): Promise<Trade>;
  /** QUERY: reads an order. */
  query(params: OrderParams, options?: CallOptions): Promise<Trade>;
  /** REFUND: gives money back on a SUCCESS order; idempotent by `refund_id`. */
  refund(params: RefundParams, options?: CallOptions): Promise<Refund>;
  /** REFUND_QUERY: reads a refund. */
  refundQuery(params: RefundQueryParams, options?: CallOptions): Promise<Refund>;
  /** REVERSAL: cancels the payment whatever its state; resolves with the CLOSED order. */
  reverse(params: OrderParams, options?: CallOptions): Promise<Trade>;
  /** CLOSE: closes a PENDING order. */
  closeOrder(params: OrderParams, options?: CallOptions): Promise<Trade>;
  /** Polls QUERY until SUCCESS, FAILED or CLOSED; rejects with TimeoutError (`.trade` = last seen) at `timeoutMs`. */
  waitFinal(params: WaitFinalParams, options?: CallOptions): Promise<Trade>;
  /** Pays, queries until final, reverses at `deadlineMs`; rejects only if even the reversal is unconfirmed. */
  micropay(params: MicropayParams, options?: CallOptions): Promise<Trade>;
  /** The journal's operations whose outcome is not known, from every process sharing it. */
  inDoubt(): Promise<JournalEntry[]>;
  /** Settles the journal's operations in doubt the protocol's way; never pays again. */
  recover(): Promise<Recovery[]>;
  /** True if this webhook event (or `webhook-id`) was already recorded; records it otherwise. */
  webhookSeen(event: Event | string): Promise<boolean>;
  /** Releases the connection pool. */
  close(): void;
}

/** The process that made (or is settling) a journaled operation. */
export interface JournalOwner {
  /** The operating system's process ID. */
  pid: number;
  /** Random per opened journal: tells apart two processes that reused one PID. */
  instance: string;
  /** The host name (liveness is only checked on the same host). */
  host: string;
}

/** A money-moving call as the journal recorded it: identifiers and a digest, never card data. */
export interface JournalEntry {
  /** Random, unique per call. */
  id: string;
  /** The `transType` of the call. */
  kind: 'PAY' | 'REFUND' | 'REVERSAL' | 'CLOSE';
  /** The merchant. */
  merchant_id: string;
  /** The order, when the call named it by `order_id`. */
  order_id: string | null;
  /** The order, when the call named it by `trade_id`. */
  trade_id: string | null;
  /** The refund (REFUND). */
  refund_id: string | null;
  /** `card`, `qr` or `micropay` (PAY). */
  payment_method: string | null;
  /** The amount sent (PAY, REFUND). */
  amount: string | null;
  /** The currency sent (PAY). */
  currency: string | null;
  /** SHA-256 (hex) of the business parameters, card data left out. */
  digest: string;
  /** Unix seconds when the call began. */
  created_at: number;
  /** Unix seconds of the call's deadline, if it had one. */
  deadline: number | null;
  /** The signed `timestamp` of every attempt, in order. */
  attempt_timestamps: number[];
  /** Who owns it now. */
  owner: JournalOwner;
  /** The last answer seen (tagged by `type`), if any. */
  last_known: Record<string, unknown> | null;
}

/** What `recover()` made of one operation; `status` says which fields are set. */
export interface Recovery {
  /** The operation as the journal held it. */
  entry: JournalEntry;
  /** `settled` (the outcome is known and recorded), `in_doubt` (try again at `retry_at`) or `owned` (a live process is on it). */
  status: 'settled' | 'in_doubt' | 'owned';
  /** The order, when settled as one. */
  trade: Trade | null;
  /** The refund, when settled as one. */
  refund: Refund | null;
  /** Set when the gateway did not act on it and never will. */
  not_processed: NotProcessed | null;
  /** Unix seconds when it can be settled at the earliest (in doubt). */
  retry_at: number | null;
  /** Why it is still in doubt. */
  reason: string | null;
}

/** The gateway did not act on an operation and never will. */
export interface NotProcessed {
  /** The gateway's code, when it gave one. */
  code: string | null;
  /** Why. */
  message: string;
}

/** A fault the sandbox can inject. */
export type FaultKind = Open<
  | 'close_before'
  | 'close_after_commit'
  | 'http_503'
  | 'http_429'
  | 'busy'
  | 'delay'
  | 'truncate'
  | 'bad_signature'
  | 'no_signature'
  | 'channel_timeout'
  | 'future_field'
>;


/** A fault the sandbox injects into matching requests. */
export interface FaultRule {
  /** What goes wrong. */
  kind: FaultKind;
  /** Only requests of this operation; default: every operation. */
  trans_type?: TransType;
  /** Fire on at most this many matching requests; with neither `count` nor `probability`, on every one until cleared. */
  count?: number;
  /** Fire at random with this chance (0 to 1) on each matching request, reproducibly from `seed`. */
  probability?: number;
  /** The seed of this rule's random draws; default: the sandbox's seed. */
  seed?: number;
  /** For `delay`: how long to wait before handling the request, milliseconds; default 1000, at most a day. */
  delay_ms?: number;
  /** For `http_429`: the `Retry-After` seconds; default 1, at most a day. */
  retry_after?: number;
}

/** One order as the sandbox's ledger sees it. */
export interface LedgerEntry {
  /** The caller's order ID. */
  order_id: string;
  /** The gateway's transaction ID. */
  trade_id: string;
  /** The merchant the order belongs to. */
  merchant_id: string;
  /** Two decimals. */
  amount: string;
  /** The ISO 4217 code. */
  currency: string;
  /** The order's status. */
  status: Status;
  /** How many times the customer was charged: 0 or 1, never more. */
  charges: number;
  /** Money given back (successful refunds and reversal), two decimals. */
  refunded: string;
}

/** One webhook delivery of the sandbox and how it went. */
export interface WebhookDelivery {
  /** `webhook-id`, the same on every attempt. */
  id: string;
  /** Where the delivery is sent (the `notify_url`). */
  url: string;
  /** The event's type. */
  type: EventType;
  /** How many times it was sent so far. */
  attempts: number;
  /** True once an attempt was answered with a 2xx status. */
  delivered: boolean;
  /** The HTTP status of the last attempt, or null when none answered. */
  last_status: number | null;
  /** Why the last attempt failed (a connection or TLS error), when it did. */
  last_error?: string;
  /** The exact body sent. */
  body: string;
}

/** Options of {@link Sandbox.start}; an unknown key is a ValidationError naming the key meant. */
export interface SandboxOptions {
  /** The default seed of probabilistic faults; default 0. */
  seed?: number;
  /** The access party number; generated by default. */
  accessNo?: string;
  /** The access party's signing secret; generated by default. */
  secret?: string;
  /** The webhook secret, `whsec_<base64>`; generated by default. */
  webhookSecret?: string;
  /** The port on 127.0.0.1; default 0 (a free one). */
  port?: number;
  /** How far a request's timestamp may be from the sandbox clock; default 300 000 (a journal's `replayWindowMs` should match it). */
  timestampWindowMs?: number;
}

/** An embedded gateway emulator for tests, with fault injection, a clock and a ledger. */
export declare class Sandbox {
  private constructor();
  /** Starts a sandbox on 127.0.0.1; credentials not given are generated. */
  static start(options?: SandboxOptions): Promise<Sandbox>;
  /** The base URL to give {@link ClientOptions.baseUrl} (`http://127.0.0.1:…`). */
  readonly url: string;
  /** The access number to give {@link ClientOptions.accessNo}. */
  readonly accessNo: string;
  /** The signing secret to give {@link ClientOptions.secret}. */
  readonly secret: string;
  /** `whsec_…` */
  readonly webhookSecret: string;
  /** Completes a pending QR or 3-D Secure order as the customer would. */
  complete(tradeId: string, outcome: 'succeeded' | 'failed'): Promise<Trade>;
  /** Moves the sandbox clock forward (0 to 86400 seconds per call). */
  advanceClock(seconds: number): Promise<void>;
  /** Replaces the fault rules. */
  setFaults(rules: FaultRule[]): Promise<void>;
  /** Removes every fault rule. */
  clearFaults(): Promise<void>;
  /** Every order with its charge count and refunded total, oldest first. */
  ledger(): Promise<LedgerEntry[]>;
  /** Every order as QUERY would return it, oldest first. */
  orders(): Promise<Trade[]>;
  /** Every refund as REFUND_QUERY would return it, oldest first. */
  refunds(): Promise<Refund[]>;
  /** Every webhook delivery so far. */
  webhookDeliveries(): Promise<WebhookDelivery[]>;
  /** Forgets every order, refund, token, delivery and fault, and resets the clock. */
  reset(): Promise<void>;
  /** Stops the sandbox. */
  close(): Promise<void>;
}

/** Node's `IncomingHttpHeaders` (lowercase keys) or any plain object of header values. */
export type WebhookHeaders = Record<string, string | string[] | undefined>;

/** Anything `webhooks.verify` reads headers from: Node's header object, a WHATWG `Headers`, a `Map` or `[name, value]` pairs. */
export type WebhookHeadersLike =
  | WebhookHeaders
  | Headers
  | Map<string, string | string[]>
  | Iterable<readonly [string, string]>;

/** The raw request body: exactly the bytes received (a string is taken as UTF-8). */
export type WebhookBody = Buffer | Uint8Array | ArrayBuffer | string;

/** One `whsec_<base64>` secret, or several while rotating (any one verifies). */
export type WebhookSecretLike = string | readonly string[];

/** Options of `webhooks.verify` and `webhooks.verifyRequest`. */
export interface VerifyOptions {
  /** How far webhook-timestamp may be from now, either way; default 300, at most 86400. */
  toleranceSec?: number;
  /** The Unix time to check against instead of the clock (replaying recorded deliveries). */
  nowSec?: number;
}

/** The three headers of a signed delivery. */
export interface SignedWebhookHeaders {
  /** The delivery's id, the same on every retry. */
  'webhook-id': string;
  /** Unix seconds when it was signed. */
  'webhook-timestamp': string;
  /** `v1,<base64>`. */
  'webhook-signature': string;
}

/** Verification of webhook deliveries, and signing of test ones. */
export declare const webhooks: {
  /**
   * Verifies a delivery (Standard Webhooks) and returns its event.
   * @throws {WebhookVerificationError} when the delivery (body, headers, signature, timestamp) does not verify or cannot be read.
   * @throws {ValidationError} when `secret` is not a string (or array of them) or an option is out of range.
   */
  verify(body: WebhookBody, headers: WebhookHeadersLike, secret: WebhookSecretLike, options?: VerifyOptions): Event;
  /**
   * Reads a Fetch API `Request`'s body once (Next.js route handlers, Hono, Bun, Deno) and verifies it.
   * @throws {WebhookVerificationError} as `verify`, and for anything that is not a Request with an unread body.
   */
  verifyRequest(request: Request, secret: WebhookSecretLike, options?: VerifyOptions): Promise<Event>;
  /**
   * Signs `body` as the gateway does and returns the three headers, for testing a handler.
   * `id` defaults to a fresh `msg_…`, `timestamp` (Unix seconds) to now.
   */
  sign(body: WebhookBody, secret: string, options?: { id?: string; timestamp?: number }): SignedWebhookHeaders;
};

// @generated errors
