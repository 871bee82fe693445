import type { Committed, Transaction, UnitOfWork } from '../changes/unit-of-work.js';
import type { Caller } from '../request/caller.js';
import { ForbiddenError } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import { validateName } from '../shared/names.js';
import type { TenantMemberService } from '../tenants/tenant-member.service.js';
import { insertTenant } from '../tenants/tenant.repository.js';
import type { Tenant } from '../tenants/tenant.js';
import type { WorkspaceService } from '../workspaces/workspace.service.js';
import type { Workspace } from '../workspaces/workspace.js';

export interface TenantCreationDeps {
  uow: UnitOfWork;
  workspaces: WorkspaceService;
  tenantMembers: TenantMemberService;
  allowTenantCreation: boolean;
}

/** A tenant comes with its root workspace and, made by a user, that user as its first admin. */
export class TenantCreation {
  constructor(private readonly deps: TenantCreationDeps) {}

  async create(caller: Caller, input: { name: string }): Promise<Committed<Tenant>> {
    if (!this.deps.allowTenantCreation) {
      throw new ForbiddenError('Tenant creation is disabled on this server', { reason: 'TENANT_CREATION_DISABLED' });
    }
    if (caller.principal.tenantScope !== undefined) {
      throw new ForbiddenError('An API key cannot create tenants; it is confined to its own tenant', { reason: 'API_KEY_CONFINED' });
    }
    const name = validateName('name', input.name);
    return this.deps.uow.run(async (tx) => (await this.insertWithRoot(tx, { name, adminUserId: caller.principal.userId })).tenant, { by: caller });
  }

  /**
   * Inserts a tenant with its root workspace; when `adminUserId` is given that user becomes the
   * tenant's admin. Shared by createTenant and the start-up bootstrap so both produce the same facts
   * and events.
   */
  async insertWithRoot(tx: Transaction, input: { name: string; adminUserId: string | null }): Promise<{ tenant: Tenant; root: Workspace }> {
    const tenant = await insertTenant(tx.trx, { id: newId(), name: input.name });
    tx.emit({ type: 'TenantCreated', tenantId: tenant.id, name: tenant.name });
    const root = await this.deps.workspaces.insertRoot(tx, tenant.id);
    if (input.adminUserId) await this.deps.tenantMembers.insertAdmin(tx, tenant.id, input.adminUserId);
    return { tenant, root };
  }
}
