import type { Principal } from '../../auth/principal.js';
import { InternalError } from '../../shared/errors.js';
import { pageRequest } from '../../shared/pagination.js';
import { requireActor, type GraphQLContext } from '../context.js';
import { tenantsConnection } from '../listing.js';
import type { PageArgs } from './query.js';

export const Viewer = {
  async user(principal: Principal, _: unknown, ctx: GraphQLContext) {
    const user = await ctx.loaders.user.load(principal.userId);
    if (!user) throw new InternalError(`principal ${principal.userId} has no user row`);
    return user;
  },
  authenticatedVia: (principal: Principal) => (principal.via === 'api_key' ? 'API_KEY' : 'OIDC'),
  tenantScope: (principal: Principal, _: unknown, ctx: GraphQLContext) =>
    principal.tenantScope ? ctx.loaders.tenant.load(principal.tenantScope) : null,
  tenants: (_: Principal, args: PageArgs, ctx: GraphQLContext) =>
    tenantsConnection(ctx, requireActor(ctx), pageRequest(args.first, args.after)),
};
