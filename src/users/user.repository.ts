import { sql, type SelectQueryBuilder } from 'kysely';
import type { Database, Executor } from '../infra/db/database.js';
import { containsPattern } from '../infra/db/like.js';
import type { PageRequest, Sorted } from '../shared/pagination.js';
import { newId } from '../shared/ids.js';
import { userKeys } from './user-keys.js';
import type { Identity, User } from './user.js';
import type { UserRow } from './user.table.js';
import { unexpired } from '../infra/db/unexpired.js';

function toUser(row: UserRow): User {
  return { id: row.id, username: row.username, name: row.name, email: row.email, createdAt: row.created_at };
}

/**
 * Just-in-time provisioning, run on every bearer-authenticated request, so it is one statement:
 * an unchanged profile (the common case) is only read, never written or locked; a new subject is
 * inserted; a changed profile is updated.
 */
export async function upsertUserFromIdentity(db: Executor, identity: Identity): Promise<User> {
  const { issuer, subject, username, name, email } = identity;
  const keys = userKeys(identity);
  const result = await sql<UserRow>`
    WITH existing AS (
      SELECT * FROM users WHERE issuer = ${issuer}::text AND subject = ${subject}::text
    ), upserted AS (
      INSERT INTO users (id, issuer, subject, username, name, email, username_key, name_key, email_key)
      SELECT ${newId()}::text, ${issuer}::text, ${subject}::text, ${username}::text, ${name}::text, ${email}::text,
             ${keys.username_key}::text, ${keys.name_key}::text, ${keys.email_key}::text
      WHERE NOT EXISTS (
        SELECT 1 FROM existing e
        WHERE e.username = ${username}::text
          AND e.name IS NOT DISTINCT FROM ${name}::text
          AND e.email IS NOT DISTINCT FROM ${email}::text
      )
      ON CONFLICT (issuer, subject) DO UPDATE
        SET username = EXCLUDED.username, name = EXCLUDED.name, email = EXCLUDED.email, updated_at = now(),
            username_key = EXCLUDED.username_key, name_key = EXCLUDED.name_key, email_key = EXCLUDED.email_key
        WHERE (users.username, users.name, users.email) IS DISTINCT FROM (EXCLUDED.username, EXCLUDED.name, EXCLUDED.email)
      RETURNING *
    )
    SELECT * FROM upserted
    UNION ALL
    SELECT * FROM existing WHERE NOT EXISTS (SELECT 1 FROM upserted)
  `.execute(db);
  const row = result.rows[0];
  if (row) return toUser(row);
  // Another request provisioned the same subject, with the same profile, after this statement's
  // snapshot was taken: the insert met its row, yet `existing` could not see it. A new statement can.
  const user = await findUserByIdentity(db, issuer, subject);
  if (!user) throw new Error(`user ${issuer} ${subject} vanished during provisioning`);
  return user;
}

export async function findUserByIdentity(db: Executor, issuer: string, subject: string): Promise<User | null> {
  const row = await db.selectFrom('users').selectAll().where('issuer', '=', issuer).where('subject', '=', subject).executeTakeFirst();
  return row ? toUser(row) : null;
}

export async function findUsersByIds(db: Executor, ids: readonly string[]): Promise<Map<string, User>> {
  const users = new Map<string, User>();
  if (ids.length === 0) return users;
  const rows = await db
    .selectFrom('users')
    .selectAll()
    .where('id', '=', sql<string>`ANY(${[...new Set(ids)]}::text[])`)
    .execute();
  for (const row of rows) users.set(row.id, toUser(row));
  return users;
}

/** Ids of users whose email has this key (userKeys), at most `limit` of them. */
export async function findUserIdsByEmailKey(db: Executor, emailKey: string, limit: number): Promise<string[]> {
  const rows = await db.selectFrom('users').select('id').where('email_key', '=', emailKey).orderBy('id').limit(limit).execute();
  return rows.map((r) => r.id);
}

/** Who may see whom: the caller, and the members of every tenant they belong to (within an API key's tenant, if any). */
export interface UserVisibility {
  userId: string;
  tenantScope?: string | undefined;
}

export interface VisibleUserFilter {
  ids?: readonly string[] | undefined;
  /** A folded filter (nameFilterKey) the username, name or email key must contain. */
  searchKey?: string | undefined;
}

/**
 * A page of the users `viewer` may see, by (username_key, id).
 *
 * Within an API key's tenant, those sharing it with the viewer are a plain semi-join with its own
 * `ORDER BY … LIMIT`, united with the viewer themselves. The tenant id is then a value the planner
 * sees, so it knows the tenant's size: a large tenant's page walks users_order_idx, probing
 * tenant_members by user for each row the search keeps, and stops after the page; a small tenant's
 * few members are joined and sorted. (`id IN (sharing UNION ALL viewer)` hashed every visible id
 * first: 10,000 of them.)
 *
 * Without a scope the viewer's tenants are known only while the statement runs, so the planner would
 * guess an average tenant for them and could walk the whole index for the viewer of a small one:
 * that case keeps the hash of the visible ids, which costs at most the old price.
 */
export async function listVisibleUsers(db: Executor, viewer: UserVisibility, filter: VisibleUserFilter, page: PageRequest): Promise<Sorted<User>[]> {
  if (filter.ids && filter.ids.length === 0) return [];
  const filtered = <Q extends SelectQueryBuilder<Database, 'users', UserRow>>(query: Q): Q => {
    let q = query;
    if (filter.ids) q = q.where('id', '=', sql<string>`ANY(${[...filter.ids]}::text[])`) as Q;
    if (filter.searchKey) {
      const pattern = containsPattern(filter.searchKey);
      q = q.where((eb) => eb.or([eb('username_key', 'like', pattern), eb('name_key', 'like', pattern), eb('email_key', 'like', pattern)])) as Q;
    }
    if (page.after) q = q.where(sql<boolean>`(username_key, id) > (${page.after.key} COLLATE "C", ${page.after.id})`) as Q;
    return q;
  };
  if (!viewer.tenantScope) {
    const rows = await filtered(db.selectFrom('users').selectAll().where('id', 'in', () => visibleUserIds(db, viewer)))
      .orderBy('username_key')
      .orderBy('id')
      .limit(page.first + 1)
      .execute();
    return rows.map((r) => ({ node: toUser(r), sortKey: r.username_key }));
  }
  const sharing = filtered(db.selectFrom('users').selectAll().where('id', 'in', () => sharingUserIds(db, viewer)))
    .orderBy('username_key')
    .orderBy('id')
    .limit(page.first + 1);
  const self = filtered(db.selectFrom('users').selectAll().where('id', '=', viewer.userId));
  const rows = await db
    .selectFrom(sharing.as('sharing'))
    .selectAll()
    .union(db.selectFrom(self.as('self')).selectAll())
    .orderBy('username_key')
    .orderBy('id')
    .limit(page.first + 1)
    .execute();
  return rows.map((r) => ({ node: toUser(r), sortKey: r.username_key }));
}

/** Those of `ids` the viewer may see (the federated User entity). */
export async function findVisibleUsersByIds(db: Executor, viewer: UserVisibility, ids: readonly string[]): Promise<Map<string, User>> {
  if (ids.length === 0) return new Map();
  const rows = await db
    .selectFrom('users')
    .selectAll()
    .where('id', '=', sql<string>`ANY(${[...new Set(ids)]}::text[])`)
    .where('id', 'in', () => visibleUserIds(db, viewer))
    .execute();
  return new Map(rows.map((r) => [r.id, toUser(r)]));
}

/** Members of the tenants the viewer belongs to (within the API key's tenant, if any); not the viewer as such. */
function sharingUserIds(db: Executor, viewer: UserVisibility) {
  let sharing = db
    .selectFrom('tenant_members as mine')
    .innerJoin('tenant_members as theirs', 'theirs.tenant_id', 'mine.tenant_id')
    .select('theirs.user_id')
    .where('mine.user_id', '=', viewer.userId)
    .where(unexpired('mine.expires_at'))
    .where(unexpired('theirs.expires_at'));
  if (viewer.tenantScope) sharing = sharing.where('mine.tenant_id', '=', viewer.tenantScope);
  return sharing;
}

function visibleUserIds(db: Executor, viewer: UserVisibility) {
  return sharingUserIds(db, viewer).unionAll(db.selectNoFrom(sql<string>`${viewer.userId}::text`.as('user_id')));
}
