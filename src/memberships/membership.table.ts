import type { ColumnType } from 'kysely';

export type TenantRole = 'admin' | 'member';
export type WorkspaceRole = 'admin' | 'editor' | 'member';

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
