import type { Committed, Transaction, UnitOfWork } from '../changes/unit-of-work.js';
import type { GroupRole } from '../events/roles.js';
import type { Caller } from '../request/caller.js';
import { BadInputError, ConflictError, NotFoundError } from '../shared/errors.js';
import { checkExpiry, DEFAULT_MAX_GRANT_DAYS, earlierEnd, isoOrNull, type ExpiryInput } from '../shared/expiry.js';
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
  updateGroupMember,
  type ListedGroupMember,
} from './group-member.repository.js';
import { lockGroupForMemberChange } from './group.repository.js';
import type { Group, GroupMember } from './group.js';

export interface GroupMemberServiceDeps {
  uow: UnitOfWork;
  groups: GroupService;
  /** MAX_GRANT_DAYS: how far ahead an `expiresAt` may lie. */
  maxGrantDays?: number;
}

interface MemberInput {
  groupId: string;
  userId: string;
}

const lastAdmin = () => new ConflictError('A group keeps at least one admin: make someone else admin first', { reason: 'LAST_GROUP_ADMIN' });
const alreadyMember = () => new ConflictError('The user already is a member of this group', { reason: 'ALREADY_MEMBER' });
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

  /**
   * Adds a member of the group's tenant, until `expiresAt` if given (capped to their tenant
   * membership's end). For a member with the same role, a given `expiresAt` (or null) replaces the
   * end; otherwise a second add is ALREADY_MEMBER. Needs `manage` on the group.
   */
  async add(caller: Caller, input: MemberInput & { role: GroupRole; expiresAt?: ExpiryInput }): Promise<Committed<{ member: GroupMember; group: Group }>> {
    const { groupId, userId } = this.ids(input);
    const requested = checkExpiry('expiresAt', input.expiresAt, this.deps.maxGrantDays ?? DEFAULT_MAX_GRANT_DAYS);
    const target = await this.deps.groups.authorize(caller, groupId, 'manage');
    return this.deps.uow.run(
      async (tx) => {
        const group = await this.lock(tx.trx, groupId);
        const member = await this.addInTransaction(tx, group, userId, input.role, { expiresAt: requested });
        return { member, group };
      },
      { by: caller, tenant: { id: target.tenantId, lock: 'write' } },
    );
  }

  /**
   * add()'s rules in the caller's transaction (tenant held, the group locked with
   * lockGroupForMemberChange): only a member of the group's tenant joins, until `expiresAt` (capped
   * to their tenant membership's end). A live membership with the same role and a given `expiresAt`
   * (or null) gets that end; otherwise a second add is ALREADY_MEMBER. With `keep` the live
   * membership the user already has is returned as it is (an accepted invitation changes no role).
   * An expired membership not yet swept counts as absent: the new one takes its row.
   */
  async addInTransaction(
    { trx, emit }: Transaction,
    group: Group,
    userId: string,
    role: GroupRole,
    options: { keep?: boolean; expiresAt?: Date | null } = {},
  ): Promise<GroupMember> {
    const membership = await holdTenantMembership(trx, group.tenantId, userId);
    if (!membership) throw new BadInputError('userId', 'Only members of the group’s tenant can join it', 'NOT_A_TENANT_MEMBER');
    const current = await lockGroupMember(trx, group.id, userId);
    if (options.keep && current && !current.expired) return current;
    const expiresAt = earlierEnd(options.expiresAt ?? null, membership.expiresAt);
    const event = { tenantId: group.tenantId, groupId: group.id, userId, role, expiresAt: isoOrNull(expiresAt) };
    if (current && !current.expired) {
      if (options.expiresAt === undefined || current.role !== role) throw alreadyMember();
      if (isoOrNull(current.expiresAt) === event.expiresAt) return current;
      const member = await updateGroupMember(trx, group.id, userId, { role, expiresAt });
      emit({ type: 'GroupMemberExpiryChanged', ...event, previousExpiresAt: isoOrNull(current.expiresAt) });
      return member;
    }
    const member = current ? await updateGroupMember(trx, group.id, userId, { role, expiresAt, renewed: true }) : await insertGroupMember(trx, group.id, userId, role, expiresAt);
    emit({ type: 'GroupMemberAdded', ...event });
    return member;
  }

  async changeRole(caller: Caller, input: MemberInput & { role: GroupRole }): Promise<Committed<{ member: GroupMember; group: Group }>> {
    const { groupId, userId } = this.ids(input);
    const target = await this.deps.groups.authorize(caller, groupId, 'manage');
    return this.deps.uow.run(
      async ({ trx, emit }) => {
        const group = await this.lock(trx, groupId);
        const current = await lockGroupMember(trx, groupId, userId);
        if (!current || current.expired) throw notAGroupMember();
        if (current.role === input.role) return { member: current, group };
        if (current.role === 'admin' && (await countGroupAdmins(trx, groupId)) <= 1) throw lastAdmin();
        const member = await updateGroupMember(trx, groupId, userId, { role: input.role });
        emit({
          type: 'GroupMemberRoleChanged',
          tenantId: group.tenantId,
          groupId,
          userId,
          role: input.role,
          previousRole: current.role,
          expiresAt: isoOrNull(current.expiresAt),
        });
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
        if (!current || current.expired) throw notAGroupMember();
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
