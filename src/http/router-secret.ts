import { timingSafeEqual, createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

/**
 * With ROUTER_SECRET set, only the router (which inserts `router-authorization`) may call the
 * GraphQL endpoint; health and metrics stay open for the platform's probes. Registered in the
 * GraphQL route's own scope, so it guards whatever URL Fastify routes there (a percent-encoded
 * `/%67raphql` included), rather than comparing URLs itself.
 */
export function requireRouterSecret(scope: FastifyInstance, secret: string): void {
  const expected = digest(secret);
  scope.addHook('onRequest', async (request, reply) => {
    const header = request.headers['router-authorization'];
    const given = typeof header === 'string' ? digest(header) : undefined;
    if (!given || !timingSafeEqual(given, expected)) {
      request.graphqlRecord?.errorCodes.push('UNAUTHENTICATED');
      return reply.code(401).send({
        errors: [{ message: 'Missing or invalid router-authorization header', extensions: { code: 'UNAUTHENTICATED', reason: 'ROUTER_SECRET_MISMATCH' } }],
      });
    }
  });
}
