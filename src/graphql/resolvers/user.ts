import { sharesTenantWith } from '../../memberships/membership.repository.js';
import { parseId } from '../../shared/ids.js';
import { requireActor, type GraphQLContext } from '../context.js';

export const UserResolvers = {
  /** Other subgraphs may resolve the caller and the people who share a tenant with them; nobody else. */
  async __resolveReference(reference: { id: string }, ctx: GraphQLContext) {
    const actor = requireActor(ctx);
    const id = parseId(reference.id);
    if (!id) return null;
    if (id !== actor.principal.userId && !(await sharesTenantWith(await ctx.reads(), actor.principal, id))) return null;
    return ctx.loaders.user.load(id);
  },
};
