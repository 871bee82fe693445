import type { Actor } from '../authz/actor.js';
import { isInScope } from '../auth/principal.js';
import { ref, type ObjectRef } from '../infra/spicedb/relationships.js';
import type { Tenant } from '../tenants/tenant.js';
import type { SortedWorkspace } from '../workspaces/workspace.repository.js';
import type { Workspace } from '../workspaces/workspace.js';
import type { GraphQLContext } from './context.js';

/**
 * The row if the caller may view it, else null: missing, outside the key's tenant and hidden look
 * the same, in content and in timing (a missing row waits as long as a hidden one, see Concealment).
 * The row and the check are fetched side by side: one SQL and one SpiceDB round trip in parallel.
 */
async function visible<T extends { id: string }>(
  actor: Actor,
  row: Promise<T | null>,
  resource: ObjectRef,
  tenantOf: (row: T) => string,
): Promise<T | null> {
  const started = performance.now();
  const [found, canView] = await Promise.all([row, actor.authz.can(resource, 'view')]);
  if (!found) {
    await actor.authz.concealMissing(started);
    return null;
  }
  if (canView && isInScope(actor.principal, tenantOf(found))) return found;
  actor.authz.noteHidden(started);
  return null;
}

export function visibleWorkspace(ctx: GraphQLContext, actor: Actor, id: string): Promise<Workspace | null> {
  return visible(actor, ctx.loaders.workspace.load(id), ref('workspace', id), (w) => w.tenantId);
}

export function visibleTenant(ctx: GraphQLContext, actor: Actor, id: string): Promise<Tenant | null> {
  return visible(actor, ctx.loaders.tenant.load(id), ref('tenant', id), (t) => t.id);
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
