// Types of `tradepay/testing`: a sandbox gateway and a client of it for a test suite.
import type { Client, ClientOptions, Sandbox, SandboxOptions } from './index';

/** Options of {@link startSandbox}: the sandbox's, and `client` for the client's. */
export interface TestSandboxOptions extends SandboxOptions {
  /** Options of the client, besides `baseUrl`, `accessNo` and `secret` (taken from the sandbox). */
  client?: Omit<ClientOptions, 'baseUrl' | 'accessNo' | 'secret'>;
}

/** A running sandbox and a client of it. */
export interface TestSandbox {
  /** The sandbox gateway. */
  readonly sandbox: Sandbox;
  /** A client configured for it. */
  readonly client: Client;
  /** Forgets every order, refund, token, delivery and fault (call it between tests). */
  reset(): Promise<void>;
  /** Closes the client and stops the sandbox. */
  close(): Promise<void>;
}

/** Starts a sandbox and a client of it: in `before`/`beforeAll`, with `close()` in `after`/`afterAll`. */
export declare function startSandbox(options?: TestSandboxOptions): Promise<TestSandbox>;

/** Runs `fn` against a fresh sandbox and client and stops them afterwards; resolves to what `fn` returns. */
export declare function withSandbox<T>(fn: (harness: { sandbox: Sandbox; client: Client }) => T | Promise<T>): Promise<T>;
export declare function withSandbox<T>(
  options: TestSandboxOptions,
  fn: (harness: { sandbox: Sandbox; client: Client }) => T | Promise<T>,
): Promise<T>;
