import type { ColumnType } from 'kysely';

export type TenantRole = 'admin' | 'member';
export type WorkspaceRole = 'admin' | 'editor' | 'member';
export type GroupRole = 'admin' | 'member';

export interface TenantMemberTable {
  tenant_id: string;
  user_id: string;
  role: TenantRole;
  created_at: ColumnType<Date, never, never>;
}

export interface WorkspaceMemberTable {
  workspace_id: string;
  user_id: string | null;
  group_id: string | null;
  role: WorkspaceRole;
  created_at: ColumnType<Date, never, never>;
}

export interface GroupTable {
  id: string;
  tenant_id: string;
  name: string;
  /** nameKey(name): unique per tenant. */
  name_key: string;
  created_at: ColumnType<Date, never, never>;
  updated_at: ColumnType<Date, never, Date | string>;
}

export interface GroupMemberTable {
  group_id: string;
  user_id: string;
  role: GroupRole;
  created_at: ColumnType<Date, never, never>;
}
