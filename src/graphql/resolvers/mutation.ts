import { afterMutation, requireActor, type GraphQLContext } from '../context.js';

interface Input<T> {
  input: T;
}

export const Mutation = {
  async createTenant(_: unknown, { input }: Input<{ name: string }>, ctx: GraphQLContext) {
    const result = await ctx.services.tenants.create(requireActor(ctx), input);
    afterMutation(ctx);
    return { tenant: result.value, authorizationSynced: result.authorizationSynced };
  },

  async deleteTenant(_: unknown, { input }: Input<{ id: string }>, ctx: GraphQLContext) {
    const result = await ctx.services.tenants.delete(requireActor(ctx), input);
    afterMutation(ctx);
    return { deletedTenantId: result.value, authorizationSynced: result.authorizationSynced };
  },

  async createWorkspace(_: unknown, { input }: Input<{ parentId: string; name: string }>, ctx: GraphQLContext) {
    const result = await ctx.services.workspaces.create(requireActor(ctx), input);
    afterMutation(ctx);
    return { workspace: result.value, authorizationSynced: result.authorizationSynced };
  },

  async renameWorkspace(_: unknown, { input }: Input<{ id: string; name: string }>, ctx: GraphQLContext) {
    const result = await ctx.services.workspaces.rename(requireActor(ctx), input);
    afterMutation(ctx);
    return { workspace: result.value, authorizationSynced: result.authorizationSynced };
  },

  async deleteWorkspace(_: unknown, { input }: Input<{ id: string }>, ctx: GraphQLContext) {
    const result = await ctx.services.workspaces.delete(requireActor(ctx), input);
    afterMutation(ctx);
    return { deletedWorkspaceId: result.value, authorizationSynced: result.authorizationSynced };
  },
};
