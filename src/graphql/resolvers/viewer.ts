import type { ViewerResolvers } from '../generated/resolvers-types.js';
import { toConnection } from '../connection.js';
import { callerOf } from '../context.js';

export const Viewer: ViewerResolvers = {
  user: (_, __, ctx) => ctx.services.users.me(callerOf(ctx)),
  authenticatedVia: (principal) => (principal.via === 'api_key' ? 'API_KEY' : 'OIDC'),
  tenantScope: (_, __, ctx) => ctx.services.tenants.scopeOf(callerOf(ctx)),
  tenants: async (_, args, ctx) => toConnection(await ctx.services.tenants.list(callerOf(ctx), args)),
  apiKeys: async (_, args, ctx) => toConnection(await ctx.services.apiKeys.listForViewer(callerOf(ctx), args)),
  invitations: async (_, args, ctx) => toConnection(await ctx.services.invitations.listForViewer(callerOf(ctx), args)),
};
