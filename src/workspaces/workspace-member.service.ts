import { groupResource, workspaceResource } from '../authz/permissions.js';
import type { Committed, Transaction, UnitOfWork } from '../changes/unit-of-work.js';
import type { WorkspaceRole, WorkspaceSubject } from '../events/roles.js';
import { groupLoaders } from '../groups/group.loaders.js';
import { lockGroupAgainstDeletion } from '../groups/group.repository.js';
import type { Caller } from '../request/caller.js';
import { BadInputError, NotFoundError } from '../shared/errors.js';
import { checkExpiry, DEFAULT_MAX_GRANT_DAYS, earlierEnd, isoOrNull, type ExpiryInput } from '../shared/expiry.js';
import { requireId, requireOneOf } from '../shared/input.js';
import { pageRequest, toPage, type Page, type PageArgs } from '../shared/pagination.js';
import { holdTenantMembership, type HeldMembership } from '../tenants/tenant-member.repository.js';
import { userLoaders } from '../users/user.loaders.js';
import { decodeWorkspaceMemberCursor } from './workspace-member-cursor.js';
import { grantScopeKey, workspaceMemberLoaders } from './workspace-member.loaders.js';
import { countWorkspaceGrants, deleteGrant, insertGrant, lockDirectGrant, updateGrant, type ListedWorkspaceMember } from './workspace-member.repository.js';
import type { WorkspaceMember } from './workspace-member.js';
import { workspaceLoaders } from './workspace.loaders.js';
import { lockWorkspaceForMemberChange } from './workspace.repository.js';
import type { WorkspaceService } from './workspace.service.js';
import type { Workspace } from './workspace.js';

export interface WorkspaceMemberServiceDeps {
  uow: UnitOfWork;
  workspaces: WorkspaceService;
  /** MAX_GRANT_DAYS: how far ahead an `expiresAt` may lie. */
  maxGrantDays?: number;
}

interface SubjectInput {
  workspaceId: string;
  userId?: string | null;
  groupId?: string | null;
}

/**
 * Workspace roles: one direct role per subject (a user, or a group of the same tenant) and
 * workspace, applying to the whole subtree (schema.zed). Grants on one workspace are written under
 * its lock; a user's grant holds their tenant membership until commit, so a concurrent removal
 * from the tenant cannot leave it behind (src/lifecycle/tenant-departure.ts).
 */
export class WorkspaceMemberService {
  constructor(private readonly deps: WorkspaceMemberServiceDeps) {}

  /**
   * Direct grants on a workspace the caller may view (none otherwise); with `includeInherited` also
   * those on each ancestor the caller may view. An ancestor hidden from the caller stays hidden: its
   * grants are left out rather than shown with a workspace the caller may not see. The chain is one
   * statement, its checks one bulk call, and the page one statement whatever its size.
   */
  async list(caller: Caller, workspace: Workspace, args: PageArgs & { includeInherited?: boolean | null }): Promise<Page<ListedWorkspaceMember>> {
    const includeInherited = args.includeInherited ?? false;
    const shape = { first: pageRequest(args.first, null).first, after: args.after ? decodeWorkspaceMemberCursor(args.after) : null, includeInherited };
    const chain = includeInherited ? await caller.state(workspaceLoaders).ancestorsOf(workspace.id) : [];
    const checks = await Promise.all([workspace, ...chain].map((w) => caller.permissions.canDirectly(workspaceResource(w), 'view')));
    if (!checks[0]) return { items: [], hasNextPage: false, count: () => Promise.resolve(0) };
    const scopes = [workspace, ...chain.filter((_, i) => checks[i + 1])].map((w) => ({ workspaceId: workspace.id, grantedOnId: w.id, depth: w.depth }));
    const loaders = caller.state(workspaceMemberLoaders);
    loaders.grantScopes.set(grantScopeKey(workspace.id, includeInherited), scopes);
    const rows = await loaders.workspaceMembers.load(workspace.id, shape);
    for (const row of rows) {
      if ('username' in row.subjectRow) caller.state(userLoaders).byId.prime(row.subjectRow.id, row.subjectRow);
      else caller.state(groupLoaders).byId.prime(row.subjectRow.id, row.subjectRow);
    }
    return { ...toPage(rows, shape.first), count: async () => countWorkspaceGrants(await caller.reads(), scopes) };
  }

  /**
   * Sets the subject's single direct role on the workspace, and its end, replacing any other (a grant
   * again without `expiresAt` lasts until revoked). A user's grant never outlives their tenant
   * membership: its end is capped to the membership's. Needs `manage`.
   */
  async grant(
    caller: Caller,
    input: SubjectInput & { role: WorkspaceRole; expiresAt?: ExpiryInput },
  ): Promise<Committed<{ member: WorkspaceMember; workspace: Workspace }>> {
    const { workspaceId, subject } = this.parse(input);
    const requested = checkExpiry('expiresAt', input.expiresAt, this.deps.maxGrantDays ?? DEFAULT_MAX_GRANT_DAYS) ?? null;
    const target = await this.deps.workspaces.authorize(caller, workspaceId, 'manage');
    // A group's tenant is known only from its row, read under lock below; the group must be the workspace's tenant's.
    if (subject.type === 'group' && !(await caller.permissions.can(groupResource({ id: subject.id, tenantId: target.tenantId }), 'view'))) throw notATenantGroup();
    return this.deps.uow.run(
      async (tx) => {
        const workspace = await this.lock(tx, workspaceId);
        const member = await this.grantInTransaction(tx, workspace, subject, input.role, { expiresAt: requested });
        return { member, workspace };
      },
      { by: caller, tenant: { id: target.tenantId, lock: 'write' } },
    );
  }

  /**
   * grant()'s rules in the caller's transaction (tenant held, the workspace locked with
   * lockWorkspaceForMemberChange): the subject must belong to the tenant, and its single direct role
   * becomes `role`, until `expiresAt` (capped to a user's tenant membership's end). `keep` leaves a
   * live direct role the subject already holds as it is (an accepted invitation never lowers or
   * raises one, nor changes its end).
   */
  async grantInTransaction(
    tx: Transaction,
    workspace: Workspace,
    subject: WorkspaceSubject,
    role: WorkspaceRole,
    options: { keep?: boolean; expiresAt?: Date | null } = {},
  ): Promise<WorkspaceMember> {
    const workspaceId = workspace.id;
    const membership = await this.holdSubject(tx, workspace, subject);
    const current = await lockDirectGrant(tx.trx, workspaceId, subject);
    if (options.keep && current && !current.expired) {
      return { workspaceId, grantedOnId: workspaceId, inherited: false, subject, role: current.role, grantedAt: current.grantedAt, expiresAt: current.expiresAt };
    }
    const expiresAt = earlierEnd(options.expiresAt ?? null, membership?.expiresAt ?? null);
    const event = { tenantId: workspace.tenantId, workspaceId, subject, role, expiresAt: isoOrNull(expiresAt) };
    let grantedAt = current?.grantedAt ?? new Date();
    if (!current) {
      grantedAt = await insertGrant(tx.trx, workspaceId, subject, role, expiresAt);
      tx.emit({ type: 'WorkspaceMemberAdded', ...event });
    } else if (current.expired) {
      // Past its end but not yet swept: it counts as absent, so this is a new grant in its row.
      grantedAt = await updateGrant(tx.trx, workspaceId, subject, { role, expiresAt, renewed: true });
      tx.emit({ type: 'WorkspaceMemberAdded', ...event });
    } else if (current.role !== role) {
      await updateGrant(tx.trx, workspaceId, subject, { role, expiresAt, renewed: false });
      tx.emit({ type: 'WorkspaceMemberRoleChanged', ...event, previousRole: current.role, previousExpiresAt: isoOrNull(current.expiresAt) });
    } else if (isoOrNull(current.expiresAt) !== event.expiresAt) {
      await updateGrant(tx.trx, workspaceId, subject, { role, expiresAt, renewed: false });
      tx.emit({ type: 'WorkspaceMemberExpiryChanged', ...event, previousExpiresAt: isoOrNull(current.expiresAt) });
    }
    return { workspaceId, grantedOnId: workspaceId, inherited: false, subject, role, grantedAt, expiresAt };
  }

  /** Removes the subject's direct role (inherited roles stay, as they come from elsewhere). Needs `manage`. */
  async revoke(caller: Caller, input: SubjectInput): Promise<Committed<Workspace>> {
    const { workspaceId, subject } = this.parse(input);
    const target = await this.deps.workspaces.authorize(caller, workspaceId, 'manage');
    return this.deps.uow.run(
      async (tx) => {
        const workspace = await this.lock(tx, workspaceId);
        const current = await lockDirectGrant(tx.trx, workspaceId, subject);
        if (!current || current.expired) throw new BadInputError(subjectField(subject), 'The subject holds no role on this workspace itself', 'NO_DIRECT_ROLE');
        await deleteGrant(tx.trx, workspaceId, subject);
        tx.emit({ type: 'WorkspaceMemberRemoved', tenantId: workspace.tenantId, workspaceId, subject, role: current.role });
        return workspace;
      },
      { by: caller, tenant: { id: target.tenantId, lock: 'write' } },
    );
  }

  private parse(input: SubjectInput): { workspaceId: string; subject: WorkspaceSubject } {
    const workspaceId = requireId('workspaceId', input.workspaceId);
    const which = requireOneOf(['userId', input.userId], ['groupId', input.groupId]);
    const subject: WorkspaceSubject =
      which === 'first' ? { type: 'user', id: requireId('userId', input.userId ?? '') } : { type: 'group', id: requireId('groupId', input.groupId ?? '') };
    return { workspaceId, subject };
  }

  private async lock(tx: Transaction, workspaceId: string): Promise<Workspace> {
    const workspace = await lockWorkspaceForMemberChange(tx.trx, workspaceId);
    if (!workspace) throw new NotFoundError('Workspace not found');
    return workspace;
  }

  /**
   * Only the tenant's members and groups can hold its roles. Whatever else the id is (unknown,
   * hidden, another tenant's) the answer is the same, so it tells nothing about who exists. A group
   * the granter may not view was refused before this (grant()), alike: granting it would confirm it
   * exists and hand the subtree to members they cannot see.
   */
  private async holdSubject(tx: Transaction, workspace: Workspace, subject: WorkspaceSubject): Promise<HeldMembership | null> {
    if (subject.type === 'user') {
      const membership = await holdTenantMembership(tx.trx, workspace.tenantId, subject.id);
      if (!membership) throw new BadInputError('userId', 'Only members of the workspace’s tenant can hold its roles', 'NOT_A_TENANT_MEMBER');
      return membership;
    }
    const group = await lockGroupAgainstDeletion(tx.trx, subject.id);
    if (group?.tenantId !== workspace.tenantId) throw notATenantGroup();
    return null;
  }
}

const notATenantGroup = (): BadInputError =>
  new BadInputError('groupId', 'Only groups of the workspace’s tenant can hold its roles', 'NOT_A_TENANT_GROUP');

const subjectField = (subject: WorkspaceSubject): string => (subject.type === 'user' ? 'userId' : 'groupId');
