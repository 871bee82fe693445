import type { QueryResolvers } from '../generated/resolvers-types.js';
import { toConnection } from '../connection.js';
import { callerOf } from '../context.js';
import { nestedDepth } from '../selection-depth.js';
import { fromGraphQLPermission, fromGraphQLResourceType } from './permission-names.js';

export const Query: QueryResolvers = {
  viewer: (_, __, ctx) => callerOf(ctx).principal,
  tenant: (_, args, ctx) => ctx.services.tenants.get(callerOf(ctx), args.id),
  tenants: async (_, args, ctx) => toConnection(await ctx.services.tenants.list(callerOf(ctx), args)),
  // A breadcrumb query loads the row and the ancestors it asks for in one statement.
  workspace: (_, args, ctx, info) => ctx.services.workspaces.get(callerOf(ctx), args.id, 'id', { parents: nestedDepth(info, 'parent') - 1 }),
  workspaces: async (_, { tenantId, ...args }, ctx) => toConnection(await ctx.services.workspaces.listInTenant(callerOf(ctx), tenantId, args)),
  group: (_, args, ctx) => ctx.services.groups.get(callerOf(ctx), args.id),
  checkPermissions: async (_, { checks }, ctx) => {
    const requests = checks.map((c) => ({ resourceType: fromGraphQLResourceType(c.resourceType), resourceId: c.resourceId, permission: fromGraphQLPermission(c.permission) }));
    const answers = await ctx.services.permissionChecks.check(callerOf(ctx), requests);
    return checks.map((c, i) => ({ resourceType: c.resourceType, resourceId: c.resourceId, permission: c.permission, allowed: answers[i] ?? false }));
  },
  accessibleWorkspaces: async (_, { tenantId, permission, ...args }, ctx) =>
    toConnection(await ctx.services.accessibleWorkspaces.list(callerOf(ctx), tenantId, fromGraphQLPermission(permission), args)),
  users: async (_, args, ctx) => toConnection(await ctx.services.users.list(callerOf(ctx), args)),
};
