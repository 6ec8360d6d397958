// An Express shop that receives the gateway's webhooks.
// Run: node express.mjs (pays against the embedded sandbox and checks its own endpoint).
// In a real app: new WebhookInbox(process.env.TRADEPAY_WEBHOOK_SECRET).
import { once } from 'node:events';
import { pathToFileURL } from 'node:url';
import express from 'express';
import { WebhookInbox, demo } from './shop.mjs';

export function createApp(inbox) {
  const app = express();
  // express.raw on this route only: req.body is the Buffer of the exact bytes the signature
  // covers. express.json() (here or app-wide before this route) would parse them, and
  // JSON.stringify(req.body) is not those bytes (spacing, key order, number forms), so no
  // delivery would verify.
  app.post('/webhooks', express.raw({ type: 'application/json' }), (req, res) => {
    // Without a JSON content-type express.raw leaves req.body unset: verify an empty body,
    // which fails (400) like any other unreadable delivery.
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    res.sendStatus(inbox.receive(body, req.headers));
  });
  return app;
}

export async function listen(inbox) {
  const server = createApp(inbox).listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  await demo('express', listen);
}
