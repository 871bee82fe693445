import type { Actor } from '../authz/actor.js';
import { authorize } from '../authz/guard.js';
import type { Db, Tx } from '../infra/db/database.js';
import type { Logger } from '../logger.js';
import { addTenantMember, addWorkspaceMember, deleteTenantGroups, listTenantGroups, listTenantMembers, listWorkspaceMembers } from '../memberships/membership.repository.js';
import type { DomainEvent } from '../outbox/events.js';
import type { Committed, Transactor } from '../outbox/transactor.js';
import { ForbiddenError } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import { requireId } from '../shared/input.js';
import { validateName } from '../shared/names.js';
import { deleteTenantWorkspacesAtDepth, insertWorkspace, listTenantWorkspacesDeepestFirst } from '../workspaces/workspace.repository.js';
import type { Workspace } from '../workspaces/workspace.js';
import { deleteTenantApiKeys } from '../api-keys/api-key.repository.js';
import { deleteTenantRow, findTenantsByIds, insertTenant, lockTenant } from './tenant.repository.js';
import type { Tenant } from './tenant.js';

export interface TenantServiceDeps {
  db: Db;
  transactor: Transactor;
  allowTenantCreation: boolean;
  rootWorkspaceName: string;
  logger: Logger;
}

/**
 * Inserts a tenant with its root workspace; when `adminUserId` is given that user becomes admin of
 * both. Shared by createTenant and the start-up bootstrap so both produce the same facts and events.
 */
export async function insertTenantWithRoot(
  trx: Tx,
  emit: (event: DomainEvent) => void,
  input: { name: string; rootName: string; adminUserId: string | null },
): Promise<{ tenant: Tenant; root: Workspace }> {
  const tenant = await insertTenant(trx, { id: newId(), name: input.name });
  const root = await insertWorkspace(trx, { id: newId(), tenantId: tenant.id, parentId: null, name: input.rootName, depth: 0 });
  emit({ type: 'TenantCreated', tenantId: tenant.id, name: tenant.name });
  emit({ type: 'WorkspaceCreated', tenantId: tenant.id, workspaceId: root.id, parentId: null, name: root.name });
  if (input.adminUserId) await grantTenantAdmin(trx, emit, tenant.id, root.id, input.adminUserId);
  return { tenant, root };
}

export async function grantTenantAdmin(trx: Tx, emit: (event: DomainEvent) => void, tenantId: string, rootId: string, userId: string): Promise<void> {
  const subject = { type: 'user' as const, id: userId };
  await addTenantMember(trx, tenantId, userId, 'admin');
  await addWorkspaceMember(trx, rootId, subject, 'admin');
  emit({ type: 'TenantMemberAdded', tenantId, userId, role: 'admin' });
  emit({ type: 'WorkspaceMemberAdded', tenantId, workspaceId: rootId, subject, role: 'admin' });
}

export class TenantService {
  constructor(private readonly deps: TenantServiceDeps) {}

  async create(actor: Actor, input: { name: string }): Promise<Committed<Tenant>> {
    if (!this.deps.allowTenantCreation) {
      throw new ForbiddenError('Tenant creation is disabled on this server', { reason: 'TENANT_CREATION_DISABLED' });
    }
    if (actor.principal.tenantScope !== undefined) {
      throw new ForbiddenError('An API key cannot create tenants; it is confined to its own tenant', { reason: 'API_KEY_CONFINED' });
    }
    const name = validateName('name', input.name);
    const committed = await this.deps.transactor.run(async (trx, emit) =>
      (await insertTenantWithRoot(trx, emit, { name, rootName: this.deps.rootWorkspaceName, adminUserId: actor.principal.userId })).tenant,
    );
    this.deps.logger.info({ event: 'tenant_created', tenantId: committed.value.id, principalId: actor.principal.userId }, 'tenant created');
    return committed;
  }

  /** Deletes every workspace (deepest first), group and API key of the tenant, then the tenant, in one transaction. */
  async delete(actor: Actor, input: { id: string }): Promise<Committed<string>> {
    const id = requireId('id', input.id);
    const found = (await findTenantsByIds(this.deps.db, [id])).get(id);
    await authorize(actor, 'tenant', found ? { ...found, tenantId: found.id } : undefined, 'administrate', 'Tenant');
    let counts = { workspaces: 0, groups: 0, apiKeys: 0 };
    const committed = await this.deps.transactor.run(async (trx, emit) => {
      if (!(await lockTenant(trx, id))) return id;
      const workspaces = await listTenantWorkspacesDeepestFirst(trx, id);
      const members = await listWorkspaceMembers(trx, workspaces.map((w) => w.id));
      for (const w of workspaces) {
        emit({
          type: 'WorkspaceDeleted',
          tenantId: id,
          workspaceId: w.id,
          parentId: w.parentId,
          members: members.filter((m) => m.workspaceId === w.id).map((m) => ({ subject: m.subject, role: m.role })),
        });
      }
      const depths = [...new Set(workspaces.map((w) => w.depth))];
      for (const depth of depths) await deleteTenantWorkspacesAtDepth(trx, id, depth);
      const groups = await listTenantGroups(trx, id);
      for (const g of groups) emit({ type: 'GroupDeleted', tenantId: id, groupId: g.groupId, members: g.members });
      await deleteTenantGroups(trx, id);
      const apiKeys = await deleteTenantApiKeys(trx, id);
      for (const k of apiKeys) emit({ type: 'ApiKeyDeleted', tenantId: id, apiKeyId: k.id, ownerUserId: k.ownerUserId });
      const tenantMembers = await listTenantMembers(trx, id);
      emit({ type: 'TenantDeleted', tenantId: id, members: tenantMembers });
      await deleteTenantRow(trx, id);
      counts = { workspaces: workspaces.length, groups: groups.length, apiKeys: apiKeys.length };
      return id;
    });
    this.deps.logger.info({ event: 'tenant_deleted', tenantId: id, principalId: actor.principal.userId, ...counts }, 'tenant deleted');
    return committed;
  }
}
