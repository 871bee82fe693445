import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { createJwtVerifier, type JwtVerifier } from './jwt-verifier.js';
import { LOCAL_AUDIENCE, LOCAL_DISCOVERY_PATH, LOCAL_ISSUER, LOCAL_JWKS_PATH, localSignInState } from './local-sign-in/policy.js';
import { loadOrCreateSigningKey, type LocalSigningKey } from './local-sign-in/signing-key.js';

export interface IdentitySources {
  /** Verifies bearer tokens: the configured OIDC issuer's, or the local issuer's; undefined refuses them. */
  jwt: JwtVerifier | undefined;
  /** The local issuer's key, whose public half the HTTP server publishes. */
  localKey: LocalSigningKey | undefined;
  /** Call once the server listens: the local issuer's key set is read from there, and the sources are logged. */
  listening(origin: string): void;
}

/** Who may sign in: an identity provider (OIDC_ISSUER), else in development the local issuer; API keys always. */
export async function identitySources(config: Config, logger: Logger): Promise<IdentitySources> {
  if (config.OIDC_ISSUER && config.OIDC_AUDIENCE) {
    const { OIDC_ISSUER: issuer, OIDC_AUDIENCE: audience } = config;
    return {
      jwt: createJwtVerifier({ issuer, audience, jwksUrl: config.OIDC_JWKS_URL, logger }),
      localKey: undefined,
      listening: () =>
        logger.info({ event: 'identity_sources', oidcIssuer: issuer, oidcAudience: audience, localSignIn: false, apiKeys: true }, `identity: OIDC issuer ${issuer} (audience ${audience}), API keys`),
    };
  }
  const local = localSignInState(config);
  if (!local.enabled) {
    return {
      jwt: undefined,
      localKey: undefined,
      listening: () =>
        logger.info(
          { event: 'identity_sources', oidcIssuer: null, localSignIn: false, localSignInOff: local.reason, apiKeys: true },
          `identity: API keys only (no OIDC_ISSUER; local sign-in off: ${local.reason})`,
        ),
    };
  }
  const localKey = await loadOrCreateSigningKey(config.DATA_DIR);
  let origin: string | undefined;
  const jwksUrl = (): string => {
    if (!origin) throw new Error('the local key set is served once the server listens');
    return `${origin}${LOCAL_JWKS_PATH}`;
  };
  return {
    jwt: createJwtVerifier({ issuer: LOCAL_ISSUER, audience: LOCAL_AUDIENCE, jwksUrl, logger }),
    localKey,
    listening(listeningOrigin) {
      origin = listeningOrigin;
      logger.info(
        { event: 'identity_sources', oidcIssuer: null, localSignIn: true, localIssuer: LOCAL_ISSUER, discovery: `${origin}${LOCAL_DISCOVERY_PATH}`, keyFile: localKey.file, apiKeys: true },
        'identity: local sign-in (development only; `npm run token -- <username>` prints a token), API keys',
      );
    },
  };
}
