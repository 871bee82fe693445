import type { Committed } from '../../changes/unit-of-work.js';
import type { InviteTenantMemberInput, MutationResolvers } from '../generated/resolvers-types.js';
import { callerOf } from '../context.js';
import { withDenials } from './mutation-denials.js';
import { withRole } from './roles.js';

/** inviteTenantMember's input with every role translated. */
const invitationInput = (input: InviteTenantMemberInput) => ({
  ...withRole(input),
  workspaceRoles: input.workspaceRoles?.map(withRole) ?? [],
  groups: input.groups?.map(withRole) ?? [],
});

/** A payload: what the mutation produced under its field name, and whether SpiceDB already reflects it. */
function payload<K extends string, T>(field: K, committed: Committed<T>): Record<K, T> & { authorizationSynced: boolean } {
  return { [field]: committed.value, authorizationSynced: committed.authorizationSynced } as Record<K, T> & { authorizationSynced: boolean };
}

/** A payload of several fields: the mutation's value spread out, and whether SpiceDB already reflects it. */
function spread<T extends object>(committed: Committed<T>): T & { authorizationSynced: boolean } {
  return { ...committed.value, authorizationSynced: committed.authorizationSynced };
}

/*
 * Thin on purpose: each service method validates, authorizes and writes through the unit of work,
 * which also refreshes the caller's per-request caches, so later fields of the response see the change.
 */
const mutations = {
  createTenant: async (_, { input }, ctx) => payload('tenant', await ctx.services.tenantCreation.create(callerOf(ctx), input)),
  deleteTenant: async (_, { input }, ctx) => payload('deletedTenantId', await ctx.services.tenantDeletion.delete(callerOf(ctx), input)),
  createWorkspace: async (_, { input }, ctx) => payload('workspace', await ctx.services.workspaces.create(callerOf(ctx), input)),
  renameWorkspace: async (_, { input }, ctx) => payload('workspace', await ctx.services.workspaces.rename(callerOf(ctx), input)),
  deleteWorkspace: async (_, { input }, ctx) => payload('deletedWorkspaceId', await ctx.services.workspaceTrash.delete(callerOf(ctx), input)),
  restoreWorkspace: async (_, { input }, ctx) => payload('workspace', await ctx.services.workspaceTrash.restore(callerOf(ctx), input)),
  purgeWorkspace: async (_, { input }, ctx) => payload('purgedWorkspaceId', await ctx.services.workspaceTrash.purge(callerOf(ctx), input)),
  moveWorkspace: async (_, { input }, ctx) => payload('workspace', await ctx.services.workspaceMove.move(callerOf(ctx), input)),
  createApiKey: async (_, { input }, ctx) => {
    const { value, authorizationSynced } = await ctx.services.apiKeys.create(callerOf(ctx), input);
    return { apiKey: value.apiKey, secret: value.secret, authorizationSynced };
  },
  revokeApiKey: async (_, { input }, ctx) => payload('apiKey', await ctx.services.apiKeys.revoke(callerOf(ctx), input)),
  addTenantMember: async (_, { input }, ctx) => payload('member', await ctx.services.tenantMembers.add(callerOf(ctx), withRole(input))),
  changeTenantMemberRole: async (_, { input }, ctx) => payload('member', await ctx.services.tenantMembers.changeRole(callerOf(ctx), withRole(input))),
  removeTenantMember: async (_, { input }, ctx) => payload('removedUserId', await ctx.services.tenantDeparture.remove(callerOf(ctx), input)),
  createGroup: async (_, { input }, ctx) => payload('group', await ctx.services.groups.create(callerOf(ctx), input)),
  renameGroup: async (_, { input }, ctx) => payload('group', await ctx.services.groups.rename(callerOf(ctx), input)),
  deleteGroup: async (_, { input }, ctx) => payload('deletedGroupId', await ctx.services.groupDeletion.delete(callerOf(ctx), input)),
  addGroupMember: async (_, { input }, ctx) => spread(await ctx.services.groupMembers.add(callerOf(ctx), withRole(input))),
  changeGroupMemberRole: async (_, { input }, ctx) => spread(await ctx.services.groupMembers.changeRole(callerOf(ctx), withRole(input))),
  removeGroupMember: async (_, { input }, ctx) => payload('group', await ctx.services.groupMembers.remove(callerOf(ctx), input)),
  grantWorkspaceRole: async (_, { input }, ctx) => spread(await ctx.services.workspaceMembers.grant(callerOf(ctx), withRole(input))),
  revokeWorkspaceRole: async (_, { input }, ctx) => payload('workspace', await ctx.services.workspaceMembers.revoke(callerOf(ctx), input)),
  inviteTenantMember: async (_, { input }, ctx) => payload('invitation', await ctx.services.invitations.invite(callerOf(ctx), invitationInput(input))),
  revokeInvitation: async (_, { input }, ctx) => payload('invitation', await ctx.services.invitations.revoke(callerOf(ctx), input)),
  acceptInvitation: async (_, { input }, ctx) => spread(await ctx.services.invitationAcceptance.accept(callerOf(ctx), input)),
  declineInvitation: async (_, { input }, ctx) => payload('invitation', await ctx.services.invitations.decline(callerOf(ctx), input)),
} satisfies MutationResolvers;

/** Every mutation refused with FORBIDDEN leaves its DENIED audit entry (mutation-denials.ts). */
export const Mutation: MutationResolvers = withDenials(mutations);
