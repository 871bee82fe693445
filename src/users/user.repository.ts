import { sql } from 'kysely';
import type { Executor } from '../infra/db/database.js';
import { newId } from '../shared/ids.js';
import type { Identity, User } from './user.js';
import type { UserRow } from './user.table.js';

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
  const result = await sql<UserRow>`
    WITH existing AS (
      SELECT * FROM users WHERE issuer = ${issuer}::text AND subject = ${subject}::text
    ), upserted AS (
      INSERT INTO users (id, issuer, subject, username, name, email)
      SELECT ${newId()}::text, ${issuer}::text, ${subject}::text, ${username}::text, ${name}::text, ${email}::text
      WHERE NOT EXISTS (
        SELECT 1 FROM existing e
        WHERE e.username = ${username}::text
          AND e.name IS NOT DISTINCT FROM ${name}::text
          AND e.email IS NOT DISTINCT FROM ${email}::text
      )
      ON CONFLICT (issuer, subject) DO UPDATE
        SET username = EXCLUDED.username, name = EXCLUDED.name, email = EXCLUDED.email, updated_at = now()
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
