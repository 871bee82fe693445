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
async function access<T extends Guarded>(
  caller: Caller,
  row: Promise<T | null>,
  permission: Permission,
  resource: ObjectRef,
  view: ViewCheck<T> | undefined,
): Promise<Access> {
  const started = performance.now();
  // The row first: a missing or out-of-scope one needs no check, and a found one tells `view` its
  // tenant (the tenant-admin shortcut). Answers repeat across requests, so most checks cost nothing.
  const found = await row;
  if (!found || !isInScope(caller.principal, found.tenantId)) {
    await caller.authz.concealMissing(started);
    return found ? 'hidden' : 'missing';
  }
  // Both checks in the same tick: one bulk call.
  const [canView, allowed] = await Promise.all([
    view ? view(found) : caller.authz.can(resource, 'view'),
    permission === 'view' ? Promise.resolve(false) : caller.authz.can(resource, permission),
  ]);
  if (permission === 'view' ? canView : allowed) return 'allowed';
  if (canView) return 'forbidden';
  caller.authz.noteHidden(started);
  return 'hidden';
}

/** How `view` is decided for a found row when the resource type has a shortcut (e.g. workspaces). */
export type ViewCheck<T> = (row: T) => Promise<boolean>;

/** The row if the caller may view it, else null. */
export async function viewable<T extends Guarded>(
  caller: Caller,
  resource: ObjectRef,
  row: Promise<T | null | undefined>,
  view?: ViewCheck<T>,
): Promise<T | null> {
  const loaded = row.then((r) => r ?? null);
  return (await access(caller, loaded, 'view', resource, view)) === 'allowed' ? await loaded : null;
}

/** The row if the caller holds `permission` on it; NOT_FOUND when hidden or missing, FORBIDDEN otherwise. */
export async function authorize<T extends Guarded>(
  caller: Caller,
  resource: ObjectRef,
  row: Promise<T | null | undefined>,
  permission: Permission,
  what: string,
  view?: ViewCheck<T>,
): Promise<T> {
  const loaded = row.then((r) => r ?? null);
  const verdict = await access(caller, loaded, permission, resource, view);
  const found = await loaded;
  if (verdict === 'allowed' && found) return found;
  if (verdict === 'forbidden') {
    throw new ForbiddenError(`You may not ${permission.replace('_', ' ')} this ${what.toLowerCase()}`, {
      reason: `MISSING_${permission.toUpperCase()}_PERMISSION`,
    });
  }
  throw new NotFoundError(`${what} not found`);
}
