import type { ColumnType, Selectable } from 'kysely';
import type { GroupRole } from '../events/roles.js';

export interface GroupTable {
  id: string;
  tenant_id: string;
  name: string;
  /** nameKey(name): unique per tenant. */
  name_key: string;
  created_at: ColumnType<Date, never, never>;
  updated_at: ColumnType<Date, never, Date | string>;
}
export type GroupRow = Selectable<GroupTable>;

export interface GroupMemberTable {
  group_id: string;
  user_id: string;
  role: GroupRole;
  created_at: ColumnType<Date, never, Date>;
  /** When the grant ends (migration 0012); null: until revoked. An expired row counts as absent until swept. */
  expires_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}
