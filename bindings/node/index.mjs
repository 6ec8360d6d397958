// ESM entry: the same objects as the CommonJS entry, so `instanceof` agrees across both.
import tradepay from './index.js';

export const {
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
  AbortError,
} = tradepay;
export default tradepay;
