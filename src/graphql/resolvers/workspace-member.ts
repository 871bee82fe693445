import type { WorkspaceMemberResolvers, WorkspaceSubjectResolvers } from '../generated/resolvers-types.js';
import { callerOf } from '../context.js';
import { toGraphQLRole } from './roles.js';

/* The member list primed the subjects' loaders and checked every grantedOn: no statements or checks here. */
export const WorkspaceMember: WorkspaceMemberResolvers = {
  role: (member) => toGraphQLRole(member.role),
  subject: (member, _, ctx) =>
    member.subject.type === 'user' ? ctx.services.users.shown(callerOf(ctx), member.subject.id) : ctx.services.groups.granted(callerOf(ctx), member.subject.id),
  grantedOn: (member, _, ctx) => ctx.services.workspaces.grantedOn(callerOf(ctx), member.grantedOnId),
};

export const WorkspaceSubject: WorkspaceSubjectResolvers = {
  // Users have a username, groups a tenant: the models share no other field that tells them apart.
  __resolveType: (subject) => ('username' in subject ? 'User' : 'Group'),
};
