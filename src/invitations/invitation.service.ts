import { tenantResource } from '../authz/permissions.js';
import type { Committed, UnitOfWork } from '../changes/unit-of-work.js';
import type { GroupRole, TenantRole, WorkspaceRole } from '../events/roles.js';
import type { GroupService } from '../groups/group.service.js';
import type { Db } from '../infra/db/database.js';
import type { Caller } from '../request/caller.js';
import { BadInputError, ForbiddenError, NotFoundError } from '../shared/errors.js';
import { checkExpiry, DEFAULT_MAX_GRANT_DAYS, isoOrNull, type ExpiryInput } from '../shared/expiry.js';
import { newId, parseId } from '../shared/ids.js';
import { requireId } from '../shared/input.js';
import { nameKey } from '../shared/names.js';
import { pageRequest, toPage, type Page, type PageArgs, type Sorted } from '../shared/pagination.js';
import { holdTenantMembership } from '../tenants/tenant-member.repository.js';
import { expiryNotAllowed } from '../tenants/tenant-member.service.js';
import type { TenantService } from '../tenants/tenant.service.js';
import type { Tenant } from '../tenants/tenant.js';
import { requireDeliverableEmail } from '../users/email-address.js';
import type { WorkspaceService } from '../workspaces/workspace.service.js';
import { closedInvitation } from './invitation-rules.js';
import {
  closeExpiredInvitations,
  closeInvitation,
  countPendingInvitationsFor,
  countTenantInvitations,
  findInvitationsByIds,
  insertInvitation,
  listPendingInvitationsFor,
  listTenantInvitations,
  lockInvitation,
} from './invitation.repository.js';
import type { Invitation, InvitationStatus } from './invitation.js';

export interface InvitationServiceDeps {
  db: Db;
  uow: UnitOfWork;
  tenants: TenantService;
  workspaces: WorkspaceService;
  groups: GroupService;
  /** MAX_GRANT_DAYS: how far ahead a `membershipExpiresAt` may lie. */
  maxGrantDays?: number;
}

export interface InviteInput {
  tenantId: string;
  email: string;
  role: TenantRole;
  expiresInDays?: number | null;
  /** The membership's end (a MEMBER's only), checked as addTenantMember's `expiresAt`. */
  membershipExpiresAt?: ExpiryInput;
  workspaceRoles?: readonly { workspaceId: string; role: WorkspaceRole }[] | null;
  groups?: readonly { groupId: string; role: GroupRole }[] | null;
}

export const MIN_INVITATION_DAYS = 1;
export const MAX_INVITATION_DAYS = 30;
/** GitHub's figure. */
export const DEFAULT_INVITATION_DAYS = 7;
/** Workspace roles and groups together: what one acceptance writes stays small. */
export const MAX_INVITED_GRANTS = 50;

const invitationNotFound = (): NotFoundError => new NotFoundError('Invitation not found');

/**
 * Invitations to a tenant, by email, for people who may not have signed in yet (issue 20). Tenant
 * admins invite, list and revoke; the invitee (the caller whose token carries the address, verified)
 * lists, accepts (src/lifecycle/invitation-acceptance.ts) or declines. Everyone else finds nothing.
 * A pending invitation is a row only: it grants nothing until accepted.
 */
export class InvitationService {
  constructor(private readonly deps: InvitationServiceDeps) {}

  /**
   * Needs `administrate` on the tenant, `manage` on every invited workspace and group. Nothing is
   * looked up about the address: the answer is the same whether or not anyone signed in with it.
   */
  async invite(caller: Caller, input: InviteInput): Promise<Committed<Invitation>> {
    const tenantId = requireId('tenantId', input.tenantId);
    const { email, key } = requireDeliverableEmail('email', input.email);
    const days = input.expiresInDays ?? DEFAULT_INVITATION_DAYS;
    if (!Number.isInteger(days) || days < MIN_INVITATION_DAYS || days > MAX_INVITATION_DAYS) {
      throw new BadInputError('expiresInDays', `expiresInDays must be between ${MIN_INVITATION_DAYS} and ${MAX_INVITATION_DAYS}`, 'INVALID_EXPIRY');
    }
    if (input.role === 'admin' && input.membershipExpiresAt) throw expiryNotAllowed('membershipExpiresAt');
    const membershipExpiresAt = checkExpiry('membershipExpiresAt', input.membershipExpiresAt, this.deps.maxGrantDays ?? DEFAULT_MAX_GRANT_DAYS) ?? null;
    const workspaceRoles = (input.workspaceRoles ?? []).map((w, i) => ({ workspaceId: requireId(`workspaceRoles[${i}].workspaceId`, w.workspaceId), role: w.role }));
    const groups = (input.groups ?? []).map((g, i) => ({ groupId: requireId(`groups[${i}].groupId`, g.groupId), role: g.role }));
    if (workspaceRoles.length + groups.length > MAX_INVITED_GRANTS) {
      throw new BadInputError('workspaceRoles', `At most ${MAX_INVITED_GRANTS} workspace roles and groups together`, 'TOO_MANY_GRANTS');
    }
    requireDistinct(workspaceRoles.map((w) => w.workspaceId), 'workspaceRoles', 'workspaceId');
    requireDistinct(groups.map((g) => g.groupId), 'groups', 'groupId');
    await this.deps.tenants.authorize(caller, tenantId, 'administrate');
    // Each check as its mutation would make it, so an invitation hands out only what the inviter could grant now.
    await Promise.all([
      ...workspaceRoles.map(async (w, i) => {
        const workspace = await named(`workspaceRoles[${i}].workspaceId`, this.deps.workspaces.authorize(caller, w.workspaceId, 'manage'));
        if (workspace.tenantId !== tenantId) throw new BadInputError(`workspaceRoles[${i}].workspaceId`, 'The workspace is not in this tenant', 'WORKSPACE_NOT_IN_TENANT');
      }),
      ...groups.map(async (g, i) => {
        const group = await named(`groups[${i}].groupId`, this.deps.groups.authorize(caller, g.groupId, 'manage'));
        if (group.tenantId !== tenantId) throw new BadInputError(`groups[${i}].groupId`, 'The group is not in this tenant', 'GROUP_NOT_IN_TENANT');
      }),
    ]);
    const id = newId();
    return this.deps.uow.run(
      async ({ trx, emit }) => {
        // The inviter's membership, held until commit: their departure (which revokes the invitations
        // they made) deletes it first, so it waits for this one and then revokes it too.
        if (!(await holdTenantMembership(trx, tenantId, caller.principal.userId))) throw new NotFoundError('Tenant not found', { extensions: { field: 'tenantId' } });
        await closeExpiredInvitations(trx, tenantId, key);
        // A second pending invitation violates invitations_one_pending_key: CONFLICT INVITATION_PENDING.
        await insertInvitation(trx, { id, tenantId, email, emailKey: key, role: input.role, invitedBy: caller.principal.userId, expiresInDays: days, membershipExpiresAt, workspaceRoles, groups });
        const invitation = await this.reload(trx, id);
        emit({
          type: 'InvitationCreated',
          tenantId,
          invitationId: id,
          email,
          role: input.role,
          expiresAt: invitation.expiresAt.toISOString(),
          membershipExpiresAt: isoOrNull(invitation.membershipExpiresAt),
          workspaceRoles: workspaceRoles.length,
          groups: groups.length,
        });
        return invitation;
      },
      { by: caller, tenant: { id: tenantId, lock: 'write' } },
    );
  }

  /** Tenant admins revoke a pending invitation; it can no longer be accepted. */
  async revoke(caller: Caller, input: { id: string }): Promise<Committed<Invitation>> {
    const id = requireId('id', input.id);
    const found = (await findInvitationsByIds(this.deps.db, [id])).get(id);
    if (!found) throw invitationNotFound();
    await this.deps.tenants.authorize(caller, found.tenantId, 'administrate');
    return this.deps.uow.run(
      async ({ trx, emit }) => {
        const current = await lockInvitation(trx, id);
        if (!current) throw invitationNotFound();
        closedInvitation(current);
        await closeInvitation(trx, id, { status: 'revoked' });
        emit({ type: 'InvitationRevoked', tenantId: current.tenantId, invitationId: id, email: current.email, role: current.role, cause: 'revoked' });
        return this.reload(trx, id);
      },
      { by: caller, tenant: { id: found.tenantId, lock: 'write' } },
    );
  }

  /** The invitee turns a pending invitation down. */
  async decline(caller: Caller, input: { id: string }): Promise<Committed<Invitation>> {
    const found = await this.addressedToCaller(caller, input.id);
    return this.deps.uow.run(
      async ({ trx, emit }) => {
        const current = await lockInvitation(trx, found.id);
        if (!current) throw invitationNotFound();
        closedInvitation(current);
        await closeInvitation(trx, found.id, { status: 'declined', userId: caller.principal.userId });
        emit({ type: 'InvitationDeclined', tenantId: current.tenantId, invitationId: found.id, email: current.email, role: current.role, userId: caller.principal.userId });
        return this.reload(trx, found.id);
      },
      { by: caller, tenant: { id: found.tenantId, lock: 'write' } },
    );
  }

  /**
   * The invitation, read from the primary, when it is addressed to the caller: NOT_FOUND when it
   * does not exist or names another address (or the caller's token carries none, as an API key's),
   * FORBIDDEN EMAIL_NOT_VERIFIED when the token's address is the invited one but unverified.
   */
  async addressedToCaller(caller: Caller, rawId: string): Promise<Invitation> {
    const id = requireId('id', rawId);
    const started = performance.now();
    const found = (await findInvitationsByIds(this.deps.db, [id])).get(id);
    const tokenEmail = caller.principal.tokenEmail;
    if (!found || !tokenEmail || nameKey(tokenEmail.address) !== found.emailKey) {
      await caller.permissions.concealMissing(started);
      throw invitationNotFound();
    }
    if (!tokenEmail.verified) {
      throw new ForbiddenError('Accepting an invitation needs a verified email address: sign in with a provider that verifies it', { reason: 'EMAIL_NOT_VERIFIED' });
    }
    return found;
  }

  /** An invitation the caller may see (its tenant's admins, its invitee); null otherwise, alike for missing ones. */
  async find(caller: Caller, id: string): Promise<Invitation | null> {
    const started = performance.now();
    const found = (await findInvitationsByIds(await caller.reads(), [id])).get(id);
    if (!found) {
      await caller.permissions.concealMissing(started);
      return null;
    }
    if (isInvitee(caller, found)) return found;
    if (caller.permissions.inScope(found.tenantId) && (await caller.permissions.can(tenantResource(found.tenantId), 'administrate'))) return found;
    caller.permissions.noteHidden(started);
    return null;
  }

  async byReference(caller: Caller, rawId: string): Promise<Invitation | null> {
    const id = parseId(rawId);
    return id ? this.find(caller, id) : null;
  }

  /** A tenant's invitations, newest first. Tenant admins only (FORBIDDEN for other members). */
  async listForTenant(caller: Caller, tenant: Tenant, args: PageArgs & { status?: InvitationStatus | null }): Promise<Page<Sorted<Invitation>>> {
    const page = pageRequest(args.first, args.after);
    await this.deps.tenants.authorize(caller, tenant.id, 'administrate');
    const reads = await caller.reads();
    const rows = await listTenantInvitations(reads, tenant.id, { status: args.status, afterId: page.after?.id ?? null, limit: page.first + 1 });
    caller.budget.spend(rows.length);
    return { ...toPage(rows, page.first), count: () => countTenantInvitations(reads, tenant.id, args.status) };
  }

  /** The pending invitations addressed to the caller's verified address, in every tenant, newest first. */
  async listForViewer(caller: Caller, args: PageArgs): Promise<Page<Sorted<Invitation>>> {
    const page = pageRequest(args.first, args.after);
    const tokenEmail = caller.principal.tokenEmail;
    if (!tokenEmail?.verified) return { items: [], hasNextPage: false, count: () => Promise.resolve(0) };
    const key = nameKey(tokenEmail.address);
    const reads = await caller.reads();
    const rows = await listPendingInvitationsFor(reads, key, { afterId: page.after?.id ?? null, limit: page.first + 1 });
    caller.budget.spend(rows.length);
    return { ...toPage(rows, page.first), count: () => countPendingInvitationsFor(reads, key) };
  }

  private async reload(trx: Parameters<typeof lockInvitation>[0], id: string): Promise<Invitation> {
    const invitation = (await findInvitationsByIds(trx, [id])).get(id);
    if (!invitation) throw invitationNotFound();
    return invitation;
  }
}

/** Whether the invitation is addressed to the caller's verified address. */
export function isInvitee(caller: Caller, invitation: Invitation): boolean {
  const tokenEmail = caller.principal.tokenEmail;
  return tokenEmail?.verified === true && nameKey(tokenEmail.address) === invitation.emailKey;
}

function requireDistinct(ids: readonly string[], list: string, field: string): void {
  const seen = new Set<string>();
  ids.forEach((id, i) => {
    if (seen.has(id)) throw new BadInputError(`${list}[${i}].${field}`, `${list} names the same ${field} twice`, 'DUPLICATE_ENTRY');
    seen.add(id);
  });
}

/** NOT_FOUND naming the input field that held the id. */
async function named<T>(field: string, check: Promise<T>): Promise<T> {
  try {
    return await check;
  } catch (error) {
    if (error instanceof NotFoundError) throw new NotFoundError(error.message, { extensions: { field } });
    throw error;
  }
}
