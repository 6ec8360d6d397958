/// <reference types="node" />
// Types of the `tradepay` package (api.md, Node section). Field names of requests and
// results are the wire names of the gateway protocol (snake_case); options and methods are
// camelCase. Enum fields are unions of the known values, open to values a newer gateway may
// send (kept as their raw string).

/** A string union that still accepts (and keeps) values this version does not know. */
export type Open<T extends string> = T | (string & {});

export type Status = Open<'PENDING' | 'SUCCESS' | 'FAILED' | 'CLOSED'>;
export type TradeStatus = Open<'requires_payment_method' | 'requires_action' | 'processing' | 'succeeded'>;
export type RefundStatus = Open<'no_refund' | 'partially_refunded' | 'refunded'>;
export type PaymentMethod = Open<'card' | 'qr' | 'micropay'>;
export type PaymentMode = Open<'subscription' | 'recurring_payment'>;
export type NextActionType = Open<'redirect'>;
export type EventType = Open<'trade.succeeded' | 'trade.failed' | 'trade.closed' | 'refund.succeeded' | 'refund.failed'>;

/** An amount as a decimal string: `"10"`, `"10.5"`, `"10.50"`. Numbers are refused (a float cannot carry money exactly). */
export type AmountString = string;

export interface ClientOptions {
  /** `https://…`; plain `http://` only to loopback unless `allowInsecureHttp`. */
  baseUrl: string;
  accessNo: string;
  secret: string;
  /** Retries after the first attempt; default 2 (up to 3 attempts). */
  maxRetries?: number;
  /** Per attempt, milliseconds; default 30000; 0 to 86400000 (a day). */
  timeoutMs?: number;
  /** Total across attempts and backoff, milliseconds; default none (bounded by the retries); at most 86400000 (a day). */
  deadlineMs?: number;
  /** Allow plain `http://` to a host other than loopback; default false. */
  allowInsecureHttp?: boolean;
}

export interface CardData {
  number: string;
  exp_month: string;
  exp_year: string;
  cvc: string;
}

export interface PaymentMethodData {
  card?: CardData;
  micropay?: { auth_code: string };
}

export interface PayParams {
  merchant_id: string;
  order_id: string;
  amount: AmountString;
  /** ISO 4217; uppercased before sending. */
  currency: string;
  payment_method: PaymentMethod;
  customer_id?: string;
  metadata?: Record<string, string>;
  return_url?: string;
  notify_url?: string;
  payment_mode?: PaymentMode;
  payment_token?: string;
  /** RFC 3339; filled by the SDK when absent. */
  txn_time?: string;
  payment_method_data?: PaymentMethodData;
}

/** Names an order by `trade_id`, `order_id` or both (which must then name the same order). */
export type OrderRef =
  | { trade_id: string; order_id?: string }
  | { order_id: string; trade_id?: string };

export type OrderParams = { merchant_id: string } & OrderRef;

export type RefundParams = {
  merchant_id: string;
  refund_id: string;
  amount: AmountString;
  reason?: string;
  notify_url?: string;
} & OrderRef;

export interface RefundQueryParams {
  merchant_id: string;
  refund_id: string;
}

export type WaitFinalParams = OrderParams & {
  /** How long to keep polling, milliseconds; default 60000, at most 86400000. */
  timeoutMs?: number;
};

export type MicropayParams = Omit<PayParams, 'payment_method' | 'payment_method_data'> & {
  payment_method?: 'micropay';
  /** The customer's code, 10–32 digits. */
  auth_code: string;
  /** When to give up and reverse, milliseconds; default 30000, at most 86400000. */
  deadlineMs?: number;
};

export interface PaymentError {
  code?: string;
  message?: string;
}

export interface NextAction {
  type: NextActionType;
  redirect?: { url?: string };
}

/** An order (protocol §5) with its `status`. Absent fields are not applicable. */
export interface Trade {
  status: Status;
  trade_id?: string;
  access_no?: string;
  merchant_id?: string;
  order_id?: string;
  /** Two decimals. */
  amount?: string;
  currency?: string;
  customer_id?: string;
  paid_at?: string;
  metadata?: Record<string, string>;
  last_payment_error?: PaymentError;
  next_action?: NextAction;
  last_trans_id?: string;
  payment_mode?: PaymentMode;
  payment_token?: string;
  payment_method?: PaymentMethod;
  payment_channel?: string;
  return_url?: string;
  trade_status?: TradeStatus;
  txn_time?: string;
  created_at?: string;
  refund_status?: RefundStatus;
  total_refunded_amount?: string;
}

/** A refund (protocol §6). */
export interface Refund {
  status: Status;
  refund_id?: string;
  trade_id?: string;
  order_id?: string;
  amount?: string;
  currency?: string;
  reason?: string;
  created_at?: string;
  refunded_at?: string;
}

/** A verified webhook delivery. */
export interface Event {
  /** `webhook-id`: the same on every retry; drop duplicates by it. */
  id: string;
  type: EventType;
  /** The body's RFC 3339 timestamp. */
  timestamp: string;
  /** The order (`trade.*`) or refund (`refund.*`); raw JSON for an unknown type. */
  data: Trade | Refund;
}

export declare class Client {
  /** @throws {ValidationError} on bad options (nothing is sent). */
  constructor(options: ClientOptions);
  pay(params: PayParams): Promise<Trade>;
  query(params: OrderParams): Promise<Trade>;
  refund(params: RefundParams): Promise<Refund>;
  refundQuery(params: RefundQueryParams): Promise<Refund>;
  /** REVERSAL: cancels the payment whatever its state; resolves with the CLOSED order. */
  reverse(params: OrderParams): Promise<Trade>;
  /** CLOSE: closes a PENDING order. */
  closeOrder(params: OrderParams): Promise<Trade>;
  /** Polls QUERY until SUCCESS, FAILED or CLOSED; rejects with TimeoutError (`.trade` = last seen) at `timeoutMs`. */
  waitFinal(params: WaitFinalParams): Promise<Trade>;
  /** Pays, queries until final, reverses at `deadlineMs`; rejects only if even the reversal is unconfirmed. */
  micropay(params: MicropayParams): Promise<Trade>;
  /** Releases the connection pool. */
  close(): void;
}

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
>;

export type TransType = Open<'PAY' | 'QUERY' | 'REFUND' | 'REFUND_QUERY' | 'REVERSAL' | 'CLOSE'>;

export interface FaultRule {
  kind: FaultKind;
  trans_type?: TransType;
  count?: number;
  probability?: number;
  seed?: number;
  delay_ms?: number;
  retry_after?: number;
}

/** One order as the sandbox's ledger sees it. */
export interface LedgerEntry {
  order_id: string;
  trade_id: string;
  merchant_id: string;
  /** Two decimals. */
  amount: string;
  currency: string;
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
  url: string;
  type: EventType;
  attempts: number;
  delivered: boolean;
  last_status: number | null;
  last_error?: string;
  /** The exact body sent. */
  body: string;
}

export declare class Sandbox {
  private constructor();
  /** Starts the embedded gateway on 127.0.0.1 with generated credentials. */
  static start(): Promise<Sandbox>;
  readonly url: string;
  readonly accessNo: string;
  readonly secret: string;
  /** `whsec_…` */
  readonly webhookSecret: string;
  /** Completes a pending QR or 3-D Secure order as the customer would. */
  complete(tradeId: string, outcome: 'succeeded' | 'failed'): Promise<Trade>;
  /** Moves the sandbox clock forward (0 to 86400 seconds per call). */
  advanceClock(seconds: number): Promise<void>;
  setFaults(rules: FaultRule[]): Promise<void>;
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
  close(): Promise<void>;
}

/** Node's `IncomingHttpHeaders` (lowercase keys) or any plain object of header values. */
export type WebhookHeaders = Record<string, string | string[] | undefined>;

export declare const webhooks: {
  /**
   * Verifies a delivery (Standard Webhooks) and returns its event.
   * @throws {WebhookVerificationError} when the delivery (body, headers, signature, timestamp) does not verify.
   * @throws {ValidationError} when `secret` is not a string or an option is out of range.
   */
  verify(
    body: Buffer | Uint8Array | ArrayBuffer | string,
    headers: WebhookHeaders,
    secret: string,
    options?: {
      /** How far webhook-timestamp may be from now, either way; default 300, at most 86400. */
      toleranceSec?: number;
      /** The Unix time to check against instead of the clock (replaying recorded deliveries). */
      nowSec?: number;
    },
  ): Event;
};

export interface ErrorDetails {
  code?: string;
  traceId?: string;
  httpStatus?: number;
  field?: string;
  attempts?: number;
  outcomeUnknown?: boolean;
  trade?: Trade | null;
}

export declare class TradepayError extends Error {
  constructor(message: string, details?: ErrorDetails);
  /** True when the request may have been processed. */
  readonly outcomeUnknown: boolean;
  /**
   * The gateway code (or the code of the broken rule), when there is one.
   * `'ERR_TRADEPAY_INTERNAL'`: a bug inside the SDK (a Rust
   * panic), reported instead of crashing; `outcomeUnknown` is then true for calls that may
   * have sent their request.
   */
  readonly code?: string;
  readonly traceId?: string;
  readonly httpStatus?: number;
  /** The field a validation error concerns (`payment_method_data.card.number`). */
  readonly field?: string;
  readonly attempts?: number;
}
/** Nothing was sent. */
export declare class ValidationError extends TradepayError {}
/** The `code` of a TradepayError reporting a bug inside the SDK. */
export type INTERNAL_ERROR_CODE = 'ERR_TRADEPAY_INTERNAL';
export declare class ApiError extends TradepayError {}
export declare class AuthenticationError extends ApiError {}
export declare class InvalidRequestError extends ApiError {}
export declare class BusinessError extends ApiError {}
export declare class GatewayError extends ApiError {}
export declare class NetworkError extends TradepayError {}
export declare class TimeoutError extends TradepayError {
  /** The last trade seen, or null. */
  readonly trade: Trade | null;
}
export declare class SignatureError extends TradepayError {}
export declare class ProtocolError extends TradepayError {}
export declare class WebhookVerificationError extends TradepayError {}
