import type { AuditAction } from '../../events/audit-record.js';
import { ForbiddenError } from '../../shared/errors.js';
import type { GraphQLContext } from '../context.js';
import { callerOf } from '../context.js';
import type { MutationResolvers } from '../generated/resolvers-types.js';

type MutationName = keyof MutationResolvers;

/**
 * The audit action of each mutation, as its DENIED entry names it. Keyed by every mutation of the
 * schema: a new mutation does not compile until it has one (WORKSPACE_MOVED is moveWorkspace's).
 */
export const MUTATION_ACTIONS: Record<MutationName, AuditAction> = {
  createTenant: 'TENANT_CREATED',
  deleteTenant: 'TENANT_DELETED',
  createWorkspace: 'WORKSPACE_CREATED',
  renameWorkspace: 'WORKSPACE_RENAMED',
  deleteWorkspace: 'WORKSPACE_DELETED',
  restoreWorkspace: 'WORKSPACE_RESTORED',
  purgeWorkspace: 'WORKSPACE_PURGED',
  moveWorkspace: 'WORKSPACE_MOVED',
  createApiKey: 'API_KEY_CREATED',
  revokeApiKey: 'API_KEY_REVOKED',
  addTenantMember: 'TENANT_MEMBER_ADDED',
  changeTenantMemberRole: 'TENANT_MEMBER_ROLE_CHANGED',
  removeTenantMember: 'TENANT_MEMBER_REMOVED',
  createGroup: 'GROUP_CREATED',
  renameGroup: 'GROUP_RENAMED',
  deleteGroup: 'GROUP_DELETED',
  addGroupMember: 'GROUP_MEMBER_ADDED',
  changeGroupMemberRole: 'GROUP_MEMBER_ROLE_CHANGED',
  removeGroupMember: 'GROUP_MEMBER_REMOVED',
  grantWorkspaceRole: 'WORKSPACE_ROLE_GRANTED',
  revokeWorkspaceRole: 'WORKSPACE_ROLE_REVOKED',
  inviteTenantMember: 'INVITATION_CREATED',
  revokeInvitation: 'INVITATION_REVOKED',
  acceptInvitation: 'INVITATION_ACCEPTED',
  declineInvitation: 'INVITATION_DECLINED',
};

type AnyResolver = (parent: unknown, args: unknown, ctx: GraphQLContext, info: unknown) => Promise<unknown>;

/**
 * Wraps every mutation so that a refusal for a missing permission (a ForbiddenError with its
 * refusal: the caller could see the target) writes its DENIED entry before the error goes out,
 * outside the refused change's transaction, which never committed. No other refusal writes
 * anything: NOT_FOUND would make the log an oracle for what exists.
 */
export function withDenials(resolvers: Required<Pick<MutationResolvers, MutationName>>): MutationResolvers {
  const wrapped: Record<string, AnyResolver> = {};
  for (const [name, resolver] of Object.entries(resolvers) as [MutationName, AnyResolver][]) {
    const action = MUTATION_ACTIONS[name];
    wrapped[name] = async (parent, args, ctx, info) => {
      try {
        return await resolver(parent, args, ctx, info);
      } catch (error) {
        if (error instanceof ForbiddenError && error.refusal) {
          await ctx.services.audit.recordDenial(callerOf(ctx), action, error.refusal);
        }
        throw error;
      }
    };
  }
  return wrapped as MutationResolvers;
}
