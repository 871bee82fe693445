import { textProblem, type TextProblem } from '../shared/text.js';
import type { Identity } from '../users/user.js';
import type { VerifiedClaims } from './jwt-verifier.js';

/**
 * The claims we store about a user; each must be text PostgreSQL can store as sent. `email_verified`
 * is not stored: it is read per request into the principal (authenticate.ts), since only the token
 * at hand can vouch for the address it carries.
 */
const STORED_CLAIMS = ['sub', 'preferred_username', 'name', 'email'] as const;

/** A stored claim that is not storable text. Carries the claim's name, never its value or the token. */
export class InvalidClaimError extends Error {
  override name = 'InvalidClaimError';
  constructor(
    readonly claim: (typeof STORED_CLAIMS)[number],
    readonly problem: TextProblem,
  ) {
    super(`the ${claim} claim is not storable text (${problem})`);
  }
}

/**
 * Who a verified token says its subject is. A claim with NUL would fail the provisioning statement
 * on every request of that user, and a lone surrogate would be stored as U+FFFD; either way the
 * token is refused rather than half-used (throws InvalidClaimError).
 */
export function identityFromClaims(claims: VerifiedClaims): Identity {
  for (const claim of STORED_CLAIMS) {
    const value = claims[claim];
    const problem = typeof value === 'string' ? textProblem(value) : undefined;
    if (problem) throw new InvalidClaimError(claim, problem);
  }
  return {
    issuer: claims.iss,
    subject: claims.sub,
    username: nonEmptyString(claims.preferred_username) ?? claims.sub,
    name: nonEmptyString(claims.name),
    email: nonEmptyString(claims.email),
  };
}

function nonEmptyString(value: unknown): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : null;
}
