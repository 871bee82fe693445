import { createRemoteJWKSet, customFetch, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey, type RemoteJWKSet } from 'jose';
import { z } from 'zod';
import type { Logger } from '../logger.js';
import { InternalError, UnauthenticatedError, UnavailableError } from '../shared/errors.js';

/** Claims of a token whose signature, issuer, audience and lifetime have been checked. */
export interface VerifiedClaims extends JWTPayload {
  iss: string;
  sub: string;
  exp: number;
}

export interface JwtVerifier {
  /**
   * Throws UnauthenticatedError (reason TOKEN_EXPIRED or TOKEN_INVALID, cause = jose's error) for a bad
   * token, and InternalError (reason OIDC_UNAVAILABLE) when the provider's keys cannot be fetched: that
   * is not the caller's fault, and telling them so keeps clients from discarding a good token.
   */
  verify(token: string): Promise<VerifiedClaims>;
}

export interface JwtVerifierOptions {
  /** Compared exactly with `iss`, and the base of the discovery URL. */
  issuer: string;
  audience: string;
  /** Skips discovery when set; a function when the URL is known only later (our own port, for the local issuer). */
  jwksUrl?: string | (() => string) | undefined;
  logger: Logger;
  /** Minimum time between key-set fetches caused by an unknown `kid`. */
  jwksCooldownMs?: number;
  fetchTimeoutMs?: number;
}

// Asymmetric only: accepting HS* would let anyone holding a public key forge tokens signed "with" it.
const ALGORITHMS = ['RS256', 'ES256'];
// Tolerates small clock differences between the provider and us on exp/nbf/iat.
const CLOCK_TOLERANCE_SECONDS = 30;
// A forged token with a random kid can make us refetch the key set at most once per cooldown, while a
// genuinely rotated key is accepted at most this long after the previous fetch.
const DEFAULT_JWKS_COOLDOWN_MS = 10_000;
// Keys are refetched this often even when every kid is known, so a key the provider withdrew stops working.
const JWKS_MAX_AGE_MS = 10 * 60_000;
const DEFAULT_FETCH_TIMEOUT_MS = 5_000;

const discoveryDocument = z.object({ issuer: z.string(), jwks_uri: z.url({ protocol: /^https?$/ }) });

/** Signals that the keys, not the token, are the problem. */
class KeySourceUnavailable extends Error {
  override name = 'KeySourceUnavailable';
}

export function createJwtVerifier(options: JwtVerifierOptions): JwtVerifier {
  const { issuer, audience, logger } = options;
  const timeoutMs = options.fetchTimeoutMs ?? DEFAULT_FETCH_TIMEOUT_MS;
  const log = logger.child({ component: 'jwt-verifier' });

  const fetchJwks = async (url: string, init: RequestInit): Promise<Response> => {
    const response = await fetch(url, init);
    log.info({ url, status: response.status }, 'jwks_fetched');
    return response;
  };

  const createKeySet = (url: URL): RemoteJWKSet =>
    createRemoteJWKSet(url, {
      cooldownDuration: options.jwksCooldownMs ?? DEFAULT_JWKS_COOLDOWN_MS,
      cacheMaxAge: JWKS_MAX_AGE_MS,
      timeoutDuration: timeoutMs,
      [customFetch]: fetchJwks,
    });

  // Resolved lazily so the service starts while the provider is down; a failure is not remembered,
  // so the next request tries again.
  let keySet: Promise<RemoteJWKSet> | undefined;
  const loadKeySet = (): Promise<RemoteJWKSet> => {
    const { jwksUrl } = options;
    keySet ??= (jwksUrl ? Promise.resolve().then(() => new URL(typeof jwksUrl === 'function' ? jwksUrl() : jwksUrl)) : discoverJwksUrl(issuer, timeoutMs))
      .then((url) => {
        log.info({ jwksUrl: url.href }, 'oidc_configured');
        return createKeySet(url);
      })
      .catch((error: unknown) => {
        keySet = undefined;
        throw error;
      });
    return keySet;
  };

  const getKey: JWTVerifyGetKey = async (header, token) => {
    let keys: RemoteJWKSet;
    try {
      keys = await loadKeySet();
    } catch (error) {
      throw new KeySourceUnavailable('OIDC discovery failed', { cause: error });
    }
    try {
      return await keys(header, token);
    } catch (error) {
      if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) throw error;
      throw new KeySourceUnavailable('fetching the JWKS failed', { cause: error });
    }
  };

  return {
    async verify(token) {
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, getKey, {
          issuer,
          audience,
          algorithms: ALGORITHMS,
          requiredClaims: ['exp', 'sub'],
          clockTolerance: CLOCK_TOLERANCE_SECONDS,
        }));
      } catch (error) {
        throw toAuthError(error, log);
      }
      if (typeof payload.sub !== 'string' || payload.sub.length === 0) {
        throw new UnauthenticatedError('The token is invalid', { reason: 'TOKEN_INVALID', cause: new Error('"sub" is not a non-empty string') });
      }
      return payload as VerifiedClaims;
    },
  };
}

function toAuthError(error: unknown, log: Logger): Error {
  if (error instanceof KeySourceUnavailable) {
    log.error({ err: error.cause ?? error }, 'oidc_keys_unavailable');
    return new UnavailableError('Authentication is temporarily unavailable; retry shortly', { reason: 'OIDC_UNAVAILABLE', cause: error });
  }
  if (error instanceof errors.JWTExpired) {
    return new UnauthenticatedError('The token has expired', { reason: 'TOKEN_EXPIRED', cause: error });
  }
  if (error instanceof errors.JOSEError) {
    return new UnauthenticatedError('The token is invalid', { reason: 'TOKEN_INVALID', cause: error });
  }
  return new InternalError('Token verification failed unexpectedly', { cause: error });
}

/** OpenID Connect Discovery 1.0 §4: the document lives under the issuer and must name that issuer. */
async function discoverJwksUrl(issuer: string, timeoutMs: number): Promise<URL> {
  const url = `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
  const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), headers: { accept: 'application/json' } });
  if (!response.ok) throw new Error(`${url} answered HTTP ${response.status}`);
  const document = discoveryDocument.parse(await response.json());
  if (document.issuer !== issuer) throw new Error(`${url} names issuer ${document.issuer}, expected ${issuer}`);
  return new URL(document.jwks_uri);
}
