import { sql } from 'kysely';
import type { GroupRole } from '../events/roles.js';
import type { Executor, Tx } from '../infra/db/database.js';

/*
 * The SQL of expiring group memberships (issue 20, src/lifecycle/grant-expiry.ts): what the sweeper
 * finds and deletes, and the cap a tenant membership's end puts on its holder's memberships.
 */
/** A group membership past its end, as the sweeper finds it. */
export interface ExpiredGroupMember {
  tenantId: string;
  groupId: string;
  userId: string;
  role: GroupRole;
}

/** Up to `limit` memberships whose end passed by the database's clock, oldest end first (the partial expiry index). */
export async function findExpiredGroupMembers(db: Executor, limit: number): Promise<ExpiredGroupMember[]> {
  const rows = await db
    .selectFrom('group_members as m')
    .innerJoin('groups as g', 'g.id', 'm.group_id')
    .select(['g.tenant_id', 'm.group_id', 'm.user_id', 'm.role'])
    .where('m.expires_at', '<=', sql<Date>`now()`)
    .orderBy('m.expires_at')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ tenantId: r.tenant_id, groupId: r.group_id, userId: r.user_id, role: r.role }));
}

/** Deletes the membership only if it is still past its end: what it returns is what this sweeper removed. */
export async function deleteExpiredGroupMember(trx: Tx, groupId: string, userId: string): Promise<{ role: GroupRole; expiresAt: Date } | undefined> {
  const row = await trx
    .deleteFrom('group_members')
    .where('group_id', '=', groupId)
    .where('user_id', '=', userId)
    .where('expires_at', '<=', sql<Date>`now()`)
    .returning(['role', 'expires_at'])
    .executeTakeFirst();
  return row ? { role: row.role, expiresAt: row.expires_at ?? new Date(0) } : undefined;
}

/** A group membership whose end was brought forward to its holder's tenant membership's. */
export interface CappedGroupMember {
  groupId: string;
  role: GroupRole;
  expiresAt: string;
  previousExpiresAt: string | null;
}

/** Brings every live group membership of a user in the tenant that would outlive `expiresAt` forward to it. */
export async function capUserGroupMembershipsInTenant(trx: Tx, tenantId: string, userId: string, expiresAt: Date): Promise<CappedGroupMember[]> {
  const { rows } = await sql<{ group_id: string; role: GroupRole; previous: Date | null }>`
    WITH old AS (
      SELECT m.group_id, m.expires_at
      FROM group_members m JOIN groups g ON g.id = m.group_id
      WHERE g.tenant_id = ${tenantId} AND m.user_id = ${userId} AND (m.expires_at IS NULL OR m.expires_at > ${expiresAt})
      ORDER BY m.group_id
      FOR UPDATE OF m
    )
    UPDATE group_members m SET expires_at = ${expiresAt}
    FROM old WHERE m.group_id = old.group_id AND m.user_id = ${userId}
    RETURNING m.group_id, m.role, old.expires_at AS previous`.execute(trx);
  return rows
    .map((r) => ({ groupId: r.group_id, role: r.role, expiresAt: expiresAt.toISOString(), previousExpiresAt: r.previous ? r.previous.toISOString() : null }))
    .sort((a, b) => (a.groupId < b.groupId ? -1 : 1));
}
