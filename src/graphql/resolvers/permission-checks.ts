import type { PermissionOf, Resource, ResourceType } from '../../authz/permissions.js';
import { callerOf, type GraphQLContext } from '../context.js';

type Check<Parent> = (parent: Parent, _args: unknown, ctx: GraphQLContext) => Promise<boolean>;

/**
 * Resolvers for a `…Permissions` type: each field answers one permission of the parent's resource
 * through the caller's PermissionDoor, e.g. `{ createChild: 'create_child' }`; a field naming a
 * permission the resource's type does not define does not compile. All of a response's checks
 * batch into one call.
 */
export function permissionChecks<Field extends string, R extends ResourceType, Parent>(
  fields: Record<Field, PermissionOf<R>>,
  resourceOf: (parent: Parent) => Resource<R>,
): Record<Field, Check<Parent>> {
  const resolvers = {} as Record<Field, Check<Parent>>;
  for (const [field, permission] of Object.entries(fields) as [Field, PermissionOf<R>][]) {
    resolvers[field] = (parent, _args, ctx) => callerOf(ctx).permissions.can(resourceOf(parent), permission);
  }
  return resolvers;
}
