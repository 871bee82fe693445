import { SignJWT } from 'jose';
import { LOCAL_AUDIENCE, LOCAL_ISSUER } from './policy.js';
import type { LocalSigningKey } from './signing-key.js';

export interface LocalPerson {
  username: string;
  email?: string | undefined;
  name?: string | undefined;
}

export const MAX_TOKEN_DAYS = 365;

/**
 * An ID-token-shaped bearer token for `person`, with the claims a real identity provider sends:
 * `sub` (the username: the same person on every token), `preferred_username`, `name`, and `email`
 * with `email_verified: true`, since the developer who typed it vouches for it.
 */
export async function signLocalToken(key: LocalSigningKey, person: LocalPerson, days: number, now = new Date()): Promise<string> {
  const issuedAt = Math.floor(now.getTime() / 1000);
  const claims = {
    preferred_username: person.username,
    ...(person.name ? { name: person.name } : {}),
    ...(person.email ? { email: person.email, email_verified: true } : {}),
  };
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256', kid: key.kid, typ: 'JWT' })
    .setIssuer(LOCAL_ISSUER)
    .setAudience(LOCAL_AUDIENCE)
    .setSubject(person.username)
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + days * 86_400)
    .sign(key.privateKey);
}
