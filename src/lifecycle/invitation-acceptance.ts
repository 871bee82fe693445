import type { Committed, Transaction, UnitOfWork } from '../changes/unit-of-work.js';
import type { GroupMemberService } from '../groups/group-member.service.js';
import { lockGroupForMemberChange } from '../groups/group.repository.js';
import type { Group } from '../groups/group.js';
import { closedInvitation } from '../invitations/invitation-rules.js';
import { closeInvitation, findInvitationsByIds, lockInvitation } from '../invitations/invitation.repository.js';
import type { InvitationService } from '../invitations/invitation.service.js';
import type { Invitation } from '../invitations/invitation.js';
import type { Caller } from '../request/caller.js';
import { InternalError, NotFoundError } from '../shared/errors.js';
import type { TenantMemberService } from '../tenants/tenant-member.service.js';
import type { TenantMember } from '../tenants/tenant.js';
import type { WorkspaceMemberService } from '../workspaces/workspace-member.service.js';
import { lockWorkspaceForMemberChange } from '../workspaces/workspace.repository.js';
import type { Workspace } from '../workspaces/workspace.js';

export interface InvitationAcceptanceDeps {
  uow: UnitOfWork;
  invitations: InvitationService;
  tenantMembers: TenantMemberService;
  workspaceMembers: WorkspaceMemberService;
  groupMembers: GroupMemberService;
}

export interface Accepted {
  invitation: Invitation;
  member: TenantMember;
  /** The invited workspaces and groups deleted (or trashed) meanwhile: not granted. */
  skipped: string[];
}

/**
 * Accepting an invitation: the membership and every invited grant, in one transaction, by the
 * invitee. Each goes through its own service's rules (tenant-member, workspace-member,
 * group-member services), emitted as consequences of InvitationAccepted, which heads the change.
 */
export class InvitationAcceptance {
  constructor(private readonly deps: InvitationAcceptanceDeps) {}

  /**
   * Needs the invitation addressed to the caller's verified address (InvitationService.addressedToCaller).
   * Locks in the order every change of a tenant takes them: the tenant (`members`, as every member
   * change: the last-admin rule never sees a half-made member), the invitation, the invited
   * workspaces and groups, then the memberships. A workspace or group gone meanwhile (deleted,
   * trashed) is skipped; one already held keeps its role, as does an existing membership.
   */
  async accept(caller: Caller, input: { id: string }): Promise<Committed<Accepted>> {
    const found = await this.deps.invitations.addressedToCaller(caller, input.id);
    const userId = caller.principal.userId;
    return this.deps.uow.run(
      async (tx) => {
        const invitation = await lockInvitation(tx.trx, found.id);
        if (!invitation) throw new NotFoundError('Invitation not found');
        closedInvitation(invitation);
        const skipped: string[] = [];
        const workspaces: { workspace: Workspace; role: (typeof invitation.workspaceRoles)[number]['role'] }[] = [];
        for (const w of invitation.workspaceRoles) {
          const workspace = await lockWorkspaceForMemberChange(tx.trx, w.workspaceId);
          if (workspace?.tenantId === invitation.tenantId) workspaces.push({ workspace, role: w.role });
          else skipped.push(w.workspaceId);
        }
        const groups: { group: Group; role: (typeof invitation.groups)[number]['role'] }[] = [];
        for (const g of invitation.groups) {
          const group = await lockGroupForMemberChange(tx.trx, g.groupId);
          if (group?.tenantId === invitation.tenantId) groups.push({ group, role: g.role });
          else skipped.push(g.groupId);
        }
        // What the acceptance takes along is its consequence: one change, headed by InvitationAccepted.
        const along: Transaction = { ...tx, emit: tx.emitConsequence };
        const { member, alreadyMember } = await this.deps.tenantMembers.joinInTransaction(along, invitation.tenantId, userId, invitation.role, invitation.membershipExpiresAt);
        // What the invitation gives lasts no longer than the membership it offered: for a new member the
        // grants are capped to the membership's end anyway; an existing member (whose membership is kept
        // as it is) gets the invited grants until that end too. Grants they already hold are kept as they are.
        const subject = { type: 'user' as const, id: userId };
        const until = { keep: true, expiresAt: invitation.membershipExpiresAt };
        for (const { workspace, role } of workspaces) await this.deps.workspaceMembers.grantInTransaction(along, workspace, subject, role, until);
        for (const { group, role } of groups) await this.deps.groupMembers.addInTransaction(along, group, userId, role, until);
        await closeInvitation(tx.trx, invitation.id, { status: 'accepted', userId });
        tx.emit({
          type: 'InvitationAccepted',
          tenantId: invitation.tenantId,
          invitationId: invitation.id,
          email: invitation.email,
          role: invitation.role,
          userId,
          alreadyMember,
          skipped,
        });
        const accepted = (await findInvitationsByIds(tx.trx, [invitation.id])).get(invitation.id);
        if (!accepted) throw new InternalError(`invitation ${invitation.id} vanished inside its own transaction`);
        return { invitation: accepted, member, skipped };
      },
      { by: caller, tenant: { id: found.tenantId, lock: 'members' } },
    );
  }
}
