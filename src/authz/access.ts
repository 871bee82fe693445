import type { Caller } from '../request/caller.js';
import { ForbiddenError, NotFoundError } from '../shared/errors.js';
import type { PermissionOf, Resource, ResourceType } from './permissions.js';

/** A resource as the access rules need it: the tenant it lives in. */
export interface Guarded {
  tenantId: string;
}

type Access = 'allowed' | 'forbidden' | 'hidden' | 'missing';

/**
 * The one rule for every read and write: a resource that does not exist, lies outside an API key's
 * tenant, or that the caller cannot view is hidden, and hidden and missing must look alike, in
 * content and in timing (Concealment). A permission alone is enough to act even without `view`
 * (tenant members may create children of a root they cannot see). Checks go through the
 * caller's PermissionDoor, which applies the tenant-admin shortcut.
 */
async function access<R extends ResourceType, T extends Guarded>(
  caller: Caller,
  type: R,
  id: string,
  row: Promise<T | null>,
  permission: PermissionOf<R>,
): Promise<Access> {
  const door = caller.permissions;
  const started = performance.now();
  // The row first: a missing or out-of-scope one needs no check, and a found one tells the door its
  // tenant (the tenant-admin shortcut). Answers repeat across requests, so most checks cost nothing.
  const found = await row;
  if (!found || !door.inScope(found.tenantId)) {
    await door.concealMissing(started);
    return found ? 'hidden' : 'missing';
  }
  const resource: Resource<R> = { type, id, tenantId: found.tenantId };
  // Both checks in the same tick: one bulk call.
  const viewOnly = permission === 'view';
  const [canView, allowed] = await Promise.all([door.view(resource), viewOnly ? Promise.resolve(false) : door.can(resource, permission)]);
  if (viewOnly ? canView : allowed) return 'allowed';
  if (canView) return 'forbidden';
  door.noteHidden(started);
  return 'hidden';
}

/** The row if the caller may view it, else null. */
export async function viewable<R extends ResourceType, T extends Guarded>(caller: Caller, type: R, id: string, row: Promise<T | null | undefined>): Promise<T | null> {
  const loaded = row.then((r) => r ?? null);
  return (await access(caller, type, id, loaded, 'view' as PermissionOf<R>)) === 'allowed' ? await loaded : null;
}

/** The row if the caller holds `permission` on it; NOT_FOUND when hidden or missing, FORBIDDEN otherwise. */
export async function authorize<R extends ResourceType, T extends Guarded>(
  caller: Caller,
  type: R,
  id: string,
  row: Promise<T | null | undefined>,
  permission: PermissionOf<R>,
  what: string,
): Promise<T> {
  const loaded = row.then((r) => r ?? null);
  const verdict = await access(caller, type, id, loaded, permission);
  const found = await loaded;
  if (verdict === 'allowed' && found) return found;
  if (verdict === 'forbidden') {
    throw new ForbiddenError(`You may not ${permission.replace('_', ' ')} this ${what.toLowerCase()}`, {
      reason: `MISSING_${permission.toUpperCase()}_PERMISSION`,
      refusal: { resourceType: type, resourceId: id, tenantId: found?.tenantId ?? '', permission },
    });
  }
  throw new NotFoundError(`${what} not found`);
}
