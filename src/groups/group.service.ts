import { viewable, authorize } from '../authz/access.js';
import { groupResource, tenantResource, type PermissionOf } from '../authz/permissions.js';
import type { Committed, UnitOfWork } from '../changes/unit-of-work.js';
import type { Db } from '../infra/db/database.js';
import type { Caller } from '../request/caller.js';
import { NotFoundError } from '../shared/errors.js';
import { newId, parseId } from '../shared/ids.js';
import { requireId } from '../shared/input.js';
import { nameFilterKey, validateName } from '../shared/names.js';
import { pageRequest, toPage, type Page, type PageArgs, type Sorted } from '../shared/pagination.js';
import { holdTenantMembership } from '../tenants/tenant-member.repository.js';
import type { TenantService } from '../tenants/tenant.service.js';
import type { Tenant } from '../tenants/tenant.js';
import { groupLoaders } from './group.loaders.js';
import { insertGroupMember } from './group-member.repository.js';
import { findGroupsByIds, insertGroup, countTenantGroups, listTenantGroupsPage, renameGroupRow } from './group.repository.js';
import type { Group } from './group.js';

export interface GroupServiceDeps {
  db: Db;
  uow: UnitOfWork;
  tenants: TenantService;
}

/**
 * Groups: reads and writes, each opened by its access check (authz/access.ts). Members:
 * group-member.service.ts; deleting a group with its grants: src/lifecycle/group-deletion.ts.
 */
export class GroupService {
  constructor(private readonly deps: GroupServiceDeps) {}

  /** A group the caller may view (its members and tenant admins); null when missing or hidden. */
  find(caller: Caller, id: string): Promise<Group | null> {
    return viewable(caller, 'group', id, caller.state(groupLoaders).byId.load(id));
  }

  /**
   * A group named by a workspace grant the caller can see: its id and name are part of that
   * workspace's member list even for someone who may not view the group (its members stay hidden).
   */
  async granted(caller: Caller, id: string): Promise<Group> {
    const group = await caller.state(groupLoaders).byId.load(id);
    if (!group) throw new NotFoundError('Group not found');
    return group;
  }

  get(caller: Caller, rawId: string): Promise<Group | null> {
    return this.find(caller, requireId('id', rawId));
  }

  async byReference(caller: Caller, rawId: string): Promise<Group | null> {
    const id = parseId(rawId);
    return id ? this.find(caller, id) : null;
  }

  /** The group, when the caller holds `permission` on it (read from the primary): NOT_FOUND when hidden, FORBIDDEN otherwise. */
  authorize(caller: Caller, id: string, permission: PermissionOf<'group'>): Promise<Group> {
    return authorize(caller, 'group', id, findGroupsByIds(this.deps.db, [id]).then((found) => found.get(id)), permission, 'Group');
  }

  /** The group's tenant; like Workspace.tenant it needs `view` on the tenant (NOT_FOUND otherwise). */
  async tenantOf(caller: Caller, group: Group): Promise<Tenant> {
    const tenant = await this.deps.tenants.find(caller, group.tenantId);
    if (!tenant) throw new NotFoundError('Tenant not found', { reason: 'TENANT_HIDDEN' });
    return tenant;
  }

  /**
   * Groups of a viewable tenant that the caller may view, by name. Tenant admins view all of them
   * (schema.zed: view includes tenant->administrate); anyone else the groups they belong to, read
   * from their memberships in PostgreSQL (at least as fresh as SpiceDB; no LookupResources).
   */
  async listInTenant(caller: Caller, tenant: Tenant, args: PageArgs & { nameContains?: string | null }): Promise<Page<Sorted<Group>>> {
    const page = pageRequest(args.first, args.after);
    const nameKeyContains = nameFilterKey('nameContains', args.nameContains);
    const [visible, administrate] = await Promise.all([this.deps.tenants.find(caller, tenant.id), caller.permissions.can(tenantResource(tenant.id), 'administrate')]);
    if (!visible) return { items: [], hasNextPage: false, count: () => Promise.resolve(0) };
    const memberUserId = administrate ? undefined : caller.principal.userId;
    const reads = await caller.reads();
    const filter = { tenantId: tenant.id, nameKeyContains, memberUserId };
    const found = await listTenantGroupsPage(reads, filter, page);
    caller.budget.spend(found.length);
    // Listed as the caller's own groups: `group(id)` and nested fields need not ask SpiceDB again.
    if (!administrate) for (const { node } of found) caller.permissions.prime(groupResource(node), 'view', true);
    return { ...toPage(found, page.first), count: () => countTenantGroups(reads, filter) };
  }

  /** Any member of the tenant may create a group (`create_group`); the caller becomes its admin. */
  async create(caller: Caller, input: { tenantId: string; name: string }): Promise<Committed<Group>> {
    const tenantId = requireId('tenantId', input.tenantId);
    const name = validateName('name', input.name);
    await this.deps.tenants.authorize(caller, tenantId, 'create_group');
    const creatorId = caller.principal.userId;
    return this.deps.uow.run(
      async ({ trx, emit }) => {
        // The creator may be leaving the tenant right now: the group must not outlive their membership.
        const membership = await holdTenantMembership(trx, tenantId, creatorId);
        if (!membership) throw new NotFoundError('Tenant not found');
        const group = await insertGroup(trx, { id: newId(), tenantId, name });
        // A creator whose membership expires is its admin until then, not longer.
        await insertGroupMember(trx, group.id, creatorId, 'admin', membership.expiresAt);
        emit({ type: 'GroupCreated', tenantId, groupId: group.id, name });
        emit({ type: 'GroupMemberAdded', tenantId, groupId: group.id, userId: creatorId, role: 'admin', ...(membership.expiresAt ? { expiresAt: membership.expiresAt.toISOString() } : {}) });
        return group;
      },
      { by: caller, tenant: { id: tenantId, lock: 'write' } },
    );
  }

  async rename(caller: Caller, input: { id: string; name: string }): Promise<Committed<Group>> {
    const id = requireId('id', input.id);
    const name = validateName('name', input.name);
    const current = await this.authorize(caller, id, 'manage');
    if (current.name === name) return { value: current, authorizationSynced: true };
    return this.deps.uow.run(
      async ({ trx, emit }) => {
        const renamed = await renameGroupRow(trx, id, name);
        emit({ type: 'GroupRenamed', tenantId: renamed.tenantId, groupId: id, name, previousName: current.name });
        return renamed;
      },
      { by: caller, tenant: { id: current.tenantId, lock: 'write' } },
    );
  }
}
