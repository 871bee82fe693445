import { timingSafeEqual, createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

/**
 * With ROUTER_SECRET set, only the router (which inserts `router-authorization`) may call the
 * GraphQL endpoint; health and metrics stay open for the platform's probes.
 */
export function requireRouterSecret(app: FastifyInstance, secret: string, path: string): void {
  const expected = digest(secret);
  app.addHook('onRequest', async (request, reply) => {
    if (request.url.split('?')[0] !== path) return;
    const header = request.headers['router-authorization'];
    const given = typeof header === 'string' ? digest(header) : undefined;
    if (!given || !timingSafeEqual(given, expected)) {
      return reply.code(401).send({
        errors: [{ message: 'Missing or invalid router-authorization header', extensions: { code: 'UNAUTHENTICATED', reason: 'ROUTER_SECRET_MISMATCH' } }],
      });
    }
  });
}
