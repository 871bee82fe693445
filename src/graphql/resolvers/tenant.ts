import { tenantResource } from '../../authz/permissions.js';
import type { TenantPermissionsResolvers, TenantResolvers } from '../generated/resolvers-types.js';
import { toConnection } from '../connection.js';
import { callerOf } from '../context.js';
import type { TenantPermissionsParent } from '../mappers.js';
import { permissionChecks } from './permission-checks.js';
import { fromGraphQLRole, toGraphQLRole } from './roles.js';

export const Tenant: TenantResolvers = {
  __resolveReference: (reference, ctx) => ctx.services.tenants.byReference(callerOf(ctx), reference.id),
  rootWorkspace: (tenant, _, ctx) => ctx.services.workspaces.root(callerOf(ctx), tenant.id),
  workspaces: async (tenant, args, ctx) => toConnection(await ctx.services.workspaces.listInTenant(callerOf(ctx), tenant.id, args)),
  viewerPermissions: (tenant) => tenantResource(tenant.id),
  apiKeys: async (tenant, args, ctx) => toConnection(await ctx.services.apiKeys.listForTenant(callerOf(ctx), tenant.id, args)),
  viewerRole: async (tenant, _, ctx) => {
    const role = await ctx.services.tenantMembers.viewerRole(callerOf(ctx), tenant);
    return role && toGraphQLRole(role);
  },
  members: async (tenant, args, ctx) => toConnection(await ctx.services.tenantMembers.list(callerOf(ctx), tenant, args), (m) => m.userId),
  groups: async (tenant, args, ctx) => toConnection(await ctx.services.groups.listInTenant(callerOf(ctx), tenant, args)),
  deletedWorkspaces: async (tenant, args, ctx) => toConnection(await ctx.services.workspaceTrash.list(callerOf(ctx), tenant.id, args)),
  auditLog: async (tenant, args, ctx) => toConnection(await ctx.services.audit.tenantLog(callerOf(ctx), tenant, args)),
  invitations: async (tenant, args, ctx) =>
    toConnection(await ctx.services.invitations.listForTenant(callerOf(ctx), tenant, { ...args, status: args.status ? fromGraphQLRole(args.status) : null })),
};

export const TenantPermissions: TenantPermissionsResolvers = permissionChecks(
  { view: 'view', manage: 'manage', administrate: 'administrate', createApiKey: 'create_api_key' },
  (tenant: TenantPermissionsParent) => tenant,
);
