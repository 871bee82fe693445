import { nameKey } from '../shared/names.js';

/** The stored comparison keys of a user's profile: what `search`, email lookup and list order compare. */
export interface UserKeys {
  username_key: string;
  name_key: string | null;
  email_key: string | null;
}

/**
 * Folded like names (NFKC, full case folding; see name-key.ts), so "Łukasz" is found by "łukasz" and
 * "Alice@Example.COM" by "alice@example.com" on every server, whatever its locale.
 */
export function userKeys(profile: { username: string; name: string | null; email: string | null }): UserKeys {
  return {
    username_key: nameKey(profile.username),
    name_key: profile.name === null ? null : nameKey(profile.name),
    email_key: profile.email === null ? null : nameKey(profile.email),
  };
}
