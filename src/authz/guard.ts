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
 * key's tenant) is NOT_FOUND; one they can view but may not act on is FORBIDDEN.
 */
export async function authorize<T extends Guarded>(
  actor: Actor,
  type: 'workspace' | 'tenant',
  resource: T | undefined,
  permission: Permission,
  what: string,
): Promise<T> {
  if (!resource || !isInScope(actor.principal, resource.tenantId)) throw new NotFoundError(`${what} not found`);
  const target = ref(type, resource.id);
  const [canView, allowed] = await Promise.all([
    actor.authz.can(target, 'view'),
    permission === 'view' ? Promise.resolve(true) : actor.authz.can(target, permission),
  ]);
  if (!canView) throw new NotFoundError(`${what} not found`);
  if (!allowed) throw new ForbiddenError(`You may not ${permission.replace('_', ' ')} this ${what.toLowerCase()}`, { reason: `MISSING_${permission.toUpperCase()}` });
  return resource;
}
