import type { Actor } from '../authz/actor.js';
import { authorize } from '../authz/guard.js';
import type { Db } from '../infra/db/database.js';
import { addWorkspaceMember, listWorkspaceMembers } from '../memberships/membership.repository.js';
import type { Committed, Transactor } from '../outbox/transactor.js';
import { BadInputError, ConflictError, NotFoundError } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import { validateName } from '../shared/names.js';
import type { Logger } from '../logger.js';
import { requireId } from '../shared/input.js';
import {
  deleteWorkspaceRow,
  findWorkspacesByIds,
  hasChildren,
  insertWorkspace,
  lockWorkspace,
  renameWorkspace,
} from './workspace.repository.js';
import type { Workspace } from './workspace.js';

export interface WorkspaceServiceDeps {
  db: Db;
  transactor: Transactor;
  maxDepth: number;
  logger: Logger;
}

/** Rules for changing the workspace tree. Reads for GraphQL go through loaders, not this service. */
export class WorkspaceService {
  constructor(private readonly deps: WorkspaceServiceDeps) {}

  private async load(id: string): Promise<Workspace | undefined> {
    return (await findWorkspacesByIds(this.deps.db, [id])).get(id);
  }

  async create(actor: Actor, input: { parentId: string; name: string }): Promise<Committed<Workspace>> {
    const parentId = requireId('parentId', input.parentId);
    const name = validateName('name', input.name);
    const parent = await authorize(actor, 'workspace', await this.load(parentId), 'create_child', 'Parent workspace');
    if (parent.depth + 1 > this.deps.maxDepth) {
      throw new BadInputError('parentId', `Workspaces may be nested at most ${this.deps.maxDepth} levels deep`, 'WORKSPACE_TOO_DEEP');
    }
    const committed = await this.deps.transactor.run(async (trx, emit) => {
      const workspace = await insertWorkspace(trx, { id: newId(), tenantId: parent.tenantId, parentId: parent.id, name, depth: parent.depth + 1 });
      const creator = { type: 'user' as const, id: actor.principal.userId };
      await addWorkspaceMember(trx, workspace.id, creator, 'admin');
      emit({ type: 'WorkspaceCreated', tenantId: workspace.tenantId, workspaceId: workspace.id, parentId: parent.id, name });
      emit({ type: 'WorkspaceMemberAdded', tenantId: workspace.tenantId, workspaceId: workspace.id, subject: creator, role: 'admin' });
      return workspace;
    });
    this.deps.logger.info(
      { event: 'workspace_created', workspaceId: committed.value.id, tenantId: committed.value.tenantId, parentId, principalId: actor.principal.userId },
      'workspace created',
    );
    return committed;
  }

  async rename(actor: Actor, input: { id: string; name: string }): Promise<Committed<Workspace>> {
    const id = requireId('id', input.id);
    const name = validateName('name', input.name);
    const current = await authorize(actor, 'workspace', await this.load(id), 'manage', 'Workspace');
    if (current.name === name) return { value: current, authorizationSynced: true };
    const committed = await this.deps.transactor.run(async (trx, emit) => {
      const renamed = await renameWorkspace(trx, id, name);
      emit({ type: 'WorkspaceRenamed', tenantId: renamed.tenantId, workspaceId: id, name, previousName: current.name });
      return renamed;
    });
    this.deps.logger.info({ event: 'workspace_renamed', workspaceId: id, principalId: actor.principal.userId }, 'workspace renamed');
    return committed;
  }

  async delete(actor: Actor, input: { id: string }): Promise<Committed<string>> {
    const id = requireId('id', input.id);
    const target = await authorize(actor, 'workspace', await this.load(id), 'manage', 'Workspace');
    if (target.isRoot) throw new ConflictError('The root workspace cannot be deleted', { reason: 'CANNOT_DELETE_ROOT' });
    const committed = await this.deps.transactor.run(async (trx, emit) => {
      const locked = await lockWorkspace(trx, id);
      if (!locked) throw new NotFoundError('Workspace not found');
      if (await hasChildren(trx, id)) {
        throw new ConflictError('Delete the children of this workspace first', { reason: 'WORKSPACE_HAS_CHILDREN' });
      }
      const members = await listWorkspaceMembers(trx, [id]);
      await deleteWorkspaceRow(trx, id);
      emit({
        type: 'WorkspaceDeleted',
        tenantId: locked.tenantId,
        workspaceId: id,
        parentId: locked.parentId,
        members: members.map((m) => ({ subject: m.subject, role: m.role })),
      });
      return id;
    });
    this.deps.logger.info({ event: 'workspace_deleted', workspaceId: id, tenantId: target.tenantId, principalId: actor.principal.userId }, 'workspace deleted');
    return committed;
  }
}
