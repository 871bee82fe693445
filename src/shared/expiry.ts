import { BadInputError } from './errors.js';

/**
 * A grant's requested end, as a mutation's input gives it: `undefined` when the field was left
 * out (nothing asked of the expiry), `null` for "until revoked", else an instant. Refused before
 * anything is read or written, so bad input changes nothing.
 */
export type ExpiryInput = Date | null | undefined;

export const DEFAULT_MAX_GRANT_DAYS = 365;
const DAY_MS = 86_400_000;

/**
 * Checks the end against the process clock: not past (EXPIRY_IN_PAST), at most `maxDays` ahead
 * (EXPIRY_TOO_FAR). The database's clock decides everything after (reads, the sweeper, SpiceDB
 * on the same PostgreSQL); a skew between the two only moves the boundary of these refusals.
 */
export function checkExpiry(field: string, expiresAt: ExpiryInput, maxDays: number, now: number = Date.now()): ExpiryInput {
  if (expiresAt === undefined || expiresAt === null) return expiresAt;
  const at = expiresAt.getTime();
  if (Number.isNaN(at)) throw new BadInputError(field, `${field} must be an ISO-8601 instant`, 'INVALID_DATE');
  if (at <= now) throw new BadInputError(field, `${field} lies in the past`, 'EXPIRY_IN_PAST');
  if (at > now + maxDays * DAY_MS) throw new BadInputError(field, `${field} lies more than ${maxDays} days ahead`, 'EXPIRY_TOO_FAR');
  return expiresAt;
}

/** The earlier of two ends, null meaning never: a grant cannot outlive the membership it hangs on. */
export function earlierEnd(a: Date | null, b: Date | null): Date | null {
  if (a === null) return b;
  if (b === null) return a;
  return a.getTime() <= b.getTime() ? a : b;
}

export const isoOrNull = (d: Date | null | undefined): string | null => (d ? d.toISOString() : null);
