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
  created_at: ColumnType<Date, never, never>;
}
