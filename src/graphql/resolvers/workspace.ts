import { workspaceResource } from '../../authz/permissions.js';
import type { WorkspacePermissionsResolvers, WorkspaceResolvers } from '../generated/resolvers-types.js';
import { toConnection } from '../connection.js';
import { callerOf } from '../context.js';
import type { WorkspacePermissionsParent } from '../mappers.js';
import { permissionChecks } from './permission-checks.js';
import { nestedDepth } from '../selection-depth.js';
import { nestedPageArgs } from '../nested-pages.js';
import { fromGraphQLPermission } from './permission-names.js';

export const Workspace: WorkspaceResolvers = {
  __resolveReference: (reference, ctx) => ctx.services.workspaces.byReference(callerOf(ctx), reference.id),
  tenant: (workspace, _, ctx) => ctx.services.workspaces.tenantOf(callerOf(ctx), workspace),
  // Checks as many ancestors in one call as the query goes on to ask for.
  parent: (workspace, _, ctx, info) => ctx.services.workspaces.parent(callerOf(ctx), workspace, nestedDepth(info, 'parent')),
  // Loads as many levels of children in one statement as the query goes on to ask for.
  children: async (workspace, args, ctx, info) =>
    toConnection(await ctx.services.workspaces.children(callerOf(ctx), workspace, args, nestedPageArgs(info, 'children', ctx.services.workspaces.maxDepth))),
  ancestors: (workspace, _, ctx) => ctx.services.workspaceNavigation.ancestors(callerOf(ctx), workspace),
  descendants: async (workspace, args, ctx) => toConnection(await ctx.services.workspaceNavigation.descendants(callerOf(ctx), workspace, args)),
  viewerPermissions: (workspace) => workspaceResource(workspace),
  members: async (workspace, args, ctx) =>
    toConnection(await ctx.services.workspaceMembers.list(callerOf(ctx), workspace, args), (m) => m.subject.id),
  accessExplanation: (workspace, { permission, userId }, ctx) =>
    ctx.services.workspaceAccess.explain(callerOf(ctx), workspace, fromGraphQLPermission(permission), userId),
  usersWithAccess: async (workspace, { permission, ...args }, ctx) =>
    toConnection(await ctx.services.workspaceAccess.usersWithAccess(callerOf(ctx), workspace, fromGraphQLPermission(permission ?? 'VIEW'), args)),
  deletedAt: (workspace) => workspace.deletedAt ?? null,
  deletedBy: (workspace, _, ctx) => (workspace.deletedById ? ctx.services.users.actor(callerOf(ctx), workspace.deletedById) : null),
  purgeAfter: (workspace, _, ctx) => ctx.services.workspaceTrash.purgeAfter(workspace),
  auditLog: async (workspace, args, ctx) => toConnection(await ctx.services.audit.workspaceLog(callerOf(ctx), workspace, args)),
};

export const WorkspacePermissions: WorkspacePermissionsResolvers = permissionChecks(
  { view: 'view', edit: 'edit', manage: 'manage', createChild: 'create_child' },
  (workspace: WorkspacePermissionsParent) => workspace,
);
