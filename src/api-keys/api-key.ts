/** An API key as the rest of the service sees it: never the secret, not even its digest. */
export interface ApiKey {
  id: string;
  tenantId: string;
  ownerUserId: string;
  name: string;
  /** Non-secret lookup handle (`karto_` + the first random characters), safe to show and log. */
  prefix: string;
  createdAt: Date;
  expiresAt: Date;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
}

export type ApiKeyStatus = 'ACTIVE' | 'EXPIRED' | 'REVOKED';

/** Revocation wins over expiry: a revoked key says so even after it would have expired. */
export function apiKeyStatus(key: ApiKey, now: Date = new Date()): ApiKeyStatus {
  if (key.revokedAt !== null) return 'REVOKED';
  return key.expiresAt.getTime() <= now.getTime() ? 'EXPIRED' : 'ACTIVE';
}

/** What the API shows of a key's secret: `karto_` and its next 4 characters, enough to recognise it. */
export const DISPLAYED_PREFIX_LENGTH = 'karto_'.length + 4;

export const MIN_EXPIRES_IN_DAYS = 1;
export const MAX_EXPIRES_IN_DAYS = 3650;
export const DEFAULT_EXPIRES_IN_DAYS = 30;

export function daysFromNow(days: number, now: Date = new Date()): Date {
  return new Date(now.getTime() + days * 24 * 60 * 60 * 1000);
}
