/** An API key as the rest of the service sees it: never the secret, not even its digest. */
export interface ApiKey {
  id: string;
  tenantId: string;
  ownerUserId: string;
  name: string;
  /** Non-secret lookup handle (`karto_` + the first random characters), safe to show and log. */
  prefix: string;
  createdAt: Date;
  expiresAt: Date | null;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
}
