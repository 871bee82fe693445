import type { Actor } from '../authz/actor.js';
import { isInScope } from '../auth/principal.js';
import { ref } from '../infra/spicedb/relationships.js';
import type { Tenant } from '../tenants/tenant.js';
import type { SortedWorkspace } from '../workspaces/workspace.repository.js';
import type { Workspace } from '../workspaces/workspace.js';
import type { GraphQLContext } from './context.js';

/** A workspace the caller may view, or null: missing, outside the key's tenant and hidden look the same. */
export async function visibleWorkspace(ctx: GraphQLContext, actor: Actor, id: string): Promise<Workspace | null> {
  const workspace = await ctx.loaders.workspace.load(id);
  if (!workspace || !isInScope(actor.principal, workspace.tenantId)) return null;
  return (await actor.authz.can(ref('workspace', id), 'view')) ? workspace : null;
}

export async function visibleTenant(ctx: GraphQLContext, actor: Actor, id: string): Promise<Tenant | null> {
  const tenant = await ctx.loaders.tenant.load(id);
  if (!tenant || !isInScope(actor.principal, tenant.id)) return null;
  return (await actor.authz.can(ref('tenant', id), 'view')) ? tenant : null;
}

/** Keeps the rows SpiceDB lets the caller view; all checks of one tick go out as one bulk call. */
export async function onlyVisible(actor: Actor, rows: SortedWorkspace[]): Promise<SortedWorkspace[]> {
  const allowed = await Promise.all(rows.map((r) => actor.authz.can(ref('workspace', r.workspace.id), 'view')));
  return rows.filter((_, i) => allowed[i]);
}
