import { BadInputError } from '../shared/errors.js';
import { requireText } from '../shared/input.js';
import { nameKey } from '../shared/names.js';

// RFC 5321 limits a forward path to 256 octets; anything longer is no address anyone signed in with.
export const MAX_EMAIL_LENGTH = 320;

/** An email argument, trimmed, and its key: compared as user-keys.ts folds the users' emails. */
export function requireEmail(field: string, raw: string): { email: string; key: string } {
  const email = requireText(field, raw).trim();
  if (email === '') throw new BadInputError(field, `${field} must not be empty`, 'EMAIL_EMPTY');
  if ([...email].length > MAX_EMAIL_LENGTH) throw new BadInputError(field, `${field} must be at most ${MAX_EMAIL_LENGTH} characters`, 'EMAIL_TOO_LONG');
  return { email, key: nameKey(email) };
}

/**
 * An address an invitation can be sent to: one `@` with something on either side and no white
 * space. Deliberately loose (the identity provider decides what an address is); this only keeps
 * typing mistakes such as a bare name out of the table.
 */
export function requireDeliverableEmail(field: string, raw: string): { email: string; key: string } {
  const parsed = requireEmail(field, raw);
  if (!/^[^\s@]+@[^\s@]+$/u.test(parsed.email)) throw new BadInputError(field, `${field} is not an email address`, 'EMAIL_INVALID');
  return parsed;
}
