import { isInScope } from '../auth/principal.js';
import { ref } from '../infra/spicedb/relationships.js';
import { ForbiddenError, NotFoundError } from '../shared/errors.js';
import type { Actor } from './actor.js';
import type { Permission } from './request-authz.js';

interface Guarded {
  id: string;
  tenantId: string;
}

/**
 * Information hiding: a resource the caller cannot view (or that is missing, or outside an API
 * key's tenant) is NOT_FOUND; one they can view but may not act on is FORBIDDEN. The permission
 * itself is enough even without view: tenant members may create children of a root they cannot see.
 */
export async function authorize<T extends Guarded>(
  actor: Actor,
  type: 'workspace' | 'tenant',
  resource: T | undefined,
  permission: Permission,
  what: string,
): Promise<T> {
  const started = performance.now();
  if (!resource) {
    // As long as a hidden one takes to refuse (see Concealment), so the answer reveals nothing.
    await actor.authz.concealMissing(started);
    throw new NotFoundError(`${what} not found`);
  }
  if (!isInScope(actor.principal, resource.tenantId)) throw new NotFoundError(`${what} not found`);
  const target = ref(type, resource.id);
  // Both checks go out in the same tick, so they cost one CheckBulkPermissions call.
  const [canView, allowed] = await Promise.all([actor.authz.can(target, 'view'), actor.authz.can(target, permission)]);
  if (allowed) return resource;
  if (!canView) {
    actor.authz.noteHidden(started);
    throw new NotFoundError(`${what} not found`);
  }
  throw new ForbiddenError(`You may not ${permission.replace('_', ' ')} this ${what.toLowerCase()}`, {
    reason: `MISSING_${permission.toUpperCase()}_PERMISSION`,
  });
}
