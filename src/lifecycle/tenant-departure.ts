import { revokeMemberApiKeys } from '../api-keys/api-key.repository.js';
import type { Committed, Transaction, UnitOfWork } from '../changes/unit-of-work.js';
import type { TenantRole } from '../events/roles.js';
import { deleteUserGroupMemberships } from '../groups/group-member.repository.js';
import { revokeInvitationsBy } from '../invitations/invitation.repository.js';
import type { Caller } from '../request/caller.js';
import { requireId } from '../shared/input.js';
import { countTenantAdmins, deleteTenantMember, lockTenantMember } from '../tenants/tenant-member.repository.js';
import { lastTenantAdmin, notATenantMember } from '../tenants/tenant-member.service.js';
import type { TenantService } from '../tenants/tenant.service.js';
import { deleteUserGrantsInTenant } from '../workspaces/workspace-member.repository.js';

export interface TenantDepartureDeps {
  uow: UnitOfWork;
  tenants: TenantService;
}

/** A member leaving a tenant, or removed from it, with everything they hold there. */
export class TenantDeparture {
  constructor(private readonly deps: TenantDepartureDeps) {}

  /**
   * Removes a member with everything they hold in the tenant (removeFromTenant). Needs
   * `administrate`, except to remove oneself (leave), which any member may. The last admin cannot go.
   */
  async remove(caller: Caller, input: { tenantId: string; userId: string }): Promise<Committed<string>> {
    const tenantId = requireId('tenantId', input.tenantId);
    const userId = requireId('userId', input.userId);
    const leaving = userId === caller.principal.userId;
    await this.deps.tenants.authorize(caller, tenantId, leaving ? 'view' : 'administrate');
    return this.deps.uow.run(
      async (tx) => {
        const current = await lockTenantMember(tx.trx, tenantId, userId);
        if (!current) throw notATenantMember();
        if (current.role === 'admin' && (await countTenantAdmins(tx.trx, tenantId)) <= 1) throw lastTenantAdmin();
        await removeFromTenant(tx, tenantId, userId, current.role);
        return userId;
      },
      { by: caller, tenant: { id: tenantId, lock: 'members' } },
    );
  }
}

/**
 * Removes a member from a tenant leaving nothing behind, in the caller's transaction (the tenant's
 * member lock held): the membership, every direct workspace role and group membership they hold in
 * the tenant, their API keys for it (revoked, so re-adding them brings none back) and the pending
 * invitations they made there (revoked); each a
 * consequence of TenantMemberRemoved, which heads the change.
 *
 * The membership row goes first: grants and group joins for this user hold it (FOR KEY SHARE) until
 * they commit, so this DELETE waits for them, and the deletes after it, each a new snapshot under
 * READ COMMITTED, see what they wrote. Later writers find no membership and are refused.
 */
export async function removeFromTenant(tx: Transaction, tenantId: string, userId: string, role: TenantRole): Promise<void> {
  await deleteTenantMember(tx.trx, tenantId, userId);
  tx.emit({ type: 'TenantMemberRemoved', tenantId, userId, role });
  await takeAlong(tx, tenantId, userId);
}

/**
 * What a departure takes along once the membership row is gone (removed, or expired: grant-expiry.ts
 * heads it with TenantMemberExpired instead): the same consequences either way.
 */
export async function takeAlong({ trx, emitConsequence }: Transaction, tenantId: string, userId: string): Promise<void> {
  const subject = { type: 'user' as const, id: userId };
  for (const g of await deleteUserGrantsInTenant(trx, tenantId, userId)) {
    emitConsequence({ type: 'WorkspaceMemberRemoved', tenantId, workspaceId: g.workspaceId, subject, role: g.role });
  }
  for (const m of await deleteUserGroupMemberships(trx, tenantId, userId)) {
    emitConsequence({ type: 'GroupMemberRemoved', tenantId, groupId: m.groupId, userId, role: m.role });
  }
  for (const k of await revokeMemberApiKeys(trx, tenantId, userId)) {
    emitConsequence({ type: 'ApiKeyRevoked', tenantId, apiKeyId: k.id, ownerUserId: userId, prefix: k.prefix });
  }
  // An invitation speaks with its inviter's authority, which ends here: the pending ones they made go
  // too (GitHub keeps them; GitLab's users found forgotten ones at off-boarding, issue 222349).
  for (const i of await revokeInvitationsBy(trx, tenantId, userId)) {
    emitConsequence({ type: 'InvitationRevoked', tenantId, invitationId: i.id, email: i.email, role: i.role, cause: 'inviter_departed' });
  }
}
