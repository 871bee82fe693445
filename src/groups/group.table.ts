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
  created_at: ColumnType<Date, never, never>;
}
