import { authorize, viewable, type Guarded } from '../authz/access.js';
import { tenantResource, type PermissionOf } from '../authz/permissions.js';
import type { Db } from '../infra/db/database.js';
import type { Caller } from '../request/caller.js';
import { parseId } from '../shared/ids.js';
import { requireId } from '../shared/input.js';
import { pageRequest, toPage, type Page, type PageArgs, type Sorted } from '../shared/pagination.js';
import { tenantLoaders } from './tenant.loaders.js';
import { findTenantsByIds, countTenants, listTenantsPage } from './tenant.repository.js';
import type { Tenant } from './tenant.js';

export interface TenantServiceDeps {
  db: Db;
}

// The access rules ask every resource for its tenant; a tenant is its own.
const guarded = (tenant: Tenant | null | undefined): (Tenant & Guarded) | null => (tenant ? { ...tenant, tenantId: tenant.id } : null);

/**
 * Tenants: reads, each opened by its access check (authz/access.ts). Creating and deleting one
 * changes several aggregates: src/lifecycle/tenant-creation.ts and tenant-deletion.ts.
 */
export class TenantService {
  constructor(private readonly deps: TenantServiceDeps) {}

  /** A tenant the caller may view; null when it is missing or hidden. */
  find(caller: Caller, id: string): Promise<Tenant | null> {
    return viewable<'tenant', Tenant & Guarded>(caller, 'tenant', id, caller.state(tenantLoaders).byId.load(id).then(guarded));
  }

  get(caller: Caller, rawId: string): Promise<Tenant | null> {
    return this.find(caller, requireId('id', rawId));
  }

  async byReference(caller: Caller, rawId: string): Promise<Tenant | null> {
    const id = parseId(rawId);
    return id ? this.find(caller, id) : null;
  }

  /**
   * The tenants the caller can view, by name; an API key sees its own tenant only. A user views the
   * tenants they belong to (schema.zed: view = admin + member), read from PostgreSQL: no LookupResources.
   */
  async list(caller: Caller, args: PageArgs): Promise<Page<Sorted<Tenant>>> {
    const page = pageRequest(args.first, args.after);
    const scope = caller.principal.tenantScope;
    if (scope && !(await caller.permissions.can(tenantResource(scope), 'view'))) return { items: [], hasNextPage: false, count: () => Promise.resolve(0) };
    const reads = await caller.reads();
    const filter = scope ? { id: scope } : { memberUserId: caller.principal.userId };
    const found = await listTenantsPage(reads, filter, page);
    caller.budget.spend(found.length);
    // Listed as the caller's own tenants: nested fields need not ask SpiceDB for `view` again.
    for (const { node } of found) caller.permissions.prime(tenantResource(node.id), 'view', true);
    return { ...toPage(found, page.first), count: () => countTenants(reads, filter) };
  }

  /** For an API key, the only tenant it may act in. */
  scopeOf(caller: Caller): Promise<Tenant | null> {
    const scope = caller.principal.tenantScope;
    return scope ? this.find(caller, scope) : Promise.resolve(null);
  }

  /**
   * The tenant, when the caller holds `permission` on it: NOT_FOUND when hidden or missing, FORBIDDEN
   * otherwise. Writes decide on the primary's current row, never a replica's or a cached one.
   */
  async authorize(caller: Caller, id: string, permission: PermissionOf<'tenant'>): Promise<Tenant> {
    const current = findTenantsByIds(this.deps.db, [id]).then((found) => guarded(found.get(id)));
    return authorize(caller, 'tenant', id, current, permission, 'Tenant');
  }
}
