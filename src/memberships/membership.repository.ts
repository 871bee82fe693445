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

/** Deletes every membership of a tenant (tenant deletion) and returns exactly the rows deleted. */
export async function deleteTenantMembers(trx: Tx, tenantId: string): Promise<TenantMembership[]> {
  const rows = await trx.deleteFrom('tenant_members').where('tenant_id', '=', tenantId).returning(['user_id', 'role']).execute();
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

