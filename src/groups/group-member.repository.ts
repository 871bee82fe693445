import { sql } from 'kysely';
import type { Executor, Tx } from '../infra/db/database.js';
import { unexpired } from '../infra/db/unexpired.js';
import { MAX_PAGE_BRANCHES } from '../infra/db/page-branches.js';
import type { PageRequest, Sorted } from '../shared/pagination.js';
import { joinedUser, USER_COLUMNS } from '../users/user-rows.js';
import type { User } from '../users/user.js';
import type { GroupRole } from '../events/roles.js';
import type { GroupMember } from './group.js';

/** A member as listed: the membership, and the user row it was joined with (primes the user loader). */
export interface ListedGroupMember extends Sorted<GroupMember> {
  user: User;
}

/**
 * One statement for a page of members of many groups, each ordered by (username_key, user id):
 * one `UNION ALL` branch per group, each `ORDER BY … LIMIT first + 1` with its group id as a value
 * the planner sees, as listTenantMembersPage does, so a large group's page stops after its rows;
 * beyond MAX_PAGE_BRANCHES groups, one ranking of them all (planning stays cheap).
 */
export async function listGroupMembers(db: Executor, groupIds: readonly string[], page: PageRequest): Promise<Map<string, ListedGroupMember[]>> {
  const result = new Map<string, ListedGroupMember[]>(groupIds.map((id) => [id, []]));
  if (groupIds.length === 0) return result;
  const ids = [...new Set(groupIds)];
  for (const row of ids.length > MAX_PAGE_BRANCHES ? await rankedGroupMembers(db, ids, page) : await branchedGroupMembers(db, ids, page)) {
    const user = joinedUser(row);
    result.get(row.group_id)?.push({ node: { groupId: row.group_id, userId: user.id, role: row.role, addedAt: row.added_at, expiresAt: row.expires_at }, sortKey: row.sort_key, user });
  }
  return result;
}

function groupMemberRows(db: Executor, page: PageRequest) {
  let query = db
    .selectFrom('group_members as m')
    .innerJoin('users as u', 'u.id', 'm.user_id')
    .select(['m.group_id', 'm.role', 'm.created_at as added_at', 'm.expires_at', 'u.username_key as sort_key', ...USER_COLUMNS])
    .where(unexpired('m.expires_at'));
  if (page.after) query = query.where(sql<boolean>`(u.username_key, u.id) > (${page.after.key} COLLATE "C", ${page.after.id})`);
  return query;
}

/** A branch per group (MAX_PAGE_BRANCHES). */
async function branchedGroupMembers(db: Executor, groupIds: readonly string[], page: PageRequest) {
  const branch = (groupId: string) =>
    db.selectFrom(groupMemberRows(db, page).where('m.group_id', '=', groupId).orderBy('u.username_key').orderBy('u.id').limit(page.first + 1).as('page')).selectAll();
  const [first, ...rest] = groupIds.map(branch);
  if (!first) return [];
  return rest.reduce((union, next) => union.unionAll(next), first).orderBy('group_id').orderBy('sort_key').orderBy('u_id').execute();
}

/** Every member of every group ranked, the first ranks kept: for more groups than MAX_PAGE_BRANCHES. */
async function rankedGroupMembers(db: Executor, groupIds: readonly string[], page: PageRequest) {
  const ranked = groupMemberRows(db, page)
    .select(sql<number>`row_number() OVER (PARTITION BY m.group_id ORDER BY u.username_key, u.id)`.as('rank'))
    .where('m.group_id', '=', sql<string>`ANY(${[...groupIds]}::text[])`);
  return db.selectFrom(ranked.as('ranked')).selectAll().where('rank', '<=', page.first + 1).orderBy('group_id').orderBy('rank').execute();
}

/** How many members the group has. */
export async function countGroupMembers(db: Executor, groupId: string): Promise<number> {
  const row = await db
    .selectFrom('group_members')
    .where('group_id', '=', groupId)
    .where(unexpired('expires_at'))
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .executeTakeFirst();
  return Number(row?.count ?? 0);
}

const toGroupMember = (row: { group_id: string; user_id: string; role: GroupRole; created_at: Date; expires_at: Date | null }): GroupMember => ({
  groupId: row.group_id,
  userId: row.user_id,
  role: row.role,
  addedAt: row.created_at,
  expiresAt: row.expires_at,
});

/**
 * The membership, locked until commit (the group is locked first; see lockGroupForMemberChange);
 * `expired` when its end passed and it awaits the sweeper (it counts as absent).
 */
export async function lockGroupMember(trx: Tx, groupId: string, userId: string): Promise<(GroupMember & { expired: boolean }) | undefined> {
  const row = await trx
    .selectFrom('group_members')
    .selectAll()
    .select(sql<boolean>`NOT ${unexpired('expires_at')}`.as('expired'))
    .where('group_id', '=', groupId)
    .where('user_id', '=', userId)
    .forUpdate()
    .executeTakeFirst();
  return row ? { ...toGroupMember(row), expired: row.expired } : undefined;
}

export async function countGroupAdmins(trx: Tx, groupId: string): Promise<number> {
  const row = await trx
    .selectFrom('group_members')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('group_id', '=', groupId)
    .where('role', '=', 'admin')
    .where(unexpired('expires_at'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function insertGroupMember(trx: Tx, groupId: string, userId: string, role: GroupRole, expiresAt: Date | null = null): Promise<GroupMember> {
  const row = await trx.insertInto('group_members').values({ group_id: groupId, user_id: userId, role, expires_at: expiresAt }).returningAll().executeTakeFirstOrThrow();
  return toGroupMember(row);
}

/** A new role and/or end; `renewed` (an expired membership added again) also restarts its time. */
export async function updateGroupMember(trx: Tx, groupId: string, userId: string, set: { role: GroupRole; expiresAt?: Date | null; renewed?: boolean }): Promise<GroupMember> {
  const row = await trx
    .updateTable('group_members')
    .set({ role: set.role, ...(set.expiresAt === undefined ? {} : { expires_at: set.expiresAt }), ...(set.renewed ? { created_at: sql<Date>`now()` } : {}) })
    .where('group_id', '=', groupId)
    .where('user_id', '=', userId)
    .returningAll()
    .executeTakeFirstOrThrow();
  return toGroupMember(row);
}

export async function deleteGroupMember(trx: Tx, groupId: string, userId: string): Promise<void> {
  await trx.deleteFrom('group_members').where('group_id', '=', groupId).where('user_id', '=', userId).execute();
}

/**
 * Deletes the memberships of one group, or of every group of a tenant, and returns exactly the rows
 * deleted: the relationships a deletion removes come from these, never from an earlier read.
 */
export async function deleteGroupMembers(trx: Tx, of: { groupId: string } | { tenantId: string }): Promise<{ groupId: string; userId: string; role: GroupRole }[]> {
  let query = trx.deleteFrom('group_members');
  query =
    'groupId' in of
      ? query.where('group_id', '=', of.groupId)
      : query.where('group_id', 'in', (eb) => eb.selectFrom('groups').select('id').where('tenant_id', '=', of.tenantId));
  const rows = await query.returning(['group_id', 'user_id', 'role']).execute();
  return rows.map((r) => ({ groupId: r.group_id, userId: r.user_id, role: r.role })).sort((a, b) => (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0));
}

/** Deletes a user's memberships of every group of a tenant (they are leaving it); returns what was deleted. */
export async function deleteUserGroupMemberships(trx: Tx, tenantId: string, userId: string): Promise<{ groupId: string; role: GroupRole }[]> {
  const rows = await trx
    .deleteFrom('group_members')
    .where('user_id', '=', userId)
    .where('group_id', 'in', (eb) => eb.selectFrom('groups').select('id').where('tenant_id', '=', tenantId))
    .returning(['group_id', 'role'])
    .execute();
  return rows.map((r) => ({ groupId: r.group_id, role: r.role }));
}

