// ESM entry of `tradepay/testing`; the implementation is testing.js.
import testing from './testing.js';

export const { startSandbox, withSandbox } = testing;
