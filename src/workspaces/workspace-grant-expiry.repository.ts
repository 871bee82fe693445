import { sql } from 'kysely';
import type { WorkspaceRole, WorkspaceSubject } from '../events/roles.js';
import type { Executor, Tx } from '../infra/db/database.js';
import { subjectColumn } from './workspace-member.repository.js';

/*
 * The SQL of expiring grants (issue 20, src/lifecycle/grant-expiry.ts): what the sweeper finds and
 * deletes, and the cap a tenant membership's end puts on its holder's grants.
 */
/** A grant past its end, as the sweeper finds and deletes it. */
export interface ExpiredGrant {
  tenantId: string;
  workspaceId: string;
  subject: WorkspaceSubject;
  role: WorkspaceRole;
  expiresAt: Date;
}

const toSubject = (r: { user_id: string | null; group_id: string | null }): WorkspaceSubject =>
  r.user_id !== null ? { type: 'user', id: r.user_id } : { type: 'group', id: r.group_id ?? '' };

/** Up to `limit` grants whose end passed by the database's clock, oldest end first (the partial expiry index). */
export async function findExpiredGrants(db: Executor, limit: number): Promise<ExpiredGrant[]> {
  const rows = await db
    .selectFrom('workspace_members as m')
    .innerJoin('workspaces as w', 'w.id', 'm.workspace_id')
    .select(['w.tenant_id', 'm.workspace_id', 'm.user_id', 'm.group_id', 'm.role', 'm.expires_at'])
    .where('m.expires_at', '<=', sql<Date>`now()`)
    .orderBy('m.expires_at')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ tenantId: r.tenant_id, workspaceId: r.workspace_id, subject: toSubject(r), role: r.role, expiresAt: r.expires_at ?? new Date(0) }));
}

/**
 * Deletes the grant only if it is still past its end (a concurrent grant may have renewed it, a
 * second sweeper may have deleted it): what it returns is what this sweeper removed.
 */
export async function deleteExpiredGrant(trx: Tx, workspaceId: string, subject: WorkspaceSubject): Promise<{ role: WorkspaceRole; expiresAt: Date } | undefined> {
  const row = await trx
    .deleteFrom('workspace_members')
    .where('workspace_id', '=', workspaceId)
    .where(subjectColumn(subject), '=', subject.id)
    .where('expires_at', '<=', sql<Date>`now()`)
    .returning(['role', 'expires_at'])
    .executeTakeFirst();
  return row ? { role: row.role, expiresAt: row.expires_at ?? new Date(0) } : undefined;
}

/** A grant whose end was brought forward to its holder's membership's. */
export interface CappedGrant {
  workspaceId: string;
  role: WorkspaceRole;
  expiresAt: string;
  previousExpiresAt: string | null;
  /** In the trash: its relationship is not in SpiceDB, so nothing is written for it. */
  trashed: boolean;
}

/**
 * Brings every live grant of a user in the tenant that would outlive `expiresAt` forward to it (their
 * membership's new end): nothing a member holds outlives the membership, in SpiceDB either.
 */
export async function capUserGrantsInTenant(trx: Tx, tenantId: string, userId: string, expiresAt: Date): Promise<CappedGrant[]> {
  const { rows } = await sql<{ workspace_id: string; role: WorkspaceRole; previous: Date | null; trashed: boolean }>`
    WITH old AS (
      SELECT m.workspace_id, m.expires_at, w.deleted_at IS NOT NULL AS trashed
      FROM workspace_members m JOIN workspaces w ON w.id = m.workspace_id
      WHERE w.tenant_id = ${tenantId} AND m.user_id = ${userId} AND (m.expires_at IS NULL OR m.expires_at > ${expiresAt})
      ORDER BY m.workspace_id
      FOR UPDATE OF m
    )
    UPDATE workspace_members m SET expires_at = ${expiresAt}
    FROM old WHERE m.workspace_id = old.workspace_id AND m.user_id = ${userId}
    RETURNING m.workspace_id, m.role, old.expires_at AS previous, old.trashed`.execute(trx);
  return rows
    .map((r) => ({ workspaceId: r.workspace_id, role: r.role, expiresAt: expiresAt.toISOString(), previousExpiresAt: r.previous ? r.previous.toISOString() : null, trashed: r.trashed }))
    .sort((a, b) => (a.workspaceId < b.workspaceId ? -1 : 1));
}
