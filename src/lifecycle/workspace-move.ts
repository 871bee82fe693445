import { authorize, viewable } from '../authz/access.js';
import { workspaceResource } from '../authz/permissions.js';
import type { Committed, UnitOfWork } from '../changes/unit-of-work.js';
import type { Db } from '../infra/db/database.js';
import type { Caller } from '../request/caller.js';
import { ConflictError, ForbiddenError, NotFoundError } from '../shared/errors.js';
import { requireId } from '../shared/input.js';
import { subtreeHeightAndSize } from '../workspaces/workspace-descendants.repository.js';
import { holdWorkspaceTree } from '../workspaces/workspace-tree.repository.js';
import {
  findWorkspacesByIds,
  holdParentWorkspace,
  isAncestorOrSelf,
  lockWorkspace,
  reparentWorkspace,
  siblingNameTaken,
} from '../workspaces/workspace.repository.js';
import type { Workspace } from '../workspaces/workspace.js';

export interface WorkspaceMoveDeps {
  db: Db;
  uow: UnitOfWork;
  maxDepth: number;
}

const notFound = (): NotFoundError => new NotFoundError('Workspace not found', { extensions: { field: 'id' } });
const parentNotFound = (): NotFoundError => new NotFoundError('New parent workspace not found', { extensions: { field: 'newParentId' } });

/**
 * Moving a subtree under a new parent of the same tenant (GCP's rule: the resource, its current
 * parent and the new parent). The subtree keeps its rows and grants; the one `parent` edge in
 * SpiceDB is swapped, so what the subtree inherits follows the tree from the next request on.
 */
export class WorkspaceMove {
  constructor(private readonly deps: WorkspaceMoveDeps) {}

  async move(caller: Caller, input: { id: string; newParentId: string }): Promise<Committed<Workspace>> {
    const id = requireId('id', input.id);
    const newParentId = requireId('newParentId', input.newParentId);
    // Both rows in one statement, from the primary: writes decide on current rows.
    const rows = findWorkspacesByIds(this.deps.db, [id, newParentId]);
    const [target, destination] = await Promise.all([
      viewable(caller, 'workspace', id, rows.then((r) => r.get(id))),
      authorize(caller, 'workspace', newParentId, rows.then((r) => r.get(newParentId)), 'create_child', 'New parent workspace').catch((error: unknown) => {
        throw error instanceof NotFoundError ? parentNotFound() : error;
      }),
    ]);
    if (!target) throw notFound();
    if (destination.tenantId !== target.tenantId) throw parentNotFound();
    if (!target.parentId) throw new ConflictError('The root workspace cannot be moved', { reason: 'CANNOT_MOVE_ROOT' });
    const previousParentId = target.parentId;
    // A subtree's own admins may not pull it out from under the admins above it.
    if (!(await caller.permissions.can(workspaceResource({ id: previousParentId, tenantId: target.tenantId }), 'manage'))) {
      throw new ForbiddenError('You may not move a workspace out of a parent you do not manage', {
        reason: 'MISSING_MANAGE_PERMISSION',
        refusal: { resourceType: 'workspace', resourceId: previousParentId, tenantId: target.tenantId, permission: 'manage' },
      });
    }
    if (previousParentId === newParentId) return { value: target, authorizationSynced: true };
    return this.deps.uow.run(
      async ({ trx, emit }) => {
        // Exclusive: no create, rename, delete or other move of this tenant's tree runs meanwhile,
        // so the checks below hold until commit, and two crossing moves cannot both pass them.
        await holdWorkspaceTree(trx, target.tenantId, 'exclusive');
        const current = await lockWorkspace(trx, id);
        if (!current) throw notFound();
        // Moved meanwhile: the permission checked was on a parent it no longer has.
        if (current.parentId !== previousParentId) {
          throw new ConflictError('The workspace was moved meanwhile; read it again and retry', { reason: 'WORKSPACE_MOVED_MEANWHILE' });
        }
        const parent = await holdParentWorkspace(trx, newParentId);
        if (!parent) throw parentNotFound();
        if (await isAncestorOrSelf(trx, id, newParentId)) {
          throw new ConflictError('A workspace cannot move into itself or one of its descendants', { reason: 'WOULD_CREATE_CYCLE' });
        }
        const { height, size } = await subtreeHeightAndSize(trx, id);
        if (parent.depth + 1 + height > this.deps.maxDepth) {
          throw new ConflictError(`The subtree would reach below the deepest level allowed (${this.deps.maxDepth})`, { reason: 'WORKSPACE_TOO_DEEP' });
        }
        if (await siblingNameTaken(trx, newParentId, current.name, id)) {
          throw new ConflictError('The new parent already has a child of this name', { reason: 'WORKSPACE_NAME_TAKEN' });
        }
        const moved = await reparentWorkspace(trx, id, parent);
        emit({ type: 'WorkspaceMoved', tenantId: moved.tenantId, workspaceId: id, previousParentId, parentId: parent.id, name: moved.name, subtreeSize: size });
        return moved;
      },
      { by: caller, tenant: { id: target.tenantId, lock: 'write' } },
    );
  }
}
