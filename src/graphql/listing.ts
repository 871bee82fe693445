import type { Actor } from '../authz/actor.js';
import { ref } from '../infra/spicedb/relationships.js';
import { nameFilterKey } from '../shared/names.js';
import { toPage, type PageRequest } from '../shared/pagination.js';
import { listTenantsByIds } from '../tenants/tenant.repository.js';
import type { Tenant } from '../tenants/tenant.js';
import { listTenantWorkspaces } from '../workspaces/workspace.repository.js';
import type { Workspace } from '../workspaces/workspace.js';
import { toConnection, type Connection } from './connection.js';
import type { GraphQLContext } from './context.js';

export async function tenantsConnection(ctx: GraphQLContext, actor: Actor, page: PageRequest): Promise<Connection<Tenant>> {
  const scope = actor.principal.tenantScope;
  const ids = scope
    ? (await actor.authz.can(ref('tenant', scope), 'view'))
      ? [scope]
      : []
    : [...(await actor.authz.lookup('tenant', 'view'))];
  const found = await listTenantsByIds(await ctx.reads(), ids, page);
  ctx.loaders.budget.spend(found.length);
  const rows = toPage(found, page.first);
  return toConnection(
    rows.items.map((r) => ({ node: r.tenant, sortKey: r.sortKey })),
    rows.hasNextPage,
  );
}

/**
 * Workspaces of a tenant the caller can view. Tenant admins view all of them (schema.zed:
 * view includes tenant->administrate), so one check replaces a LookupResources over the tree.
 */
export async function tenantWorkspacesConnection(
  ctx: GraphQLContext,
  actor: Actor,
  tenantId: string,
  page: PageRequest,
  nameContains: string | null | undefined,
): Promise<Connection<Workspace>> {
  const nameKeyContains = nameFilterKey('nameContains', nameContains);
  const seesAll = await actor.authz.can(ref('tenant', tenantId), 'administrate');
  const onlyIds = seesAll ? undefined : [...(await actor.authz.lookup('workspace', 'view'))];
  const found = await listTenantWorkspaces(await ctx.reads(), { tenantId, nameKeyContains, onlyIds }, page);
  ctx.loaders.budget.spend(found.length);
  const rows = toPage(found, page.first);
  return toConnection(
    rows.items.map((r) => ({ node: r.workspace, sortKey: r.sortKey })),
    rows.hasNextPage,
  );
}
