import { permissionOf, type Permission, type PermissionOf, type Resource, type ResourceType } from '../authz/permissions.js';
import type { Caller } from '../request/caller.js';
import { BadInputError } from '../shared/errors.js';
import { requireId } from '../shared/input.js';
import { findResourceTenants } from './resource-tenants.repository.js';

/** How many checks one request may ask: a peer rendering a page asks for what it shows. */
export const MAX_PERMISSION_CHECKS = 100;

/** One question as a client names it: the permission by its schema.zed name, checked against the type here. */
export interface PermissionCheckRequest {
  resourceType: ResourceType;
  resourceId: string;
  permission: string;
}

/** How many checks this request asked so far: aliases must not multiply the limit. */
const asked = (): { count: number } => ({ count: 0 });

interface ParsedCheck {
  resourceType: ResourceType;
  resourceId: string;
  permission: Permission;
}

/**
 * The permission API's batched check: what the caller (the request's credentials, so a peer that
 * forwards its caller's credentials asks for that caller) may do, resource by resource. Every
 * answer goes through the caller's PermissionDoor, so an API key's tenant scope and the
 * tenant-admin shortcut hold as everywhere, the answers of one request are one CheckBulkPermissions
 * call and answers at the request's freshness token come from the shared answer cache.
 *
 * No oracle: a resource that does not exist, lies outside an API key's tenant, or on which the
 * caller holds nothing answers false, exactly as a missing one; its row is read only to know its
 * tenant (one statement for every check, resource-tenants.repository.ts). `true` is exactly what
 * the matching mutation's authorize() accepts: a permission without `view` is enough (tenant members
 * may create children of a root they cannot see), so a peer enforcing with it agrees with us.
 */
export class PermissionCheckService {
  async check(caller: Caller, requests: readonly PermissionCheckRequest[]): Promise<boolean[]> {
    const sofar = caller.state(asked);
    if (sofar.count + requests.length > MAX_PERMISSION_CHECKS) {
      throw new BadInputError('checks', `At most ${MAX_PERMISSION_CHECKS} checks per request, all checkPermissions fields together (got ${sofar.count + requests.length})`, 'TOO_MANY_CHECKS');
    }
    const checks = requests.map((request, i) => parseCheck(request, i));
    sofar.count += checks.length;
    const started = performance.now();
    const door = caller.permissions;
    // The resources' tenants first, in one statement; then every check in one tick: one bulk call.
    const tenants = await tenantsOf(caller, checks);
    const answers = await Promise.all(
      checks.map((check, i) => {
        const tenantId = tenants[i];
        if (tenantId === null || tenantId === undefined) return false;
        const resource: Resource = { type: check.resourceType, id: check.resourceId, tenantId };
        return door.can(resource, check.permission as PermissionOf<typeof resource.type>);
      }),
    );
    // A batch of nothing but missing resources asks SpiceDB nothing: it must not answer faster than one hidden resource would.
    if (tenants.some((t) => t === null)) await door.concealMissing(started);
    return answers;
  }
}

function parseCheck(request: PermissionCheckRequest, i: number): ParsedCheck {
  const resourceId = requireId(`checks[${i}].resourceId`, request.resourceId);
  const permission = permissionOf(request.resourceType, request.permission);
  if (!permission) {
    throw new BadInputError(
      `checks[${i}].permission`,
      `A ${request.resourceType} defines no permission ${request.permission.toUpperCase()}`,
      'PERMISSION_NOT_DEFINED',
    );
  }
  return { resourceType: request.resourceType, resourceId, permission };
}

/** The tenant each check's resource lives in, or null when it does not exist (trashed workspaces included). */
async function tenantsOf(caller: Caller, checks: readonly ParsedCheck[]): Promise<(string | null)[]> {
  const idsOf = (type: ResourceType): string[] => [...new Set(checks.filter((c) => c.resourceType === type).map((c) => c.resourceId))];
  const found = await findResourceTenants(await caller.reads(), { workspace: idsOf('workspace'), group: idsOf('group'), api_key: idsOf('api_key') });
  caller.budget.spend(found.size);
  // A tenant is its own scope; one that does not exist holds no relationship, so SpiceDB answers false.
  return checks.map((c) => (c.resourceType === 'tenant' ? c.resourceId : (found.get(`${c.resourceType}:${c.resourceId}`) ?? null)));
}
