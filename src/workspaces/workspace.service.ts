import { authorize, viewable } from '../authz/access.js';
import { tenantResource, workspaceResource, type PermissionOf } from '../authz/permissions.js';
import type { Committed, Transaction, UnitOfWork } from '../changes/unit-of-work.js';
import type { Db } from '../infra/db/database.js';
import type { Caller } from '../request/caller.js';
import { BadInputError, NotFoundError } from '../shared/errors.js';
import { newId, parseId } from '../shared/ids.js';
import { requireId } from '../shared/input.js';
import { nameFilterKey, validateName } from '../shared/names.js';
import { pageRequest, toPage, type Page, type PageArgs, type PageRequest, type Sorted } from '../shared/pagination.js';
import { holdTenantMembership } from '../tenants/tenant-member.repository.js';
import type { TenantService } from '../tenants/tenant.service.js';
import type { Tenant } from '../tenants/tenant.js';
import { countViewableTenantWorkspaces, listViewableTenantWorkspaces } from './viewable-workspaces.repository.js';
import { holdWorkspaceTree } from './workspace-tree.repository.js';
import { insertGrant } from './workspace-member.repository.js';
import { workspaceLoaders } from './workspace.loaders.js';
import { countChildren, countTenantWorkspaces, findWorkspacesByIds, holdParentWorkspace, insertWorkspace, listTenantWorkspaces, renameWorkspace } from './workspace.repository.js';
import type { Workspace } from './workspace.js';

export interface WorkspaceServiceDeps {
  db: Db;
  uow: UnitOfWork;
  tenants: TenantService;
  maxDepth: number;
  /** The name of every tenant's root workspace when it is made (DEFAULT_WORKSPACE_NAME). */
  rootName: string;
}

export interface FindOptions {
  /** How many levels of `parent` the query asks for next: loaded with the row in one statement. */
  parents?: number;
}

/**
 * The pages below that can be loaded ahead, up to the first one with bad arguments: that level's
 * own resolver reports the error where it belongs, and nothing under it is loaded for nothing.
 */
function validPages(below: readonly PageArgs[]): PageRequest[] {
  const pages: PageRequest[] = [];
  for (const args of below) {
    try {
      pages.push(pageRequest(args.first, args.after));
    } catch {
      break;
    }
  }
  return pages;
}

/** The workspace tree: every read and write, each opened by its access check (authz/access.ts); deletion is the trash's (lifecycle/workspace-trash.ts). */
export class WorkspaceService {
  constructor(private readonly deps: WorkspaceServiceDeps) {}

  /** How deep the tree may go: no query can find more levels of children than this. */
  get maxDepth(): number {
    return this.deps.maxDepth;
  }

  /** A workspace the caller may view; null when it is missing or hidden. */
  find(caller: Caller, id: string, options: FindOptions = {}): Promise<Workspace | null> {
    const loaders = caller.state(workspaceLoaders);
    if (!options.parents) return viewable(caller, 'workspace', id, loaders.byId.load(id));
    const parents = options.parents;
    const row = loaders.lineage(id).then(async (found) => {
      if (found) await this.askWalk(caller, found.workspace.tenantId, found.ancestors.slice(0, parents));
      return found?.workspace ?? null;
    });
    return viewable(caller, 'workspace', id, row);
  }

  /**
   * A walk up the tree (`parent { parent … }`) asks its questions so that a cold walk (a new
   * freshness token) costs SpiceDB as little as it can (issue 21): first `administrate` on the
   * tenant alone, which settles `view` of every workspace of the tenant in one cheap dispatch
   * (permission-door.ts); only when it is false, `view` of the ancestors the query goes on to read,
   * in the same tick as the workspace's own check: one bulk call for the whole walk, which SpiceDB
   * batches into one dispatch per level (its ids together), about the cost of the workspace's own
   * check. Asked in the bulk with `view`, `administrate` was no cheaper, and every `view` of a tenant
   * admin walked the whole chain up to the root for nothing. The answers wait in the request's loader.
   */
  private async askWalk(caller: Caller, tenantId: string, ancestors: readonly Workspace[]): Promise<void> {
    if (await caller.permissions.can(tenantResource(tenantId), 'administrate')) return;
    for (const ancestor of ancestors) void caller.permissions.view(workspaceResource(ancestor)).catch(() => undefined);
  }

  /** As `find`, for an id argument: a malformed one is BAD_USER_INPUT naming `field`. */
  get(caller: Caller, rawId: string, field = 'id', options: FindOptions = {}): Promise<Workspace | null> {
    return this.find(caller, requireId(field, rawId), options);
  }

  /** As `find`, for a federation reference: a malformed id is simply not found. */
  async byReference(caller: Caller, rawId: string): Promise<Workspace | null> {
    const id = parseId(rawId);
    return id ? this.find(caller, id) : null;
  }

  /** A workspace a listed grant was made on; the list checked that the caller may view it. */
  async grantedOn(caller: Caller, id: string): Promise<Workspace> {
    const workspace = await this.find(caller, id);
    if (!workspace) throw new NotFoundError('Workspace not found');
    return workspace;
  }

  /** The tenant's root, if the caller may view it. */
  async root(caller: Caller, tenantId: string): Promise<Workspace | null> {
    const root = await caller.state(workspaceLoaders).rootOf.load(tenantId);
    return root ? this.find(caller, root.id) : null;
  }

  /**
   * The tenant a viewable workspace belongs to. A workspace grant alone does not show the tenant:
   * without `view` on it this is NOT_FOUND (the field is non-null, so the workspace becomes null).
   */
  async tenantOf(caller: Caller, workspace: Workspace): Promise<Tenant> {
    const tenant = await this.deps.tenants.find(caller, workspace.tenantId);
    if (!tenant) throw new NotFoundError('Tenant not found', { reason: 'TENANT_HIDDEN' });
    return tenant;
  }

  /**
   * The children of `parent` the caller may view: all of them when they may view the parent, none
   * otherwise. schema.zed makes `view` inherit down the tree with no exclusion (`+ parent->view`), so
   * one check of the parent answers for every child, and recording that lets their own children
   * and `viewerPermissions { view }` skip SpiceDB too. A walk of d levels then costs one check at the
   * top instead of one per node; tests/unit/schema-zed.test.ts fails if the schema stops allowing it.
   * `below`: the pages the query asks of the levels underneath, loaded in the same statement.
   */
  async children(caller: Caller, parent: Workspace, args: PageArgs, below: readonly PageArgs[] = []): Promise<Page<Sorted<Workspace>>> {
    const page = pageRequest(args.first, args.after);
    const rows = toPage(await caller.state(workspaceLoaders).childrenOf(parent, page, validPages(below)), page.first);
    if (!(await caller.permissions.view(workspaceResource(parent)))) return { items: [], hasNextPage: rows.hasNextPage, count: () => Promise.resolve(0) };
    caller.permissions.inheritView(rows.items.map((row) => row.node.id));
    return { ...rows, count: async () => countChildren(await caller.reads(), parent.id) };
  }

  /**
   * The parent, if the caller may view it. Visibility does not inherit upwards, so each ancestor
   * needs its own check; loading the chain in one statement and checking, in one bulk call, as many
   * ancestors as the query goes on to ask for (`levels`) makes a breadcrumb walk
   * `parent { parent { ... } }` cost O(1) round trips instead of one per level.
   */
  async parent(caller: Caller, workspace: Workspace, levels: number): Promise<Workspace | null> {
    if (!workspace.parentId) return null;
    const chain = await caller.state(workspaceLoaders).ancestorsOf(workspace.id);
    await Promise.all(chain.slice(0, levels).map((a) => caller.permissions.view(workspaceResource(a))));
    return this.find(caller, workspace.parentId);
  }

  /**
   * Workspaces of a tenant the caller can view, by name. Tenant admins view all of them (schema.zed:
   * view includes tenant->administrate); anyone else views the subtrees of their own grants and
   * their groups', which PostgreSQL pages directly (viewable-workspaces.repository.ts): no
   * LookupResources, and a page costs the same whatever those subtrees hold. NOT_FOUND (field
   * `tenantId`) when the tenant itself is hidden, missing or outside an API key's tenant.
   */
  async listInTenant(caller: Caller, rawTenantId: string, args: PageArgs & { nameContains?: string | null }): Promise<Page<Sorted<Workspace>>> {
    const tenantId = requireId('tenantId', rawTenantId);
    const page = pageRequest(args.first, args.after);
    const nameKeyContains = nameFilterKey('nameContains', args.nameContains);
    const notFound = (): NotFoundError => new NotFoundError('Tenant not found', { extensions: { field: 'tenantId' } });
    // Both questions in one bulk call (and answered from the cache once asked at this token); none outside an API key's tenant.
    const tenant = tenantResource(tenantId);
    const [administrate, view] = await Promise.all([caller.permissions.can(tenant, 'administrate'), caller.permissions.can(tenant, 'view')]);
    // Hidden, missing and out of scope look alike, in content and timing: find() decides and conceals.
    if (!view && !(await this.deps.tenants.find(caller, tenantId))) throw notFound();
    const reads = await caller.reads();
    const found = administrate
      ? await listTenantWorkspaces(reads, { tenantId, nameKeyContains }, page)
      : await listViewableTenantWorkspaces(reads, { tenantId, userId: caller.principal.userId, nameKeyContains }, page);
    caller.budget.spend(found.length);
    // A non-empty page proves the tenant exists (workspaces reference it): only an empty one needs its row.
    if (found.length === 0 && !(await this.deps.tenants.find(caller, tenantId))) throw notFound();
    // Listed through the caller's grants: viewable by the model, so nested fields need not ask again.
    if (!administrate) caller.permissions.inheritView(found.map((item) => item.node.id));
    const userId = caller.principal.userId;
    const count = administrate
      ? () => countTenantWorkspaces(reads, { tenantId, nameKeyContains })
      : () => countViewableTenantWorkspaces(reads, { tenantId, userId, nameKeyContains });
    return { ...toPage(found, page.first), count };
  }

  async create(caller: Caller, input: { parentId: string; name: string }): Promise<Committed<Workspace>> {
    const parentId = requireId('parentId', input.parentId);
    const name = validateName('name', input.name);
    const authorized = await authorize(caller, 'workspace', parentId, this.load(parentId), 'create_child', 'Parent workspace');
    return this.deps.uow.run(
      async ({ trx, emit }) => {
        // The parent as it is now, held against deletion until commit, and its depth read after any
        // move in flight committed (the tree lock): not from the row the check read, and a deletion
        // of the parent waits for this child, then sees it.
        await holdWorkspaceTree(trx, authorized.tenantId, 'shared');
        const parent = await holdParentWorkspace(trx, parentId);
        if (!parent) throw new NotFoundError('Parent workspace not found');
        if (parent.depth + 1 > this.deps.maxDepth) {
          throw new BadInputError('parentId', `Workspaces may be nested at most ${this.deps.maxDepth} levels deep`, 'WORKSPACE_TOO_DEEP');
        }
        // Only the tenant's members hold its roles, and one being removed right now must not keep this one.
        const membership = await holdTenantMembership(trx, parent.tenantId, caller.principal.userId);
        if (!membership) throw new NotFoundError('Parent workspace not found');
        const workspace = await insertWorkspace(trx, { id: newId(), tenantId: parent.tenantId, parentId: parent.id, name, depth: parent.depth + 1 });
        const creator = { type: 'user' as const, id: caller.principal.userId };
        // A creator whose membership expires holds their new workspace until then, not longer.
        await insertGrant(trx, workspace.id, creator, 'admin', membership.expiresAt);
        emit({ type: 'WorkspaceCreated', tenantId: workspace.tenantId, workspaceId: workspace.id, parentId: parent.id, name });
        emit({
          type: 'WorkspaceMemberAdded',
          tenantId: workspace.tenantId,
          workspaceId: workspace.id,
          subject: creator,
          role: 'admin',
          ...(membership.expiresAt ? { expiresAt: membership.expiresAt.toISOString() } : {}),
        });
        return workspace;
      },
      { by: caller, tenant: { id: authorized.tenantId, lock: 'write' } },
    );
  }

  /** The root workspace of a tenant that has none (a new tenant, or one a bootstrap finds without). */
  async insertRoot({ trx, emit }: Transaction, tenantId: string): Promise<Workspace> {
    const root = await insertWorkspace(trx, { id: newId(), tenantId, parentId: null, name: this.deps.rootName, depth: 0 });
    emit({ type: 'WorkspaceCreated', tenantId, workspaceId: root.id, parentId: null, name: root.name });
    return root;
  }

  async rename(caller: Caller, input: { id: string; name: string }): Promise<Committed<Workspace>> {
    const id = requireId('id', input.id);
    const name = validateName('name', input.name);
    const current = await authorize(caller, 'workspace', id, this.load(id), 'manage', 'Workspace');
    if (current.name === name) return { value: current, authorizationSynced: true };
    return this.deps.uow.run(
      async ({ trx, emit }) => {
        // The new name gives it and its subtree new tree keys (migrations/0010): no create below may
        // read a parent's key meanwhile, nor a move rewrite them: the tenant's tree exclusively.
        await holdWorkspaceTree(trx, current.tenantId, 'exclusive');
        const renamed = await renameWorkspace(trx, id, name);
        emit({ type: 'WorkspaceRenamed', tenantId: renamed.tenantId, workspaceId: id, name, previousName: current.name });
        return renamed;
      },
      { by: caller, tenant: { id: current.tenantId, lock: 'write' } },
    );
  }

  /** The workspace, when the caller holds `permission` on it: NOT_FOUND when hidden or missing, FORBIDDEN otherwise. */
  authorize(caller: Caller, id: string, permission: PermissionOf<'workspace'>): Promise<Workspace> {
    return authorize(caller, 'workspace', id, this.load(id), permission, 'Workspace');
  }

  /** Writes decide on the primary's current row, never a replica's or a cached one. */
  private async load(id: string): Promise<Workspace | undefined> {
    return (await findWorkspacesByIds(this.deps.db, [id])).get(id);
  }
}
