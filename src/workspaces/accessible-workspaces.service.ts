import { tenantResource } from '../authz/permissions.js';
import type { Caller } from '../request/caller.js';
import { AppError, BadInputError, NotFoundError } from '../shared/errors.js';
import { requireId } from '../shared/input.js';
import { pageRequest, toPage, type Page, type PageArgs, type Sorted } from '../shared/pagination.js';
import type { TenantService } from '../tenants/tenant.service.js';
import { countInSubtrees, findAccessibleSubtrees, walkSubtrees, type AccessibleSubtree } from './accessible-workspaces.repository.js';
import { ROLES_GIVING, tenantMembersHoldOnRoot, workspacePermission } from './workspace-access.js';
import { workspaceLoaders } from './workspace.loaders.js';
import type { Workspace } from './workspace.js';

/** A page that cannot be completed within the request's row limit fails rather than comes back short. */
export class LookupTooLargeError extends AppError {
  override name = 'LookupTooLargeError';
  readonly code = 'BAD_USER_INPUT' as const;
}

const invalidCursor = (): BadInputError =>
  new BadInputError('after', 'after names a workspace the caller no longer holds this permission on (moved, deleted or revoked): start again without it', 'INVALID_CURSOR');

const lookupTooLarge = (): LookupTooLargeError =>
  new LookupTooLargeError("This page cannot be completed within the request's row limit: ask for a smaller page (first), in a request of its own", {
    reason: 'LOOKUP_TOO_LARGE',
    extensions: { field: 'first' },
  });

/**
 * Workspaces of a tenant on which the caller holds a permission, in tree order, for peers that
 * enforce on their own: never LookupResources, never cut short. Tenant admins hold every workspace
 * permission on the whole tree (schema.zed: `+ tenant->administrate` in each); anyone else holds it
 * on the subtrees of their grants of the roles that give it (workspace-access.ts), plus, for
 * create_child, the root alone as a tenant member. Those subtrees are disjoint and each is
 * contiguous in pre-order, so a page walks them in tree order from the cursor's node, crossing from
 * one subtree to the next, in one statement (walkSubtrees): it costs what it returns, however many
 * workspaces the caller can reach and however many subtrees the page crosses; finding the subtrees
 * costs one more, which grows with the caller's grants in the tenant.
 */
export class AccessibleWorkspaces {
  constructor(private readonly deps: { tenants: TenantService }) {}

  async list(caller: Caller, rawTenantId: string, permissionName: string, args: PageArgs): Promise<Page<Sorted<Workspace>>> {
    const tenantId = requireId('tenantId', rawTenantId);
    const permission = workspacePermission('permission', permissionName);
    const page = pageRequest(args.first, args.after);
    const tenant = tenantResource(tenantId);
    const [administrate, member] = await Promise.all([caller.permissions.can(tenant, 'administrate'), caller.permissions.can(tenant, 'view')]);
    // Hidden, missing and out of scope look alike, in content and timing: find() decides and conceals.
    if (!member && !(await this.deps.tenants.find(caller, tenantId))) throw new NotFoundError('Tenant not found', { extensions: { field: 'tenantId' } });
    const subtrees = administrate ? await this.wholeTenant(caller, tenantId) : await this.granted(caller, tenantId, permission, page.after?.id ?? null);
    let after: { index: number; id: string } | undefined;
    if (page.after) {
      const index = subtrees.findIndex((s) => s.holdsCursor);
      if (index < 0) throw invalidCursor();
      after = { index, id: page.after.id };
    }
    const remaining = caller.budget.remaining;
    const walk = await walkSubtrees(await caller.reads(), { subtrees, after, limit: page.first + 1, maxVisited: remaining + 1 });
    if (!walk.started) throw invalidCursor();
    if (walk.visited > remaining) throw lookupTooLarge();
    caller.budget.spend(walk.visited);
    // Every role that gives a workspace permission gives view too, as tenant admins hold view: nested
    // fields need not ask. Not the root a tenant member holds create_child on alone.
    const lone = new Set(subtrees.filter((s) => !s.whole).map((s) => s.id));
    caller.permissions.inheritView(walk.items.filter((item) => !lone.has(item.node.id)).map((item) => item.node.id));
    return { ...toPage(walk.items, page.first), count: async () => countInSubtrees(await caller.reads(), subtrees) };
  }

  private async wholeTenant(caller: Caller, tenantId: string): Promise<AccessibleSubtree[]> {
    const root = await caller.state(workspaceLoaders).rootOf.load(tenantId);
    return root ? [{ id: root.id, depth: 0, whole: true, chain: [], holdsCursor: true }] : [];
  }

  private async granted(caller: Caller, tenantId: string, permission: ReturnType<typeof workspacePermission>, cursorId: string | null): Promise<AccessibleSubtree[]> {
    const remaining = caller.budget.remaining;
    const subtrees = await findAccessibleSubtrees(await caller.reads(), {
      tenantId,
      userId: caller.principal.userId,
      roles: ROLES_GIVING[permission],
      withRoot: tenantMembersHoldOnRoot(permission),
      cursorId,
    });
    if (subtrees.length > remaining) throw lookupTooLarge();
    caller.budget.spend(subtrees.length);
    return subtrees.sort((a, b) => compareChains(a.chain, b.chain));
  }
}

/** Tree order of two disjoint subtrees: their chains from the root compared pair by pair, name keys in code-point order (COLLATE "C"), then ids. */
function compareChains(a: readonly [string, string][], b: readonly [string, string][]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i += 1) {
    const [keyA, idA] = a[i] as [string, string];
    const [keyB, idB] = b[i] as [string, string];
    const byKey = compareCodePoints(keyA, keyB);
    if (byKey !== 0) return byKey;
    if (idA !== idB) return idA < idB ? -1 : 1;
  }
  return a.length - b.length;
}

function compareCodePoints(a: string, b: string): number {
  if (a === b) return 0;
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  for (;;) {
    const ca = ia.next();
    const cb = ib.next();
    if (ca.done || cb.done) return ca.done && cb.done ? 0 : ca.done ? -1 : 1;
    const pa = ca.value.codePointAt(0) ?? 0;
    const pb = cb.value.codePointAt(0) ?? 0;
    if (pa !== pb) return pa - pb;
  }
}
