import { findApiKeyCandidates, touchApiKeyLastUsed } from '../api-keys/api-key-auth.repository.js';
import { digestsMatch, parseApiKey } from '../api-keys/api-key-secret.js';
import type { Db } from '../infra/db/database.js';
import type { FreshnessState } from '../infra/db/read-routing.js';
import type { Logger } from '../logger.js';
import { UnauthenticatedError } from '../shared/errors.js';
import { runWithCounters } from '../shared/request-counters.js';
import { upsertUserFromIdentity } from '../users/user.repository.js';
import type { Identity } from '../users/user.js';
import { identityFromClaims, InvalidClaimError } from './identity-claims.js';
import type { JwtVerifier, VerifiedClaims } from './jwt-verifier.js';
import { authenticationRequired, normalizeCredentials, type Credentials } from './credentials.js';
import type { Principal } from './principal.js';

/** Who calls, and what was read about the request's freshness on the way (saves a statement). */
export interface Authenticated {
  principal: Principal;
  freshness?: FreshnessState;
}

export interface Authenticator {
  /** Resolves the caller or throws UnauthenticatedError; InternalError when the OIDC provider is unreachable. */
  authenticate(credentials: Credentials): Promise<Principal>;
  /** As `authenticate`, with the freshness read in the same statement when there was one. */
  authenticateRequest(credentials: Credentials): Promise<Authenticated>;
  /** Waits for background last-used writes; call before closing the database (and in tests). */
  flush(): Promise<void>;
}

export interface AuthenticatorOptions {
  /** The primary: a revocation must take effect on the next request, and provisioning writes. */
  db: Db;
  /** Undefined when OIDC is not configured; bearer tokens are then refused. */
  jwt: JwtVerifier | undefined;
  logger: Logger;
}

// One message for every API-key failure, so probing a key tells an attacker nothing; the log has the reason.
const INVALID_API_KEY = 'Invalid API key: unknown, revoked and expired keys are all refused alike';
const BEARER = /^Bearer(?:[ \t]+(.*))?$/i;

/** A failure whose client-facing error is `error` and whose precise reason only reaches the log. */
class AuthFailure extends Error {
  constructor(
    readonly error: UnauthenticatedError,
    readonly logReason: string,
    readonly logFields: Record<string, unknown> = {},
  ) {
    super(logReason);
  }
}

export function createAuthenticator(options: AuthenticatorOptions): Authenticator {
  const { db, jwt } = options;
  const log = options.logger.child({ component: 'authenticate' });
  const pendingTouches = new Set<Promise<void>>();

  async function viaBearer(authorization: string): Promise<Authenticated> {
    const match = BEARER.exec(authorization.trim());
    if (!match) {
      throw failure('Unsupported authorization scheme; send "Authorization: Bearer <token>" or an X-API-Key header', 'UNSUPPORTED_AUTHORIZATION_SCHEME');
    }
    if (!jwt) throw failure('Bearer tokens are not accepted: OIDC is not configured on this server', 'OIDC_NOT_CONFIGURED');
    const token = match[1]?.trim() ?? '';
    if (token === '') throw failure('The token is invalid', 'TOKEN_INVALID', 'TOKEN_MISSING');
    let claims: VerifiedClaims;
    try {
      claims = await jwt.verify(token);
    } catch (error) {
      if (!(error instanceof UnauthenticatedError)) throw error;
      throw new AuthFailure(error, error.reason ?? 'TOKEN_INVALID', { detail: describe(error.cause) });
    }
    let identity: Identity;
    try {
      identity = identityFromClaims(claims);
    } catch (error) {
      if (!(error instanceof InvalidClaimError)) throw error;
      const refused = new UnauthenticatedError(`The token's ${error.claim} claim is not valid text`, { reason: 'TOKEN_CLAIM_INVALID' });
      throw new AuthFailure(refused, 'TOKEN_CLAIM_INVALID', { claim: error.claim, problem: error.problem });
    }
    const user = await upsertUserFromIdentity(db, identity);
    // Only `true` itself counts: a provider that sends "true" as text, or nothing, has not vouched.
    const tokenEmail = identity.email === null ? {} : { tokenEmail: { address: identity.email, verified: claims.email_verified === true } };
    return { principal: { userId: user.id, username: user.username, via: 'oidc', ...tokenEmail } };
  }

  async function viaApiKey(raw: string): Promise<Authenticated> {
    const parsed = parseApiKey(raw);
    if (!parsed) throw apiKeyFailure('API_KEY_MALFORMED');
    const candidates = await findApiKeyCandidates(db, parsed.prefix);
    // Prefixes are not unique: compare every candidate, not just the first.
    const found = candidates.find((c) => digestsMatch(c.secretSha256, parsed.sha256));
    const fields = { apiKeyPrefix: parsed.prefix, ...(found ? { apiKeyId: found.apiKey.id } : {}) };
    if (!found) throw apiKeyFailure('API_KEY_UNKNOWN', fields);
    if (found.apiKey.revokedAt !== null) throw apiKeyFailure('API_KEY_REVOKED', fields);
    if (found.expired) throw apiKeyFailure('API_KEY_EXPIRED', fields);
    if (!found.ownerIsTenantMember) throw apiKeyFailure('API_KEY_OWNER_NOT_TENANT_MEMBER', fields);
    if (found.touchDue) touchInBackground(found.apiKey.id);
    return {
      principal: {
        userId: found.apiKey.ownerUserId,
        username: found.ownerUsername,
        via: 'api_key',
        apiKeyId: found.apiKey.id,
        tenantScope: found.apiKey.tenantId,
      },
      freshness: found.freshness,
    };
  }

  /**
   * Not awaited: the request should not wait for bookkeeping. Run outside the request's counters,
   * since whether it lands before the request ends is a matter of timing.
   */
  function touchInBackground(apiKeyId: string): void {
    const touch = runWithCounters({ sql: 0, spicedb: 0 }, () => touchApiKeyLastUsed(db, apiKeyId)).then(
      () => undefined,
      (error: unknown) => log.warn({ err: error, apiKeyId }, 'api_key_touch_failed'),
    );
    pendingTouches.add(touch);
    void touch.finally(() => pendingTouches.delete(touch));
  }

  async function authenticateRequest(credentials: Credentials): Promise<Authenticated> {
    const { authorization, apiKey } = normalizeCredentials(credentials);
    const method = authorization ? 'bearer' : apiKey ? 'api_key' : 'none';
    try {
      // A bearer token wins and, when invalid, fails the request: the caller chose to act as the token's
      // subject, and quietly acting as the key's owner instead would hide the broken token.
      if (authorization) return await viaBearer(authorization);
      if (apiKey) return await viaApiKey(apiKey);
      throw new AuthFailure(authenticationRequired(), 'CREDENTIALS_MISSING');
    } catch (error) {
      if (!(error instanceof AuthFailure)) throw error;
      const quiet = error.logReason === 'CREDENTIALS_MISSING' || error.logReason === 'TOKEN_EXPIRED';
      log[quiet ? 'info' : 'warn']({ method, reason: error.logReason, ...error.logFields }, 'authentication_failed');
      throw error.error;
    }
  }

  return {
    authenticateRequest,
    authenticate: async (credentials) => (await authenticateRequest(credentials)).principal,
    async flush() {
      await Promise.all(pendingTouches);
    },
  };
}

function failure(message: string, reason: string, logReason: string = reason): AuthFailure {
  return new AuthFailure(new UnauthenticatedError(message, { reason }), logReason);
}

function apiKeyFailure(logReason: string, fields: Record<string, unknown> = {}): AuthFailure {
  return new AuthFailure(new UnauthenticatedError(INVALID_API_KEY, { reason: 'API_KEY_INVALID' }), logReason, fields);
}

/** jose's code and message name the failed check (claim, algorithm, signature) and never echo the token. */
function describe(cause: unknown): string | undefined {
  if (!(cause instanceof Error)) return undefined;
  const code = (cause as { code?: unknown }).code;
  return typeof code === 'string' ? `${code}: ${cause.message}` : cause.message;
}
