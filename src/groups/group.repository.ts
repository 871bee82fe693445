import { sql } from 'kysely';
import type { Executor, Tx } from '../infra/db/database.js';
import { containsPattern } from '../infra/db/like.js';
import { nameKey } from '../shared/names.js';
import type { PageRequest, Sorted } from '../shared/pagination.js';
import type { GroupRow } from './group.table.js';
import type { Group } from './group.js';
import { unexpired } from '../infra/db/unexpired.js';

export function toGroup(row: Pick<GroupRow, 'id' | 'tenant_id' | 'name' | 'created_at' | 'updated_at'>): Group {
  return { id: row.id, tenantId: row.tenant_id, name: row.name, createdAt: row.created_at, updatedAt: row.updated_at };
}

export async function findGroupsByIds(db: Executor, ids: readonly string[]): Promise<Map<string, Group>> {
  if (ids.length === 0) return new Map();
  const rows = await db
    .selectFrom('groups')
    .selectAll()
    .where('id', '=', sql<string>`ANY(${[...new Set(ids)]}::text[])`)
    .execute();
  return new Map(rows.map((r) => [r.id, toGroup(r)]));
}

export interface TenantGroupFilter {
  tenantId: string;
  nameKeyContains?: string | undefined;
  /**
   * When set, only the groups this user belongs to (as admin or member): schema.zed's group `view`
   * for someone who is not a tenant admin (`member + tenant->administrate`).
   */
  memberUserId?: string | undefined;
}

/**
 * A page of a tenant's groups by (name_key, id); the unique index (tenant_id, name_key) serves it.
 * A member's page reads their own memberships (group_members_user_idx), whatever the tenant holds.
 */
/** How many groups the filter selects, ignoring the page. */
export async function countTenantGroups(db: Executor, filter: TenantGroupFilter): Promise<number> {
  let query = db.selectFrom('groups').where('tenant_id', '=', filter.tenantId);
  const memberUserId = filter.memberUserId;
  if (memberUserId !== undefined) {
    query = query.where('id', 'in', (eb) => eb.selectFrom('group_members').select('group_id').where('user_id', '=', memberUserId).where(unexpired('expires_at')));
  }
  if (filter.nameKeyContains) query = query.where('name_key', 'like', containsPattern(filter.nameKeyContains));
  const row = await query.select((eb) => eb.fn.countAll<number>().as('count')).executeTakeFirst();
  return Number(row?.count ?? 0);
}

export async function listTenantGroupsPage(db: Executor, filter: TenantGroupFilter, page: PageRequest): Promise<Sorted<Group>[]> {
  let query = db.selectFrom('groups').selectAll().where('tenant_id', '=', filter.tenantId);
  if (page.after) query = query.where(sql<boolean>`(name_key, id) > (${page.after.key} COLLATE "C", ${page.after.id})`);
  const memberUserId = filter.memberUserId;
  if (memberUserId !== undefined) {
    query = query.where('id', 'in', (eb) => eb.selectFrom('group_members').select('group_id').where('user_id', '=', memberUserId).where(unexpired('expires_at')));
  }
  if (filter.nameKeyContains) query = query.where('name_key', 'like', containsPattern(filter.nameKeyContains));
  const rows = await query.orderBy('name_key').orderBy('id').limit(page.first + 1).execute();
  return rows.map((r) => ({ node: toGroup(r), sortKey: r.name_key }));
}

export async function insertGroup(trx: Tx, group: { id: string; tenantId: string; name: string }): Promise<Group> {
  const row = await trx
    .insertInto('groups')
    .values({ id: group.id, tenant_id: group.tenantId, name: group.name, name_key: nameKey(group.name) })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toGroup(row);
}

export async function renameGroupRow(trx: Tx, id: string, name: string): Promise<Group> {
  const row = await trx
    .updateTable('groups')
    .set({ name, name_key: nameKey(name), updated_at: sql<Date>`now()` })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
  return toGroup(row);
}

/**
 * Locks a group for a change of its members: group member changes of one group run one at a time,
 * so the last-admin rule counts admins no concurrent change can alter. FOR NO KEY UPDATE does not
 * block rows that merely reference the group (grants, memberships); deletion's FOR UPDATE waits.
 */
export async function lockGroupForMemberChange(trx: Tx, id: string): Promise<Group | undefined> {
  const row = await trx.selectFrom('groups').selectAll().where('id', '=', id).forNoKeyUpdate().executeTakeFirst();
  return row ? toGroup(row) : undefined;
}

/** Locks a group against deletion until commit (while a grant to it is written). */
export async function lockGroupAgainstDeletion(trx: Tx, id: string): Promise<Group | undefined> {
  const row = await trx.selectFrom('groups').selectAll().where('id', '=', id).forKeyShare().executeTakeFirst();
  return row ? toGroup(row) : undefined;
}

export async function lockGroupForDeletion(trx: Tx, id: string): Promise<Group | undefined> {
  const row = await trx.selectFrom('groups').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
  return row ? toGroup(row) : undefined;
}

/** Deletes the group, after its memberships and grants were deleted (they would cascade unseen). */
export async function deleteGroupRow(trx: Tx, id: string): Promise<void> {
  await trx.deleteFrom('groups').where('id', '=', id).execute();
}

/** Deletes every group of a tenant, after their memberships and grants; returns their ids and names. */
export async function deleteTenantGroups(trx: Tx, tenantId: string): Promise<{ id: string; name: string }[]> {
  const rows = await trx.deleteFrom('groups').where('tenant_id', '=', tenantId).returning(['id', 'name']).execute();
  return rows.map((r) => ({ id: r.id, name: r.name }));
}
