import { sql } from 'kysely';
import type { Executor, Tx } from '../infra/db/database.js';
import { unexpired } from '../infra/db/unexpired.js';
import { containsPattern } from '../infra/db/like.js';
import { MAX_PAGE_BRANCHES } from '../infra/db/page-branches.js';
import type { PageRequest, Sorted } from '../shared/pagination.js';
import { joinedUser, USER_COLUMNS } from '../users/user-rows.js';
import type { User } from '../users/user.js';
import type { TenantRole } from '../events/roles.js';
import type { TenantMember } from './tenant.js';

export interface ListedTenantMember extends Sorted<TenantMember> {
  user: User;
}

export interface TenantMemberListShape {
  page: PageRequest;
  /** A folded filter (nameFilterKey) the username, name or email key must contain. */
  searchKey?: string | undefined;
}

export interface TenantMembership {
  userId: string;
  role: TenantRole;
}

/**
 * One statement for a page of members of many tenants, each ordered by (username_key, user id):
 * one `UNION ALL` branch per tenant, each `ORDER BY … LIMIT first + 1` with its tenant id as a
 * value the planner sees. A large tenant's page then walks users_order_idx in order, probing
 * tenant_members for each user and applying the search on the way, and stops after the page; a
 * small one joins its few members and sorts them. (Ranking every member with row_number() and
 * keeping the first ranks sorted all 10,000 members of a large tenant, or all 2,000 matches.)
 * Beyond MAX_PAGE_BRANCHES tenants, that ranking is still what runs: it plans cheaply.
 */
export async function listTenantMembersPage(db: Executor, tenantIds: readonly string[], shape: TenantMemberListShape): Promise<Map<string, ListedTenantMember[]>> {
  const result = new Map<string, ListedTenantMember[]>(tenantIds.map((id) => [id, []]));
  if (tenantIds.length === 0) return result;
  const ids = [...new Set(tenantIds)];
  for (const row of ids.length > MAX_PAGE_BRANCHES ? await rankedTenantMembers(db, ids, shape) : await branchedTenantMembers(db, ids, shape)) {
    const user = joinedUser(row);
    result.get(row.tenant_id)?.push({ node: { tenantId: row.tenant_id, userId: user.id, role: row.role, addedAt: row.added_at, expiresAt: row.expires_at }, sortKey: row.sort_key, user });
  }
  return result;
}

function tenantMemberRows(db: Executor, { page, searchKey }: TenantMemberListShape) {
  let query = db
    .selectFrom('tenant_members as m')
    .innerJoin('users as u', 'u.id', 'm.user_id')
    .select(['m.tenant_id', 'm.role', 'm.created_at as added_at', 'm.expires_at', 'u.username_key as sort_key', ...USER_COLUMNS])
    .where(unexpired('m.expires_at'));
  if (page.after) query = query.where(sql<boolean>`(u.username_key, u.id) > (${page.after.key} COLLATE "C", ${page.after.id})`);
  if (searchKey) {
    const pattern = containsPattern(searchKey);
    query = query.where((eb) => eb.or([eb('u.username_key', 'like', pattern), eb('u.name_key', 'like', pattern), eb('u.email_key', 'like', pattern)]));
  }
  return query;
}

/** A branch per tenant (MAX_PAGE_BRANCHES). */
async function branchedTenantMembers(db: Executor, tenantIds: readonly string[], shape: TenantMemberListShape) {
  const branch = (tenantId: string) =>
    db.selectFrom(tenantMemberRows(db, shape).where('m.tenant_id', '=', tenantId).orderBy('u.username_key').orderBy('u.id').limit(shape.page.first + 1).as('page')).selectAll();
  const [first, ...rest] = tenantIds.map(branch);
  if (!first) return [];
  return rest.reduce((union, next) => union.unionAll(next), first).orderBy('tenant_id').orderBy('sort_key').orderBy('u_id').execute();
}

/** Every matching member of every tenant ranked, the first ranks kept: for more tenants than MAX_PAGE_BRANCHES. */
async function rankedTenantMembers(db: Executor, tenantIds: readonly string[], shape: TenantMemberListShape) {
  const ranked = tenantMemberRows(db, shape)
    .select(sql<number>`row_number() OVER (PARTITION BY m.tenant_id ORDER BY u.username_key, u.id)`.as('rank'))
    .where('m.tenant_id', '=', sql<string>`ANY(${[...tenantIds]}::text[])`);
  return db.selectFrom(ranked.as('ranked')).selectAll().where('rank', '<=', shape.page.first + 1).orderBy('tenant_id').orderBy('rank').execute();
}

/** How many members the tenant has that match the search, ignoring the page. */
export async function countTenantMembers(db: Executor, tenantId: string, searchKey?: string): Promise<number> {
  let query = db.selectFrom('tenant_members as m').where('m.tenant_id', '=', tenantId).where(unexpired('m.expires_at'));
  if (searchKey) {
    const pattern = containsPattern(searchKey);
    query = query
      .innerJoin('users as u', 'u.id', 'm.user_id')
      .where((eb) => eb.or([eb('u.username_key', 'like', pattern), eb('u.name_key', 'like', pattern), eb('u.email_key', 'like', pattern)]));
  }
  const row = await query.select((eb) => eb.fn.countAll<number>().as('count')).executeTakeFirst();
  return Number(row?.count ?? 0);
}

/** The user's role in each of the given tenants they belong to. */
export async function findRolesOf(db: Executor, userId: string, tenantIds: readonly string[]): Promise<Map<string, TenantRole>> {
  if (tenantIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('tenant_members')
    .select(['tenant_id', 'role'])
    .where('user_id', '=', userId)
    .where('tenant_id', '=', sql<string>`ANY(${[...tenantIds]}::text[])`)
    .where(unexpired('expires_at'))
    .execute();
  return new Map(rows.map((r) => [r.tenant_id, r.role]));
}

function toTenantMember(row: { tenant_id: string; user_id: string; role: TenantRole; created_at: Date; expires_at: Date | null }): TenantMember {
  return { tenantId: row.tenant_id, userId: row.user_id, role: row.role, addedAt: row.created_at, expiresAt: row.expires_at };
}

/** The live membership, locked until commit; an expired one (awaiting the sweeper) counts as absent. */
export async function lockTenantMember(trx: Tx, tenantId: string, userId: string): Promise<TenantMember | undefined> {
  const row = await lockTenantMemberRow(trx, tenantId, userId);
  return row && !row.expired ? row : undefined;
}

/** The membership row whatever its end, locked until commit: `expired` when it awaits the sweeper. */
export async function lockTenantMemberRow(trx: Tx, tenantId: string, userId: string): Promise<(TenantMember & { expired: boolean }) | undefined> {
  const row = await trx
    .selectFrom('tenant_members')
    .selectAll()
    .select(sql<boolean>`NOT ${unexpired('expires_at')}`.as('expired'))
    .where('tenant_id', '=', tenantId)
    .where('user_id', '=', userId)
    .forUpdate()
    .executeTakeFirst();
  return row ? { ...toTenantMember(row), expired: row.expired } : undefined;
}

/**
 * Whether the user is a member, holding their membership until commit: a concurrent removal
 * (which deletes the row before deleting grants and group memberships) waits for this transaction,
 * then deletes what it wrote too. Without the lock a grant could outlive the membership.
 */
export async function holdTenantMembership(trx: Tx, tenantId: string, userId: string): Promise<HeldMembership | undefined> {
  const row = await trx
    .selectFrom('tenant_members')
    .select('expires_at')
    .where('tenant_id', '=', tenantId)
    .where('user_id', '=', userId)
    .where(unexpired('expires_at'))
    .forKeyShare()
    .executeTakeFirst();
  return row ? { expiresAt: row.expires_at } : undefined;
}

/**
 * A live membership held for a grant: its end caps the grant's (src/shared/expiry.ts `earlierEnd`),
 * so nothing a member holds in the tenant outlives the membership, not even for the moment
 * between its end and the sweeper's departure.
 */
export interface HeldMembership {
  expiresAt: Date | null;
}

export async function countTenantAdmins(trx: Tx, tenantId: string): Promise<number> {
  const row = await trx
    .selectFrom('tenant_members')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('tenant_id', '=', tenantId)
    .where('role', '=', 'admin')
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Inserts the membership; undefined when the user already is a member. */
export async function insertTenantMember(trx: Tx, tenantId: string, userId: string, role: TenantRole, expiresAt: Date | null = null): Promise<TenantMember | undefined> {
  const row = await trx
    .insertInto('tenant_members')
    .values({ tenant_id: tenantId, user_id: userId, role, expires_at: expiresAt })
    .onConflict((oc) => oc.columns(['tenant_id', 'user_id']).doNothing())
    .returningAll()
    .executeTakeFirst();
  return row ? toTenantMember(row) : undefined;
}

export async function updateTenantMemberRole(trx: Tx, tenantId: string, userId: string, role: TenantRole): Promise<TenantMember> {
  return updateTenantMember(trx, tenantId, userId, { role });
}

/** A new role and/or end of a membership. */
export async function updateTenantMember(trx: Tx, tenantId: string, userId: string, set: { role: TenantRole; expiresAt?: Date | null }): Promise<TenantMember> {
  const row = await trx
    .updateTable('tenant_members')
    .set({ role: set.role, ...(set.expiresAt === undefined ? {} : { expires_at: set.expiresAt }) })
    .where('tenant_id', '=', tenantId)
    .where('user_id', '=', userId)
    .returningAll()
    .executeTakeFirstOrThrow();
  return toTenantMember(row);
}

export async function deleteTenantMember(trx: Tx, tenantId: string, userId: string): Promise<void> {
  await trx.deleteFrom('tenant_members').where('tenant_id', '=', tenantId).where('user_id', '=', userId).execute();
}

/** Deletes every membership of a tenant (tenant deletion) and returns exactly the rows deleted. */
export async function deleteTenantMembers(trx: Tx, tenantId: string): Promise<TenantMembership[]> {
  const rows = await trx.deleteFrom('tenant_members').where('tenant_id', '=', tenantId).returning(['user_id', 'role']).execute();
  return rows.map((r) => ({ userId: r.user_id, role: r.role }));
}

export async function tenantHasAdmin(db: Executor, tenantId: string): Promise<boolean> {
  const row = await db.selectFrom('tenant_members').select('user_id').where('tenant_id', '=', tenantId).where('role', '=', 'admin').limit(1).executeTakeFirst();
  return row !== undefined;
}

/** Up to `limit` memberships whose end passed by the database's clock, oldest end first (the partial expiry index). */
export async function findExpiredTenantMembers(db: Executor, limit: number): Promise<{ tenantId: string; userId: string }[]> {
  const rows = await db
    .selectFrom('tenant_members')
    .select(['tenant_id', 'user_id'])
    .where('expires_at', '<=', sql<Date>`now()`)
    .orderBy('expires_at')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ tenantId: r.tenant_id, userId: r.user_id }));
}
