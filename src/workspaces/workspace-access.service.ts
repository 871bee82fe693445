import { authorize } from '../authz/access.js';
import { workspaceResource } from '../authz/permissions.js';
import type { Group } from '../groups/group.js';
import type { Caller } from '../request/caller.js';
import { BadInputError, NotFoundError } from '../shared/errors.js';
import { requireId } from '../shared/input.js';
import { pageRequest, toPage, type Page, type PageArgs, type Sorted } from '../shared/pagination.js';
import { userLoaders } from '../users/user.loaders.js';
import type { User } from '../users/user.js';
import { findUserAccess, type GrantPath } from './access-explanation.repository.js';
import { listUsersWithAccess } from './users-with-access.repository.js';
import { ROLES_GIVING, tenantMembersHoldOnRoot, workspacePermission } from './workspace-access.js';
import { workspaceLoaders } from './workspace.loaders.js';
import type { Workspace } from './workspace.js';

export interface AccessPath {
  /** TENANT_ADMIN, TENANT_MEMBER (create_child on the root), or the role granted (ADMIN, EDITOR, MEMBER). */
  source: string;
  grantedOn: Workspace | null;
  viaGroup: Group | null;
  inherited: boolean;
}

export interface AccessExplanation {
  allowed: boolean;
  paths: AccessPath[];
}

/**
 * Who holds a permission on a workspace, and why: the answers an access review starts with. Both
 * read PostgreSQL, the source of truth SpiceDB's relationships are derived from, with the roles
 * schema.zed gives each permission (workspace-access.ts); tests compare them with SpiceDB.
 */
export class WorkspaceAccess {
  /**
   * Why `userId` (default: the caller) has or lacks `permission` on the workspace: every grant on
   * its chain that gives it, nearest first, then the tenant-level paths. One statement for all of it
   * (findUserAccess) and the caller's checks in one bulk call. About another user: only for whoever
   * may `manage` the workspace, and only a member of its tenant. A grant on an ancestor the caller
   * may not view is shown without its workspace and group: that it exists, not where.
   */
  async explain(caller: Caller, workspace: Workspace, permissionName: string, rawUserId?: string | null): Promise<AccessExplanation> {
    const permission = workspacePermission('permission', permissionName);
    const self = caller.principal.userId;
    const userId = rawUserId === null || rawUserId === undefined ? self : requireId('userId', rawUserId);
    const about = userId === self ? 'self' : 'other';
    // A trashed workspace has no relationships left in SpiceDB: nobody holds anything on it.
    if (workspace.deletedAt) return this.authorized(caller, workspace, about).then(() => ({ allowed: false, paths: [] }));
    const access = await findUserAccess(await caller.reads(), workspace, userId, ROLES_GIVING[permission]);
    const ancestors = [...new Map(access.grants.filter((g) => g.distance > 0).map((g) => [g.grantedOn.id, g.grantedOn])).values()];
    // The caller's right to ask and their view of each ancestor named: one tick, one bulk call. Someone
    // asking about their own grants views the workspaces they are on by the model (every role gives view).
    const [, visible] = await Promise.all([
      this.authorized(caller, workspace, about),
      about === 'self' ? ancestors.map(() => true) : Promise.all(ancestors.map((a) => caller.permissions.view(workspaceResource(a)))),
    ]);
    if (about === 'other' && access.tenantRole === null) {
      throw new BadInputError('userId', 'The user is not a member of this workspace’s tenant', 'NOT_A_TENANT_MEMBER');
    }
    const shown = new Set(ancestors.filter((_, i) => visible[i]).map((a) => a.id));
    if (about === 'self') caller.permissions.inheritView(shown);
    const loaders = caller.state(workspaceLoaders);
    const paths: AccessPath[] = access.grants.map((grant) => toPath(grant, grant.distance === 0 || shown.has(grant.grantedOn.id), workspace));
    for (const path of paths) if (path.grantedOn) loaders.byId.prime(path.grantedOn.id, path.grantedOn);
    if (workspace.isRoot && tenantMembersHoldOnRoot(permission) && access.tenantRole === 'member') paths.push(tenantPath('TENANT_MEMBER'));
    if (access.tenantRole === 'admin') paths.push(tenantPath('TENANT_ADMIN'));
    return { allowed: paths.length > 0, paths };
  }

  /**
   * Every user who holds `permission` on the workspace, each once, by username then id. Needs
   * `manage` (NOT_FOUND where the caller cannot view it, FORBIDDEN otherwise); one statement a page.
   */
  async usersWithAccess(caller: Caller, workspace: Workspace, permissionName: string, args: PageArgs): Promise<Page<Sorted<User>>> {
    const permission = workspacePermission('permission', permissionName);
    const page = pageRequest(args.first, args.after);
    await this.authorized(caller, workspace, 'other');
    if (workspace.deletedAt) return { items: [], hasNextPage: false };
    const rows = await listUsersWithAccess(
      await caller.reads(),
      { workspace, roles: ROLES_GIVING[permission], allTenantMembers: workspace.isRoot && tenantMembersHoldOnRoot(permission) },
      page,
    );
    caller.budget.spend(rows.length);
    const users = caller.state(userLoaders).byId;
    for (const row of rows) users.prime(row.node.id, row.node);
    return toPage(rows, page.first);
  }

  /** About oneself: `view` (NOT_FOUND without it); about anyone else: `manage` (FORBIDDEN with view only). */
  private async authorized(caller: Caller, workspace: Workspace, about: 'self' | 'other'): Promise<void> {
    if (about === 'other') {
      await authorize(caller, 'workspace', workspace.id, Promise.resolve(workspace), 'manage', 'Workspace');
      return;
    }
    if (!(await caller.permissions.view(workspaceResource(workspace)))) throw new NotFoundError('Workspace not found');
  }
}

function toPath(grant: GrantPath, visible: boolean, workspace: Workspace): AccessPath {
  return {
    source: grant.role.toUpperCase(),
    grantedOn: visible ? grant.grantedOn : null,
    viaGroup: visible ? grant.viaGroup : null,
    inherited: grant.grantedOn.id !== workspace.id,
  };
}

const tenantPath = (source: 'TENANT_ADMIN' | 'TENANT_MEMBER'): AccessPath => ({ source, grantedOn: null, viaGroup: null, inherited: false });
