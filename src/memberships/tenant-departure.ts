import { revokeMemberApiKeys } from '../api-keys/api-key.repository.js';
import { deleteUserGroupMemberships } from '../groups/group-member.repository.js';
import type { Transaction } from '../infra/db/unit-of-work.js';
import type { TenantRole } from './membership.table.js';
import { deleteTenantMember } from './tenant-member.repository.js';
import { deleteUserGrantsInTenant } from './workspace-member.repository.js';

export interface DepartureCounts {
  workspaceRoles: number;
  groupMemberships: number;
  revokedApiKeys: number;
}

/**
 * Removes a member from a tenant leaving nothing behind, in the caller's transaction (the tenant's
 * member lock held): the membership, every direct workspace role and group membership they hold in
 * the tenant, and their API keys for it (revoked, so re-adding them brings none back).
 *
 * The membership row goes first: grants and group joins for this user hold it (FOR KEY SHARE) until
 * they commit, so this DELETE waits for them, and the deletes after it, each a new snapshot under
 * READ COMMITTED, see what they wrote. Later writers find no membership and are refused.
 */
export async function removeFromTenant({ trx, emit }: Transaction, tenantId: string, userId: string, role: TenantRole): Promise<DepartureCounts> {
  await deleteTenantMember(trx, tenantId, userId);
  emit({ type: 'TenantMemberRemoved', tenantId, userId, role });
  const subject = { type: 'user' as const, id: userId };
  const grants = await deleteUserGrantsInTenant(trx, tenantId, userId);
  for (const g of grants) emit({ type: 'WorkspaceMemberRemoved', tenantId, workspaceId: g.workspaceId, subject, role: g.role });
  const memberships = await deleteUserGroupMemberships(trx, tenantId, userId);
  for (const m of memberships) emit({ type: 'GroupMemberRemoved', tenantId, groupId: m.groupId, userId, role: m.role });
  const revoked = await revokeMemberApiKeys(trx, tenantId, userId);
  return { workspaceRoles: grants.length, groupMemberships: memberships.length, revokedApiKeys: revoked.length };
}
