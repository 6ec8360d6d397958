// A Fastify shop that receives the gateway's webhooks.
// Run: node fastify.mjs (pays against the embedded sandbox and checks its own endpoint).
// In a real app: new WebhookInbox(process.env.TRADEPAY_WEBHOOK_SECRET).
import { pathToFileURL } from 'node:url';
import Fastify from 'fastify';
import { WebhookInbox, demo } from './shop.mjs';

// The webhook route in a plugin of its own: the content-type parser below replaces the
// JSON one in this encapsulated context only, so the app's other routes keep parsed bodies.
function webhookRoutes(inbox) {
  return async function routes(app) {
    // parseAs 'buffer' keeps the exact bytes the signature covers; Fastify's default JSON
    // parser would hand over an object, and re-serializing it does not give them back.
    app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => done(null, body));
    app.post('/webhooks', async (request, reply) => {
      // A delivery without a JSON body gets request.body undefined: verified as empty, a 400.
      const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      return reply.code(inbox.receive(body, request.headers)).send();
    });
  };
}

export function createApp(inbox) {
  const app = Fastify();
  app.register(webhookRoutes(inbox));
  return app;
}

export async function listen(inbox) {
  const app = createApp(inbox);
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return { url, close: () => app.close() };
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  await demo('fastify', listen);
}
