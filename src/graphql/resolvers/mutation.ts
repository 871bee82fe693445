import type { Committed } from '../../infra/db/unit-of-work.js';
import type { MutationResolvers } from '../generated/resolvers-types.js';
import { callerOf } from '../context.js';

/** A payload: what the mutation produced under its field name, and whether SpiceDB already reflects it. */
function payload<K extends string, T>(field: K, committed: Committed<T>): Record<K, T> & { authorizationSynced: boolean } {
  return { [field]: committed.value, authorizationSynced: committed.authorizationSynced } as Record<K, T> & { authorizationSynced: boolean };
}

/*
 * Thin on purpose: each service method validates, authorizes and writes through the unit of work,
 * which also refreshes the caller's per-request caches, so later fields of the response see the change.
 */
export const Mutation: MutationResolvers = {
  createTenant: async (_, { input }, ctx) => payload('tenant', await ctx.services.tenants.create(callerOf(ctx), input)),
  deleteTenant: async (_, { input }, ctx) => payload('deletedTenantId', await ctx.services.tenants.delete(callerOf(ctx), input)),
  createWorkspace: async (_, { input }, ctx) => payload('workspace', await ctx.services.workspaces.create(callerOf(ctx), input)),
  renameWorkspace: async (_, { input }, ctx) => payload('workspace', await ctx.services.workspaces.rename(callerOf(ctx), input)),
  deleteWorkspace: async (_, { input }, ctx) => payload('deletedWorkspaceId', await ctx.services.workspaces.delete(callerOf(ctx), input)),
  createApiKey: async (_, { input }, ctx) => {
    const { value, authorizationSynced } = await ctx.services.apiKeys.create(callerOf(ctx), input);
    return { apiKey: value.apiKey, secret: value.secret, authorizationSynced };
  },
  revokeApiKey: async (_, { input }, ctx) => payload('apiKey', await ctx.services.apiKeys.revoke(callerOf(ctx), input)),
};
