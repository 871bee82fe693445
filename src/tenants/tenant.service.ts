import { authorize, viewable, type Guarded } from '../authz/access.js';
import type { Permission } from '../authz/request-authz.js';
import type { Db } from '../infra/db/database.js';
import { ref } from '../infra/spicedb/relationships.js';
import type { Committed, Transaction, UnitOfWork } from '../infra/db/unit-of-work.js';
import type { Logger } from '../logger.js';
import { addTenantMember } from '../memberships/membership.repository.js';
import type { Caller } from '../request/caller.js';
import { ForbiddenError } from '../shared/errors.js';
import { newId, parseId } from '../shared/ids.js';
import { requireId } from '../shared/input.js';
import { validateName } from '../shared/names.js';
import { pageRequest, toPage, type Page, type PageArgs, type Sorted } from '../shared/pagination.js';
import { insertWorkspace } from '../workspaces/workspace.repository.js';
import type { Workspace } from '../workspaces/workspace.js';
import { deleteTenantAndContents, type DeletedCounts } from './tenant-deletion.js';
import { tenantLoaders } from './tenant.loaders.js';
import { findTenantsByIds, insertTenant, listTenantsPage } from './tenant.repository.js';
import type { Tenant } from './tenant.js';

export interface TenantServiceDeps {
  db: Db;
  uow: UnitOfWork;
  allowTenantCreation: boolean;
  rootWorkspaceName: string;
  logger: Logger;
}

const tenantRef = (id: string) => ref('tenant', id);
// The access rules ask every resource for its tenant; a tenant is its own.
const guarded = (tenant: Tenant | null | undefined): (Tenant & Guarded) | null => (tenant ? { ...tenant, tenantId: tenant.id } : null);

/** Tenants: reads and writes, each opened by its access check (authz/access.ts). */
export class TenantService {
  constructor(private readonly deps: TenantServiceDeps) {}

  /** A tenant the caller may view; null when it is missing or hidden. */
  find(caller: Caller, id: string): Promise<Tenant | null> {
    return viewable<Tenant & Guarded>(caller, tenantRef(id), caller.state(tenantLoaders).byId.load(id).then(guarded));
  }

  get(caller: Caller, rawId: string): Promise<Tenant | null> {
    return this.find(caller, requireId('id', rawId));
  }

  async byReference(caller: Caller, rawId: string): Promise<Tenant | null> {
    const id = parseId(rawId);
    return id ? this.find(caller, id) : null;
  }

  can(caller: Caller, tenantId: string, permission: Permission): Promise<boolean> {
    return caller.authz.can(tenantRef(tenantId), permission);
  }

  /**
   * The tenants the caller can view, by name; an API key sees its own tenant only. A user views the
   * tenants they belong to (schema.zed: view = admin + member), read from PostgreSQL: no LookupResources.
   */
  async list(caller: Caller, args: PageArgs): Promise<Page<Sorted<Tenant>>> {
    const page = pageRequest(args.first, args.after);
    const scope = caller.principal.tenantScope;
    if (scope && !(await this.can(caller, scope, 'view'))) return { items: [], hasNextPage: false };
    const found = await listTenantsPage(await caller.reads(), scope ? { id: scope } : { memberUserId: caller.principal.userId }, page);
    caller.budget.spend(found.length);
    // Listed as the caller's own tenants: nested fields need not ask SpiceDB for `view` again.
    for (const { node } of found) caller.authz.prime(tenantRef(node.id), 'view', true);
    return toPage(found, page.first);
  }

  /** For an API key, the only tenant it may act in. */
  scopeOf(caller: Caller): Promise<Tenant | null> {
    const scope = caller.principal.tenantScope;
    return scope ? this.find(caller, scope) : Promise.resolve(null);
  }

  async create(caller: Caller, input: { name: string }): Promise<Committed<Tenant>> {
    if (!this.deps.allowTenantCreation) {
      throw new ForbiddenError('Tenant creation is disabled on this server', { reason: 'TENANT_CREATION_DISABLED' });
    }
    if (caller.principal.tenantScope !== undefined) {
      throw new ForbiddenError('An API key cannot create tenants; it is confined to its own tenant', { reason: 'API_KEY_CONFINED' });
    }
    const name = validateName('name', input.name);
    const committed = await this.deps.uow.run(async (tx) => (await this.insertWithRoot(tx, { name, adminUserId: caller.principal.userId })).tenant, {
      for: caller,
    });
    this.deps.logger.info({ event: 'tenant_created', tenantId: committed.value.id, principalId: caller.principal.userId }, 'tenant created');
    return committed;
  }

  /**
   * The tenant, when the caller holds `permission` on it: NOT_FOUND when hidden or missing, FORBIDDEN
   * otherwise. Writes decide on the primary's current row, never a replica's or a cached one.
   */
  async authorize(caller: Caller, id: string, permission: Permission): Promise<Tenant> {
    const current = findTenantsByIds(this.deps.db, [id]).then((found) => guarded(found.get(id)));
    return authorize(caller, tenantRef(id), current, permission, 'Tenant');
  }

  /** Deletes the tenant with every workspace, group and API key, in one transaction. Needs `administrate`. */
  async delete(caller: Caller, input: { id: string }): Promise<Committed<string>> {
    const id = requireId('id', input.id);
    await this.authorize(caller, id, 'administrate');
    let counts: DeletedCounts | undefined;
    const committed = await this.deps.uow.run(
      async (tx) => {
        counts = await deleteTenantAndContents(tx, id);
        return id;
      },
      { for: caller, tenant: { id, lock: 'delete' } },
    );
    this.deps.logger.info({ event: 'tenant_deleted', tenantId: id, principalId: caller.principal.userId, ...counts }, 'tenant deleted');
    return committed;
  }

  /**
   * Inserts a tenant with its root workspace; when `adminUserId` is given that user becomes the
   * tenant's admin. Shared by createTenant and the start-up bootstrap so both produce the same facts
   * and events.
   */
  async insertWithRoot(tx: Transaction, input: { name: string; adminUserId: string | null }): Promise<{ tenant: Tenant; root: Workspace }> {
    const tenant = await insertTenant(tx.trx, { id: newId(), name: input.name });
    tx.emit({ type: 'TenantCreated', tenantId: tenant.id, name: tenant.name });
    const root = await this.insertRoot(tx, tenant.id);
    if (input.adminUserId) await this.grantAdmin(tx, tenant.id, input.adminUserId);
    return { tenant, root };
  }

  /** The root workspace of a tenant that has none (a new tenant, or one a bootstrap finds without). */
  async insertRoot({ trx, emit }: Transaction, tenantId: string): Promise<Workspace> {
    const root = await insertWorkspace(trx, { id: newId(), tenantId, parentId: null, name: this.deps.rootWorkspaceName, depth: 0 });
    emit({ type: 'WorkspaceCreated', tenantId, workspaceId: root.id, parentId: null, name: root.name });
    return root;
  }

  /**
   * Makes a user admin of the tenant, and nothing more: the tenant role alone gives power over the
   * whole tree (`manage = … + tenant->administrate`), so a demotion or a removal takes all of it
   * away. A root grant written beside it would outlive the role (migration 0006 removed those).
   */
  async grantAdmin({ trx, emit }: Transaction, tenantId: string, userId: string): Promise<void> {
    await addTenantMember(trx, tenantId, userId, 'admin');
    emit({ type: 'TenantMemberAdded', tenantId, userId, role: 'admin' });
  }
}
