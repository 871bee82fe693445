import { authorize } from '../authz/access.js';
import type { Committed, UnitOfWork } from '../changes/unit-of-work.js';
import { systemActor } from '../events/actor.js';
import type { Db } from '../infra/db/database.js';
import type { Caller } from '../request/caller.js';
import { BadInputError, ConflictError, ForbiddenError, NotFoundError } from '../shared/errors.js';
import { requireId } from '../shared/input.js';
import { validateName } from '../shared/names.js';
import { pageRequest, toPage, type Page, type PageArgs, type PageRequest, type Sorted } from '../shared/pagination.js';
import type { TenantService } from '../tenants/tenant.service.js';
import {
  expiredTrash,
  findTrashedWorkspace,
  grantsOn,
  countTrash,
  listTrash,
  lockTrashedWorkspace,
  purgeSubtree,
  restoreWorkspaceRow,
  trashWorkspaceRow,
} from '../workspaces/workspace-trash.repository.js';
import { findWorkspacesByIds, hasChildren, holdParentWorkspace, lockWorkspace } from '../workspaces/workspace.repository.js';
import { holdWorkspaceTree } from '../workspaces/workspace-tree.repository.js';
import type { Workspace } from '../workspaces/workspace.js';

export interface WorkspaceTrashDeps {
  db: Db;
  uow: UnitOfWork;
  tenants: TenantService;
  /** WORKSPACE_RETENTION_DAYS: how long a trashed workspace can be restored. */
  retentionDays: number;
  maxDepth: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;
const TIMESTAMP_KEY = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?[+-]\d{2}(:\d{2}){0,2}$/;
const parentDeleted = () => new ConflictError('The parent workspace is in the trash or gone: restore the parent first', { reason: 'PARENT_DELETED' });
const notFound = () => new NotFoundError('Workspace not found');

/**
 * Deleting a workspace moves it to the trash; a restore brings it back under its old parent with
 * its grants; a purge (a tenant admin's, or the retention's as SYSTEM) erases it. The trashed row
 * and its grants stay in PostgreSQL while its relationships leave SpiceDB (WorkspaceTrashed), so it
 * disappears from every check and every read (each filters `deleted_at IS NULL`). Grants of people
 * who left, or of groups deleted, meanwhile were deleted with them and do not come back.
 */
export class WorkspaceTrash {
  constructor(private readonly deps: WorkspaceTrashDeps) {}

  /** `deleteWorkspace`: needs `manage`; a workspace with live children cannot go (its trashed ones do not count). */
  async delete(caller: Caller, input: { id: string }): Promise<Committed<string>> {
    const id = requireId('id', input.id);
    const target = await authorize(caller, 'workspace', id, this.live(id), 'manage', 'Workspace');
    if (target.isRoot) throw new ConflictError('The root workspace cannot be deleted', { reason: 'CANNOT_DELETE_ROOT' });
    return this.deps.uow.run(
      async ({ trx, emit }) => {
        // Not while a move rewrites the tree; FOR UPDATE waits for a child being created (which
        // holds this row) and for grants being written.
        await holdWorkspaceTree(trx, target.tenantId, 'shared');
        const locked = await lockWorkspace(trx, id);
        if (!locked) throw notFound();
        if (await hasChildren(trx, id)) throw new ConflictError('Delete the children of this workspace first', { reason: 'WORKSPACE_HAS_CHILDREN' });
        const members = await grantsOn(trx, id);
        await trashWorkspaceRow(trx, id, caller.principal.userId);
        emit({ type: 'WorkspaceTrashed', tenantId: locked.tenantId, workspaceId: id, parentId: locked.parentId, name: locked.name, members });
        return id;
      },
      { by: caller, tenant: { id: target.tenantId, lock: 'write' } },
    );
  }

  /**
   * `restoreWorkspace`: for whoever may `manage` the parent (the workspace's own admins lost their
   * access with it). CONFLICT PARENT_DELETED while the parent is in the trash or gone (told only
   * to tenant admins, who can see the trash; others get NOT_FOUND); WORKSPACE_NAME_TAKEN when a
   * live sibling took the name and no `newName` is given.
   */
  async restore(caller: Caller, input: { id: string; newName?: string | null }): Promise<Committed<Workspace>> {
    const id = requireId('id', input.id);
    const newName = input.newName === null || input.newName === undefined ? null : validateName('newName', input.newName);
    const trashed = await findTrashedWorkspace(this.deps.db, id, this.deps.retentionDays);
    if (!trashed || !caller.permissions.inScope(trashed.tenantId) || !trashed.parentId) throw notFound();
    const parentId = trashed.parentId;
    if (await this.live(parentId)) {
      await authorize(caller, 'workspace', parentId, this.live(parentId), 'manage', 'Workspace');
    } else {
      await this.tenantAdmin(caller, trashed.tenantId);
      throw parentDeleted();
    }
    return this.deps.uow.run(
      async ({ trx, emit }) => {
        // The parent's depth as it is after any move in flight; a new name gives the subtree new tree
        // keys (migrations/0010), which no create below may read meanwhile: then exclusively.
        const renaming = newName !== null && newName !== trashed.name;
        await holdWorkspaceTree(trx, trashed.tenantId, renaming ? 'exclusive' : 'shared');
        const locked = await lockTrashedWorkspace(trx, id);
        if (!locked) throw notFound();
        // Held against the parent's own deletion until commit, which then sees this child.
        const parent = await holdParentWorkspace(trx, parentId);
        if (!parent) throw parentDeleted();
        if (parent.depth + 1 > this.deps.maxDepth) throw new BadInputError('id', `Workspaces may be nested at most ${this.deps.maxDepth} levels deep`, 'WORKSPACE_TOO_DEEP');
        const restored = await restoreWorkspaceRow(trx, id, newName ?? locked.name);
        const members = await grantsOn(trx, id);
        emit({ type: 'WorkspaceRestored', tenantId: locked.tenantId, workspaceId: id, parentId, name: restored.name, previousName: locked.name, members });
        return { ...restored, deletedAt: null, deletedById: null };
      },
      { by: caller, tenant: { id: trashed.tenantId, lock: 'write' } },
    );
  }

  /** `purgeWorkspace`: a tenant admin erases a trashed workspace (with what lies below it, all trashed) now. */
  async purge(caller: Caller, input: { id: string }): Promise<Committed<string>> {
    const id = requireId('id', input.id);
    const live = await this.live(id);
    if (live) {
      await this.deps.tenants.authorize(caller, live.tenantId, 'administrate');
      throw new ConflictError('Only a workspace in the trash can be purged; delete it first', { reason: 'WORKSPACE_NOT_DELETED' });
    }
    const trashed = await findTrashedWorkspace(this.deps.db, id, null);
    if (!trashed || !caller.permissions.inScope(trashed.tenantId)) throw notFound();
    await this.tenantAdmin(caller, trashed.tenantId);
    return this.purgeNow(id, trashed.tenantId, caller);
  }

  /** The retention's purge, as SYSTEM: every workspace trashed before `now - WORKSPACE_RETENTION_DAYS`. */
  async purgeExpired(now: Date): Promise<number> {
    const before = new Date(now.getTime() - this.deps.retentionDays * DAY_MS);
    let purged = 0;
    for (;;) {
      const due = await expiredTrash(this.deps.db, before, 100);
      if (due.length === 0) return purged;
      for (const w of due) {
        try {
          await this.purgeNow(w.id, w.tenantId, { actor: systemActor('retention') });
          purged += 1;
        } catch (error) {
          // Gone meanwhile (purged with its parent, restored, its tenant deleted): nothing left to do.
          if (!(error instanceof NotFoundError)) throw error;
        }
      }
    }
  }

  /** `Tenant.deletedWorkspaces`: the trash, newest first, for tenant admins. */
  async list(caller: Caller, tenantId: string, args: PageArgs): Promise<Page<Sorted<Workspace>>> {
    const page = trashPage(args);
    await this.deps.tenants.authorize(caller, tenantId, 'administrate');
    const rows = await listTrash(this.deps.db, tenantId, page);
    caller.budget.spend(rows.length);
    return { ...toPage(rows, page.first), count: () => countTrash(this.deps.db, tenantId) };
  }

  /** When the retention will purge a trashed workspace; null for a live one. */
  purgeAfter(workspace: Workspace): Date | null {
    return workspace.deletedAt ? new Date(workspace.deletedAt.getTime() + this.deps.retentionDays * DAY_MS) : null;
  }

  private purgeNow(id: string, tenantId: string, by: Parameters<UnitOfWork['run']>[1]['by']): Promise<Committed<string>> {
    return this.deps.uow.run(
      async ({ trx, emit, emitConsequence }) => {
        // Erasing rows removes their ancestry: not while a move rewrites it.
        await holdWorkspaceTree(trx, tenantId, 'shared');
        if (!(await lockTrashedWorkspace(trx, id))) throw notFound();
        for (const w of await purgeSubtree(trx, id)) {
          const event = { type: 'WorkspacePurged' as const, tenantId, workspaceId: w.id, parentId: w.parentId, name: w.name, members: w.grants };
          if (w.id === id) emit(event);
          else emitConsequence(event);
        }
        return id;
      },
      { by, tenant: { id: tenantId, lock: 'write' } },
    );
  }

  /** Only tenant admins see the trash: anyone else is told nothing is there. */
  private async tenantAdmin(caller: Caller, tenantId: string): Promise<void> {
    try {
      await this.deps.tenants.authorize(caller, tenantId, 'administrate');
    } catch (error) {
      if (error instanceof ForbiddenError || error instanceof NotFoundError) throw notFound();
      throw error;
    }
  }

  /** Writes decide on the primary's current row. */
  private async live(id: string): Promise<Workspace | undefined> {
    return (await findWorkspacesByIds(this.deps.db, [id])).get(id);
  }
}

function trashPage(args: PageArgs): PageRequest {
  const page = pageRequest(args.first, args.after);
  if (page.after && !TIMESTAMP_KEY.test(page.after.key)) throw new BadInputError('after', 'after is not a cursor returned by this API', 'INVALID_CURSOR');
  return page;
}
