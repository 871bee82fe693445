import { groupResource } from '../../authz/permissions.js';
import type { GroupPermissionsResolvers, GroupResolvers } from '../generated/resolvers-types.js';
import { toConnection } from '../connection.js';
import { callerOf } from '../context.js';
import type { GroupPermissionsParent } from '../mappers.js';
import { permissionChecks } from './permission-checks.js';

export const Group: GroupResolvers = {
  __resolveReference: (reference, ctx) => ctx.services.groups.byReference(callerOf(ctx), reference.id),
  tenant: (group, _, ctx) => ctx.services.groups.tenantOf(callerOf(ctx), group),
  members: async (group, args, ctx) => toConnection(await ctx.services.groupMembers.list(callerOf(ctx), group, args), (m) => m.userId),
  viewerPermissions: (group) => groupResource(group),
};

export const GroupPermissions: GroupPermissionsResolvers = permissionChecks(
  { view: 'view', manage: 'manage' },
  (group: GroupPermissionsParent) => group,
);
