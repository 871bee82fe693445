import type { Permission } from '../../authz/request-authz.js';
import type { GraphQLContext } from '../context.js';

type Check<Parent> = (parent: Parent, _args: unknown, ctx: GraphQLContext) => Promise<boolean>;

/**
 * Resolvers for a `…Permissions` type: each field answers one SpiceDB permission of the parent's
 * resource, e.g. `{ createChild: 'create_child' }`. All of a response's checks batch into one call.
 */
export function permissionChecks<Field extends string, Parent>(
  fields: Record<Field, Permission>,
  can: (parent: Parent, permission: Permission, ctx: GraphQLContext) => Promise<boolean>,
): Record<Field, Check<Parent>> {
  const resolvers = {} as Record<Field, Check<Parent>>;
  for (const [field, permission] of Object.entries(fields) as [Field, Permission][]) {
    resolvers[field] = (parent, _args, ctx) => can(parent, permission, ctx);
  }
  return resolvers;
}
