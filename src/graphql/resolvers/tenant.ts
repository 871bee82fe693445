import { ref } from '../../infra/spicedb/relationships.js';
import { parseId } from '../../shared/ids.js';
import { pageRequest } from '../../shared/pagination.js';
import type { Tenant } from '../../tenants/tenant.js';
import { requireActor, type GraphQLContext } from '../context.js';
import { tenantWorkspacesConnection } from '../listing.js';
import { visibleTenant, visibleWorkspace } from '../visibility.js';
import type { PageArgs } from './query.js';

export const TenantResolvers = {
  async __resolveReference(reference: { id: string }, ctx: GraphQLContext) {
    const id = parseId(reference.id);
    return id ? visibleTenant(ctx, requireActor(ctx), id) : null;
  },

  async rootWorkspace(tenant: Tenant, _: unknown, ctx: GraphQLContext) {
    const root = await ctx.loaders.rootWorkspace.load(tenant.id);
    return root ? visibleWorkspace(ctx, requireActor(ctx), root.id) : null;
  },

  workspaces: (tenant: Tenant, args: PageArgs & { nameContains?: string | null }, ctx: GraphQLContext) =>
    tenantWorkspacesConnection(ctx, requireActor(ctx), tenant.id, pageRequest(args.first, args.after), args.nameContains),

  viewerPermissions: (tenant: Tenant) => ({ tenantId: tenant.id }),
};

const tenantCheck =
  (permission: 'view' | 'manage' | 'administrate' | 'create_api_key') =>
  (parent: { tenantId: string }, _: unknown, ctx: GraphQLContext) =>
    requireActor(ctx).authz.can(ref('tenant', parent.tenantId), permission);

export const TenantPermissions = {
  view: tenantCheck('view'),
  manage: tenantCheck('manage'),
  administrate: tenantCheck('administrate'),
  createApiKey: tenantCheck('create_api_key'),
};
