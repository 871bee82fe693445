import type { FastifyInstance } from 'fastify';
import { LOCAL_DISCOVERY_PATH, LOCAL_ISSUER, LOCAL_JWKS_PATH } from './policy.js';
import type { LocalSigningKey } from './signing-key.js';

/**
 * The local issuer's public side, as any OpenID provider publishes it: a discovery document and the
 * key set. The service's verifier reads the key set over HTTP like a real provider's, and a peer
 * subgraph may trust the same tokens (OIDC_ISSUER=urn:…, OIDC_JWKS_URL=<this origin>/local-sign-in/jwks.json).
 */
export function registerLocalIssuerRoutes(app: FastifyInstance, key: LocalSigningKey): void {
  app.get(LOCAL_DISCOVERY_PATH, async (request, reply) =>
    reply.header('cache-control', 'no-store').send({
      issuer: LOCAL_ISSUER,
      jwks_uri: `${request.protocol}://${request.host}${LOCAL_JWKS_PATH}`,
      id_token_signing_alg_values_supported: ['RS256'],
      subject_types_supported: ['public'],
      claims_supported: ['sub', 'preferred_username', 'name', 'email', 'email_verified'],
    }),
  );
  app.get(LOCAL_JWKS_PATH, async (_request, reply) => reply.header('cache-control', 'max-age=300').send({ keys: [key.publicJwk] }));
}
