import type { Committed, UnitOfWork } from '../changes/unit-of-work.js';
import { deleteGroupMembers } from '../groups/group-member.repository.js';
import { deleteGroupRow, lockGroupForDeletion } from '../groups/group.repository.js';
import type { GroupService } from '../groups/group.service.js';
import type { Caller } from '../request/caller.js';
import { NotFoundError } from '../shared/errors.js';
import { requireId } from '../shared/input.js';
import { deleteGrants } from '../workspaces/workspace-member.repository.js';

export interface GroupDeletionDeps {
  uow: UnitOfWork;
  groups: GroupService;
}

/** Deleting a group takes its memberships and every workspace grant it held along. */
export class GroupDeletion {
  constructor(private readonly deps: GroupDeletionDeps) {}

  /** Deletes the group, its memberships and its workspace grants (their relationships too). Needs `manage`. */
  async delete(caller: Caller, input: { id: string }): Promise<Committed<string>> {
    const id = requireId('id', input.id);
    const target = await this.deps.groups.authorize(caller, id, 'manage');
    return this.deps.uow.run(
      async ({ trx, emit, emitConsequence }) => {
        // FOR UPDATE waits for grants being written to this group and keeps new ones out until commit.
        const locked = await lockGroupForDeletion(trx, id);
        if (!locked) throw new NotFoundError('Group not found');
        // What the rows deleted say, not an earlier read: nothing is left to the cascade.
        const held = await deleteGrants(trx, { groupId: id });
        const members = (await deleteGroupMembers(trx, { groupId: id })).map((m) => ({ userId: m.userId, role: m.role }));
        await deleteGroupRow(trx, id);
        const tenantId = locked.tenantId;
        for (const g of held) emitConsequence({ type: 'WorkspaceMemberRemoved', tenantId, workspaceId: g.workspaceId, subject: g.subject, role: g.role });
        emit({ type: 'GroupDeleted', tenantId, groupId: id, name: locked.name, members });
        return id;
      },
      { by: caller, tenant: { id: target.tenantId, lock: 'write' } },
    );
  }
}
