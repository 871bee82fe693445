import type { InvitationResolvers, InvitedGroupResolvers, InvitedWorkspaceRoleResolvers } from '../generated/resolvers-types.js';
import { callerOf } from '../context.js';
import { toGraphQLRole } from './roles.js';

/* Whoever got an invitation may read every field: its tenant's admins, or its invitee. */
export const Invitation: InvitationResolvers = {
  __resolveReference: (reference, ctx) => ctx.services.invitations.byReference(callerOf(ctx), reference.id),
  role: (invitation) => toGraphQLRole(invitation.role),
  status: (invitation) => toGraphQLRole(invitation.status),
  // Shown to the invitee too, as GitHub shows who invited you; null once the user is gone.
  invitedBy: (invitation, _, ctx) => (invitation.invitedById ? ctx.services.users.actor(callerOf(ctx), invitation.invitedById) : null),
};

/* A workspace or group only for who may view it: the invitee sees roles and ids, not the tree's names. */
export const InvitedWorkspaceRole: InvitedWorkspaceRoleResolvers = {
  workspace: (invited, _, ctx) => ctx.services.workspaces.find(callerOf(ctx), invited.workspaceId),
  role: (invited) => toGraphQLRole(invited.role),
};

export const InvitedGroup: InvitedGroupResolvers = {
  group: (invited, _, ctx) => ctx.services.groups.find(callerOf(ctx), invited.groupId),
  role: (invited) => toGraphQLRole(invited.role),
};
