import { isInScope } from '../auth/principal.js';
import type { ObjectRef } from '../infra/spicedb/relationships.js';
import type { Caller } from '../request/caller.js';
import { ForbiddenError, NotFoundError } from '../shared/errors.js';
import type { Permission } from './request-authz.js';

/** A resource as the access rules need it: the tenant it lives in. */
export interface Guarded {
  tenantId: string;
}

type Access = 'allowed' | 'forbidden' | 'hidden' | 'missing';

/**
 * The one rule for every read and write: a resource that does not exist, lies outside an API key's
 * tenant, or that the caller cannot view is hidden, and hidden and missing must look alike, in
 * content and in timing (Concealment). A permission alone is enough to act even without `view`
 * (tenant members may create children of a root they cannot see).
 */
async function access(caller: Caller, row: Promise<Guarded | null>, permission: Permission, resource: ObjectRef): Promise<Access> {
  const started = performance.now();
  // The row and the checks go out side by side; both checks in the same tick, one bulk call.
  const [found, canView, allowed] = await Promise.all([
    row,
    caller.authz.can(resource, 'view'),
    permission === 'view' ? Promise.resolve(false) : caller.authz.can(resource, permission),
  ]);
  if (!found) {
    await caller.authz.concealMissing(started);
    return 'missing';
  }
  if (!isInScope(caller.principal, found.tenantId)) return 'hidden';
  if (permission === 'view' ? canView : allowed) return 'allowed';
  if (canView) return 'forbidden';
  caller.authz.noteHidden(started);
  return 'hidden';
}

/** The row if the caller may view it, else null. */
export async function viewable<T extends Guarded>(caller: Caller, resource: ObjectRef, row: Promise<T | null | undefined>): Promise<T | null> {
  const loaded = row.then((r) => r ?? null);
  return (await access(caller, loaded, 'view', resource)) === 'allowed' ? await loaded : null;
}

/** The row if the caller holds `permission` on it; NOT_FOUND when hidden or missing, FORBIDDEN otherwise. */
export async function authorize<T extends Guarded>(
  caller: Caller,
  resource: ObjectRef,
  row: Promise<T | null | undefined>,
  permission: Permission,
  what: string,
): Promise<T> {
  const loaded = row.then((r) => r ?? null);
  const verdict = await access(caller, loaded, permission, resource);
  const found = await loaded;
  if (verdict === 'allowed' && found) return found;
  if (verdict === 'forbidden') {
    throw new ForbiddenError(`You may not ${permission.replace('_', ' ')} this ${what.toLowerCase()}`, {
      reason: `MISSING_${permission.toUpperCase()}_PERMISSION`,
    });
  }
  throw new NotFoundError(`${what} not found`);
}
