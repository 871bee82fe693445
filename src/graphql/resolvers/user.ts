import type { UserResolvers } from '../generated/resolvers-types.js';
import { callerOf } from '../context.js';

export const User: UserResolvers = {
  /** Other subgraphs may resolve the caller and the people who share a tenant with them; nobody else. */
  __resolveReference: (reference, ctx) => ctx.services.users.byReference(callerOf(ctx), reference.id),
};
