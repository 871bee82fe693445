import type { QueryResolvers } from '../generated/resolvers-types.js';
import { toConnection } from '../connection.js';
import { callerOf } from '../context.js';

export const Query: QueryResolvers = {
  viewer: (_, __, ctx) => callerOf(ctx).principal,
  tenant: (_, args, ctx) => ctx.services.tenants.get(callerOf(ctx), args.id),
  tenants: async (_, args, ctx) => toConnection(await ctx.services.tenants.list(callerOf(ctx), args)),
  workspace: (_, args, ctx) => ctx.services.workspaces.get(callerOf(ctx), args.id),
  workspaces: async (_, { tenantId, ...args }, ctx) => toConnection(await ctx.services.workspaces.listInTenant(callerOf(ctx), tenantId, args)),
  group: (_, args, ctx) => ctx.services.groups.get(callerOf(ctx), args.id),
  users: async (_, args, ctx) => toConnection(await ctx.services.users.list(callerOf(ctx), args)),
};
