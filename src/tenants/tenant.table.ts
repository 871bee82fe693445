import type { ColumnType, Selectable } from 'kysely';
import type { TenantRole } from '../events/roles.js';

export interface TenantTable {
  id: string;
  name: string;
  /** nameKey(name): what uniqueness and list order compare (see src/shared/name-key.ts). */
  name_key: string;
  created_at: ColumnType<Date, never, never>;
  updated_at: ColumnType<Date, never, Date | string>;
}
export type TenantRow = Selectable<TenantTable>;

export interface TenantMemberTable {
  tenant_id: string;
  user_id: string;
  role: TenantRole;
  created_at: ColumnType<Date, never, Date>;
  /** When the grant ends (migration 0012); null: until revoked. An expired row counts as absent until swept. */
  expires_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}
