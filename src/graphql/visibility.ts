import type { Actor } from '../authz/actor.js';
import { isInScope } from '../auth/principal.js';
import { ref } from '../infra/spicedb/relationships.js';
import type { Tenant } from '../tenants/tenant.js';
import type { SortedWorkspace } from '../workspaces/workspace.repository.js';
import type { Workspace } from '../workspaces/workspace.js';
import type { GraphQLContext } from './context.js';

/** A workspace the caller may view, or null: missing, outside the key's tenant and hidden look the same. */
// The row and the check are fetched side by side: one SQL and one SpiceDB round trip in parallel.
export async function visibleWorkspace(ctx: GraphQLContext, actor: Actor, id: string): Promise<Workspace | null> {
  const [workspace, canView] = await Promise.all([ctx.loaders.workspace.load(id), actor.authz.can(ref('workspace', id), 'view')]);
  return workspace && canView && isInScope(actor.principal, workspace.tenantId) ? workspace : null;
}

export async function visibleTenant(ctx: GraphQLContext, actor: Actor, id: string): Promise<Tenant | null> {
  const [tenant, canView] = await Promise.all([ctx.loaders.tenant.load(id), actor.authz.can(ref('tenant', id), 'view')]);
  return tenant && canView && isInScope(actor.principal, tenant.id) ? tenant : null;
}

/**
 * The children of `parent` the caller may view: all of them when they may view the parent, none
 * otherwise. schema.zed makes `view` inherit down the tree with no exclusion (`+ parent->view`), so
 * one check of the parent answers for every child, and priming the answer lets their own children
 * and `viewerPermissions { view }` skip SpiceDB too. A walk of d levels then costs one check at the
 * top instead of one per node; tests/unit/schema-zed.test.ts fails if the schema stops allowing it.
 */
export async function visibleChildren(actor: Actor, parent: Workspace, rows: SortedWorkspace[]): Promise<SortedWorkspace[]> {
  if (!(await actor.authz.can(ref('workspace', parent.id), 'view'))) return [];
  for (const row of rows) actor.authz.prime(ref('workspace', row.workspace.id), 'view', true);
  return rows;
}

/**
 * The parent, if the caller may view it. Visibility does not inherit upwards, so each ancestor
 * needs its own check; loading the chain in one statement and checking, in one bulk call, as many
 * ancestors as the query goes on to ask for (`levels`) makes a breadcrumb walk
 * `parent { parent { ... } }` cost O(1) round trips instead of one per level.
 */
export async function visibleParent(ctx: GraphQLContext, actor: Actor, workspace: Workspace, levels: number): Promise<Workspace | null> {
  if (!workspace.parentId) return null;
  const chain = await ctx.loaders.ancestorsOf(workspace.id);
  await Promise.all(chain.slice(0, levels).map((a) => actor.authz.can(ref('workspace', a.id), 'view')));
  return visibleWorkspace(ctx, actor, workspace.parentId);
}
