import { sql } from 'kysely';
import type { WorkspaceRole, WorkspaceSubject } from '../events/roles.js';
import { toGroup } from '../groups/group.repository.js';
import type { Group } from '../groups/group.js';
import type { Executor, Tx } from '../infra/db/database.js';
import { unexpired } from '../infra/db/unexpired.js';
import type { Sorted } from '../shared/pagination.js';
import { joinedUser, type JoinedUserRow } from '../users/user-rows.js';
import type { User } from '../users/user.js';
import type { WorkspaceMember } from './workspace-member.js';
import { workspaceMemberSortKey, type WorkspaceMemberCursor } from './workspace-member-cursor.js';

export interface WorkspaceMembership {
  workspaceId: string;
  subject: WorkspaceSubject;
  role: WorkspaceRole;
}

/** Where a listed workspace's members come from: itself, and (inherited) each ancestor the caller may view. */
export interface GrantScope {
  workspaceId: string;
  grantedOnId: string;
  /** Depth of grantedOn: nearer grants (deeper) sort first among one subject's grants. */
  depth: number;
}

export interface ListedWorkspaceMember extends Sorted<WorkspaceMember> {
  /** The joined subject row, to prime the user or group loader. */
  subjectRow: User | Group;
}

interface GrantRow extends JoinedUserRow {
  workspace_id: string;
  granted_on: string;
  depth: number;
  user_id: string | null;
  group_id: string | null;
  role: WorkspaceRole;
  granted_at: Date;
  expires_at: Date | null;
  subject_key: string;
  g_tenant_id: string | null;
  g_name: string | null;
  g_created_at: Date | null;
  g_updated_at: Date | null;
}

/**
 * One statement for a page of members of many workspaces: the direct grants on each scope entry,
 * joined with their user or group, ordered by (subject key, subject id, depth descending).
 */
export async function listWorkspaceGrants(
  db: Executor,
  scopes: readonly GrantScope[],
  page: { first: number; after: WorkspaceMemberCursor | null },
): Promise<Map<string, ListedWorkspaceMember[]>> {
  const result = new Map<string, ListedWorkspaceMember[]>(scopes.map((s) => [s.workspaceId, []]));
  if (scopes.length === 0) return result;
  const { after } = page;
  const afterCursor = after
    ? sql`AND (coalesce(u.username_key, g.name_key), coalesce(m.user_id, m.group_id), -s.depth) > (${after.subjectKey} COLLATE "C", ${after.subjectId}, ${-after.depth})`
    : sql``;
  const { rows } = await sql<GrantRow>`
    WITH scope AS (
      SELECT * FROM unnest(${scopes.map((s) => s.workspaceId)}::text[], ${scopes.map((s) => s.grantedOnId)}::text[], ${scopes.map((s) => s.depth)}::int[])
        AS s (workspace_id, granted_on, depth)
    )
    SELECT * FROM (
      SELECT s.workspace_id, s.granted_on, s.depth, m.user_id, m.group_id, m.role, m.created_at AS granted_at, m.expires_at,
             coalesce(u.username_key, g.name_key) AS subject_key,
             u.id AS u_id, u.username AS u_username, u.name AS u_name, u.email AS u_email, u.created_at AS u_created_at,
             g.tenant_id AS g_tenant_id, g.name AS g_name, g.created_at AS g_created_at, g.updated_at AS g_updated_at,
             row_number() OVER (
               PARTITION BY s.workspace_id ORDER BY coalesce(u.username_key, g.name_key), coalesce(m.user_id, m.group_id), s.depth DESC
             ) AS rank
      FROM scope s
      JOIN workspace_members m ON m.workspace_id = s.granted_on
      LEFT JOIN users u ON u.id = m.user_id
      LEFT JOIN groups g ON g.id = m.group_id
      WHERE ${unexpired('m.expires_at')} ${afterCursor}
    ) ranked
    WHERE rank <= ${page.first + 1}
    ORDER BY workspace_id, rank`.execute(db);
  for (const row of rows) {
    const subject: WorkspaceSubject = row.user_id !== null ? { type: 'user', id: row.user_id } : { type: 'group', id: row.group_id ?? '' };
    const subjectRow: User | Group =
      subject.type === 'user'
        ? joinedUser(row)
        : toGroup({ id: subject.id, tenant_id: row.g_tenant_id ?? '', name: row.g_name ?? '', created_at: row.g_created_at ?? new Date(0), updated_at: row.g_updated_at ?? new Date(0) });
    const node: WorkspaceMember = {
      workspaceId: row.workspace_id,
      grantedOnId: row.granted_on,
      inherited: row.granted_on !== row.workspace_id,
      subject,
      role: row.role,
      grantedAt: row.granted_at,
      expiresAt: row.expires_at,
    };
    result.get(row.workspace_id)?.push({ node, sortKey: workspaceMemberSortKey(row.subject_key, row.depth), subjectRow });
  }
  return result;
}

/** How many grants the scopes hold (a subject granted on two places of the chain counts twice, as it is listed). */
export async function countWorkspaceGrants(db: Executor, scopes: readonly GrantScope[]): Promise<number> {
  if (scopes.length === 0) return 0;
  const row = await db
    .selectFrom('workspace_members')
    .where('workspace_id', '=', sql<string>`ANY(${scopes.map((s) => s.grantedOnId)}::text[])`)
    .where(unexpired('expires_at'))
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .executeTakeFirst();
  return Number(row?.count ?? 0);
}

export const subjectColumn = (subject: WorkspaceSubject) => (subject.type === 'user' ? 'user_id' : 'group_id');

/** A subject's direct grant as a write sees it: `expired` when its end passed (by the database's clock) and it awaits the sweeper. */
export interface DirectGrant {
  role: WorkspaceRole;
  grantedAt: Date;
  expiresAt: Date | null;
  expired: boolean;
}

/** The subject's direct role on the workspace, locked until commit. */
export async function lockDirectGrant(trx: Tx, workspaceId: string, subject: WorkspaceSubject): Promise<DirectGrant | undefined> {
  const row = await trx
    .selectFrom('workspace_members')
    .select(['role', 'created_at', 'expires_at', sql<boolean>`NOT ${unexpired('expires_at')}`.as('expired')])
    .where('workspace_id', '=', workspaceId)
    .where(subjectColumn(subject), '=', subject.id)
    .forUpdate()
    .executeTakeFirst();
  return row ? { role: row.role, grantedAt: row.created_at, expiresAt: row.expires_at, expired: row.expired } : undefined;
}

/** The one insert of a grant (creating a workspace grants its creator ADMIN through it too). */
export async function insertGrant(trx: Tx, workspaceId: string, subject: WorkspaceSubject, role: WorkspaceRole, expiresAt: Date | null = null): Promise<Date> {
  const row = await trx
    .insertInto('workspace_members')
    .values({
      workspace_id: workspaceId,
      user_id: subject.type === 'user' ? subject.id : null,
      group_id: subject.type === 'group' ? subject.id : null,
      role,
      expires_at: expiresAt,
    })
    .returning('created_at')
    .executeTakeFirstOrThrow();
  return row.created_at;
}

/** A new role and end for a held grant; `renewed` (an expired row granted again) also restarts its grant time. */
export async function updateGrant(trx: Tx, workspaceId: string, subject: WorkspaceSubject, set: { role: WorkspaceRole; expiresAt: Date | null; renewed: boolean }): Promise<Date> {
  const row = await trx
    .updateTable('workspace_members')
    .set({ role: set.role, expires_at: set.expiresAt, ...(set.renewed ? { created_at: sql<Date>`now()` } : {}) })
    .where('workspace_id', '=', workspaceId)
    .where(subjectColumn(subject), '=', subject.id)
    .returning('created_at')
    .executeTakeFirstOrThrow();
  return row.created_at;
}

export async function deleteGrant(trx: Tx, workspaceId: string, subject: WorkspaceSubject): Promise<void> {
  await trx.deleteFrom('workspace_members').where('workspace_id', '=', workspaceId).where(subjectColumn(subject), '=', subject.id).execute();
}

/** Deletes a user's direct roles on every workspace of a tenant (they are leaving it); returns what was deleted. */
export async function deleteUserGrantsInTenant(trx: Tx, tenantId: string, userId: string): Promise<{ workspaceId: string; role: WorkspaceRole }[]> {
  const rows = await trx
    .deleteFrom('workspace_members')
    .where('user_id', '=', userId)
    .where('workspace_id', 'in', (eb) => eb.selectFrom('workspaces').select('id').where('tenant_id', '=', tenantId))
    .returning(['workspace_id', 'role'])
    .execute();
  return rows.map((r) => ({ workspaceId: r.workspace_id, role: r.role }));
}

/**
 * Deletes the grants on one workspace, those a group holds, or all of a tenant's, and returns exactly
 * the rows deleted: the relationships a deletion removes come from these, never from an earlier read
 * that a grant committing in between would have missed.
 */
export async function deleteGrants(trx: Tx, of: { workspaceId: string } | { groupId: string } | { tenantId: string }): Promise<WorkspaceMembership[]> {
  let query = trx.deleteFrom('workspace_members');
  if ('workspaceId' in of) query = query.where('workspace_id', '=', of.workspaceId);
  else if ('groupId' in of) query = query.where('group_id', '=', of.groupId);
  else query = query.where('workspace_id', 'in', (eb) => eb.selectFrom('workspaces').select('id').where('tenant_id', '=', of.tenantId));
  const rows = await query.returning(['workspace_id', 'user_id', 'group_id', 'role']).execute();
  return rows
    .map((r) => ({
      workspaceId: r.workspace_id,
      subject: r.user_id !== null ? { type: 'user' as const, id: r.user_id } : { type: 'group' as const, id: r.group_id ?? '' },
      role: r.role,
    }))
    .sort((a, b) => (a.workspaceId < b.workspaceId ? -1 : a.workspaceId > b.workspaceId ? 1 : 0));
}

