import type { Executor, Tx } from '../infra/db/database.js';
import type { WorkspaceSubject } from '../events/domain-events.js';
import type { TenantRole, WorkspaceRole } from './membership.table.js';

export interface TenantMembership {
  userId: string;
  role: TenantRole;
}

export interface WorkspaceMembership {
  workspaceId: string;
  subject: WorkspaceSubject;
  role: WorkspaceRole;
}

export async function addTenantMember(trx: Tx, tenantId: string, userId: string, role: TenantRole): Promise<void> {
  await trx.insertInto('tenant_members').values({ tenant_id: tenantId, user_id: userId, role }).execute();
}

export async function listTenantMembers(db: Executor, tenantId: string): Promise<TenantMembership[]> {
  const rows = await db.selectFrom('tenant_members').select(['user_id', 'role']).where('tenant_id', '=', tenantId).execute();
  return rows.map((r) => ({ userId: r.user_id, role: r.role }));
}

export async function tenantHasAdmin(db: Executor, tenantId: string): Promise<boolean> {
  const row = await db
    .selectFrom('tenant_members')
    .select('user_id')
    .where('tenant_id', '=', tenantId)
    .where('role', '=', 'admin')
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

export async function addWorkspaceMember(trx: Tx, workspaceId: string, subject: WorkspaceSubject, role: WorkspaceRole): Promise<void> {
  await trx
    .insertInto('workspace_members')
    .values({
      workspace_id: workspaceId,
      user_id: subject.type === 'user' ? subject.id : null,
      group_id: subject.type === 'group' ? subject.id : null,
      role,
    })
    .execute();
}

/** Members of many workspaces in one statement (for deletion snapshots). */
export async function listWorkspaceMembers(db: Executor, workspaceIds: readonly string[]): Promise<WorkspaceMembership[]> {
  if (workspaceIds.length === 0) return [];
  const rows = await db
    .selectFrom('workspace_members')
    .select(['workspace_id', 'user_id', 'group_id', 'role'])
    .where('workspace_id', 'in', [...workspaceIds])
    .execute();
  return rows.map((r) => ({
    workspaceId: r.workspace_id,
    subject: r.user_id !== null ? { type: 'user' as const, id: r.user_id } : { type: 'group' as const, id: r.group_id ?? '' },
    role: r.role,
  }));
}
