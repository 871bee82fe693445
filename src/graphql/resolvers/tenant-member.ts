import type { TenantMemberResolvers } from '../generated/resolvers-types.js';
import { callerOf } from '../context.js';
import { toGraphQLRole } from './roles.js';

export const TenantMember: TenantMemberResolvers = {
  // Primed by the member list: no statement of its own.
  role: (member) => toGraphQLRole(member.role),
  user: (member, _, ctx) => ctx.services.users.shown(callerOf(ctx), member.userId),
};
