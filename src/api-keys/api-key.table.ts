import type { ColumnType, Selectable } from 'kysely';

export interface ApiKeyTable {
  id: string;
  tenant_id: string;
  owner_user_id: string;
  name: string;
  /** nameKey(name): unique among the owner's active keys in the tenant. */
  name_key: string;
  prefix: string;
  secret_sha256: Buffer;
  created_at: ColumnType<Date, never, never>;
  expires_at: Date;
  revoked_at: Date | null;
  last_used_at: Date | null;
}
export type ApiKeyRow = Selectable<ApiKeyTable>;
