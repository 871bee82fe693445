import type { Committed, Transaction, UnitOfWork } from '../changes/unit-of-work.js';
import type { GroupRole } from '../events/roles.js';
import type { Caller } from '../request/caller.js';
import { BadInputError, ConflictError, NotFoundError } from '../shared/errors.js';
import { requireId } from '../shared/input.js';
import { pageRequest, toPage, type Page, type PageArgs } from '../shared/pagination.js';
import { holdTenantMembership } from '../tenants/tenant-member.repository.js';
import { userLoaders } from '../users/user.loaders.js';
import { groupLoaders } from './group.loaders.js';
import type { GroupService } from './group.service.js';
import {
  countGroupAdmins,
  countGroupMembers,
  deleteGroupMember,
  insertGroupMember,
  lockGroupMember,
  updateGroupMemberRole,
  type ListedGroupMember,
} from './group-member.repository.js';
import { lockGroupForMemberChange } from './group.repository.js';
import type { Group, GroupMember } from './group.js';

export interface GroupMemberServiceDeps {
  uow: UnitOfWork;
  groups: GroupService;
}

interface MemberInput {
  groupId: string;
  userId: string;
}

const lastAdmin = () => new ConflictError('A group keeps at least one admin: make someone else admin first', { reason: 'LAST_GROUP_ADMIN' });
const notAGroupMember = () => new BadInputError('userId', 'The user is not a member of this group', 'NOT_A_GROUP_MEMBER');

/**
 * A group's members. Changes lock the group row first, so "a group keeps one admin" is decided
 * on a count no concurrent change can alter: two admins demoting each other leave one.
 */
export class GroupMemberService {
  constructor(private readonly deps: GroupMemberServiceDeps) {}

  /** Whoever may view the group reads its members; others (the group came from a grant they can see) get none. */
  async list(caller: Caller, group: Group, args: PageArgs): Promise<Page<ListedGroupMember>> {
    const page = pageRequest(args.first, args.after);
    const [rows, visible] = await Promise.all([caller.state(groupLoaders).members.load(group.id, page), this.deps.groups.find(caller, group.id)]);
    if (!visible) return { items: [], hasNextPage: false, count: () => Promise.resolve(0) };
    const users = caller.state(userLoaders).byId;
    for (const row of rows) users.prime(row.user.id, row.user);
    return { ...toPage(rows, page.first), count: async () => countGroupMembers(await caller.reads(), group.id) };
  }

  /** Adds a member of the group's tenant. Needs `manage` on the group. */
  async add(caller: Caller, input: MemberInput & { role: GroupRole }): Promise<Committed<{ member: GroupMember; group: Group }>> {
    const { groupId, userId } = this.ids(input);
    const target = await this.deps.groups.authorize(caller, groupId, 'manage');
    return this.deps.uow.run(
      async (tx) => {
        const group = await this.lock(tx.trx, groupId);
        const member = await this.addInTransaction(tx, group, userId, input.role);
        return { member, group };
      },
      { by: caller, tenant: { id: target.tenantId, lock: 'write' } },
    );
  }

  /**
   * add()'s rules in the caller's transaction (tenant held, the group locked with
   * lockGroupForMemberChange): only a member of the group's tenant joins. A second membership
   * violates group_members_pkey (CONFLICT ALREADY_MEMBER, pg-errors.ts); with `keep` the membership
   * the user already has is returned as it is (an accepted invitation changes no role).
   */
  async addInTransaction({ trx, emit }: Transaction, group: Group, userId: string, role: GroupRole, options: { keep?: boolean } = {}): Promise<GroupMember> {
    if (!(await holdTenantMembership(trx, group.tenantId, userId))) {
      throw new BadInputError('userId', 'Only members of the group’s tenant can join it', 'NOT_A_TENANT_MEMBER');
    }
    if (options.keep) {
      const current = await lockGroupMember(trx, group.id, userId);
      if (current) return current;
    }
    const member = await insertGroupMember(trx, group.id, userId, role);
    emit({ type: 'GroupMemberAdded', tenantId: group.tenantId, groupId: group.id, userId, role });
    return member;
  }

  async changeRole(caller: Caller, input: MemberInput & { role: GroupRole }): Promise<Committed<{ member: GroupMember; group: Group }>> {
    const { groupId, userId } = this.ids(input);
    const target = await this.deps.groups.authorize(caller, groupId, 'manage');
    return this.deps.uow.run(
      async ({ trx, emit }) => {
        const group = await this.lock(trx, groupId);
        const current = await lockGroupMember(trx, groupId, userId);
        if (!current) throw notAGroupMember();
        if (current.role === input.role) return { member: current, group };
        if (current.role === 'admin' && (await countGroupAdmins(trx, groupId)) <= 1) throw lastAdmin();
        const member = await updateGroupMemberRole(trx, groupId, userId, input.role);
        emit({ type: 'GroupMemberRoleChanged', tenantId: group.tenantId, groupId, userId, role: input.role, previousRole: current.role });
        return { member, group };
      },
      { by: caller, tenant: { id: target.tenantId, lock: 'write' } },
    );
  }

  /** Needs `manage`; any member may leave a group (`view` on it). The last admin cannot leave. */
  async remove(caller: Caller, input: MemberInput): Promise<Committed<Group>> {
    const { groupId, userId } = this.ids(input);
    const target = await this.deps.groups.authorize(caller, groupId, userId === caller.principal.userId ? 'view' : 'manage');
    return this.deps.uow.run(
      async ({ trx, emit }) => {
        const group = await this.lock(trx, groupId);
        const current = await lockGroupMember(trx, groupId, userId);
        if (!current) throw notAGroupMember();
        if (current.role === 'admin' && (await countGroupAdmins(trx, groupId)) <= 1) throw lastAdmin();
        await deleteGroupMember(trx, groupId, userId);
        emit({ type: 'GroupMemberRemoved', tenantId: group.tenantId, groupId, userId, role: current.role });
        return group;
      },
      { by: caller, tenant: { id: target.tenantId, lock: 'write' } },
    );
  }

  private ids(input: MemberInput): MemberInput {
    return { groupId: requireId('groupId', input.groupId), userId: requireId('userId', input.userId) };
  }

  private async lock(trx: Parameters<typeof lockGroupForMemberChange>[0], groupId: string): Promise<Group> {
    const group = await lockGroupForMemberChange(trx, groupId);
    if (!group) throw new NotFoundError('Group not found');
    return group;
  }
}
