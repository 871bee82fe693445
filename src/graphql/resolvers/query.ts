import { ref } from '../../infra/spicedb/relationships.js';
import { NotFoundError } from '../../shared/errors.js';
import { requireId } from '../../shared/input.js';
import { pageRequest } from '../../shared/pagination.js';
import { requireActor, type GraphQLContext } from '../context.js';
import { tenantsConnection, tenantWorkspacesConnection } from '../listing.js';
import { visibleTenant, visibleWorkspace } from '../visibility.js';

interface PageArgs {
  first?: number | null;
  after?: string | null;
}

export const Query = {
  viewer: (_: unknown, __: unknown, ctx: GraphQLContext) => requireActor(ctx).principal,

  tenant: (_: unknown, args: { id: string }, ctx: GraphQLContext) =>
    visibleTenant(ctx, requireActor(ctx), requireId('id', args.id)),

  tenants: (_: unknown, args: PageArgs, ctx: GraphQLContext) =>
    tenantsConnection(ctx, requireActor(ctx), pageRequest(args.first, args.after)),

  workspace: (_: unknown, args: { id: string }, ctx: GraphQLContext) =>
    visibleWorkspace(ctx, requireActor(ctx), requireId('id', args.id)),

  async workspaces(_: unknown, args: PageArgs & { tenantId: string; nameContains?: string | null }, ctx: GraphQLContext) {
    const actor = requireActor(ctx);
    const tenantId = requireId('tenantId', args.tenantId);
    const page = pageRequest(args.first, args.after);
    // Asked now so it joins the view check in one bulk call; the listing awaits the cached answer next.
    // The catch only keeps a failure from going unhandled when the tenant turns out to be hidden.
    actor.authz.can(ref('tenant', tenantId), 'administrate').catch(() => undefined);
    if (!(await visibleTenant(ctx, actor, tenantId))) {
      throw new NotFoundError('Tenant not found', { extensions: { field: 'tenantId' } });
    }
    return tenantWorkspacesConnection(ctx, actor, tenantId, page, args.nameContains);
  },
};

export type { PageArgs };
