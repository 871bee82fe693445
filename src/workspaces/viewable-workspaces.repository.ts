import { sql, type Expression, type SqlBool } from 'kysely';
import type { Executor } from '../infra/db/database.js';
import { containsPattern } from '../infra/db/like.js';
import { PREPARED_RAW_TIMESTAMPS } from '../infra/db/prepared-statements.js';
import type { PageRequest, Sorted } from '../shared/pagination.js';
import { StoredWorkspace, type RawTimestamp } from './stored-workspace.js';
import type { Workspace } from './workspace.js';
import type { WorkspaceRow } from './workspace.table.js';
import { unexpired } from '../infra/db/unexpired.js';

export interface ViewableWorkspaceFilter {
  tenantId: string;
  /** Whose grants: the user's own and their groups'. */
  userId: string;
  /** A name key (nameFilterKey) that the workspace's name key must contain. */
  nameKeyContains?: string | undefined;
}

type PageRow = Omit<WorkspaceRow, 'created_at' | 'updated_at'> & { created_at: RawTimestamp; updated_at: RawTimestamp };

/**
 * A page, in list order (name_key, id), of the workspaces of a tenant that a user views through
 * workspace grants: every workspace at or below a workspace granted to them or to a group they
 * belong to. That is schema.zed's `view` without `tenant->administrate` (tenant admins list the
 * whole tenant instead): `view = admin + editor + member + parent->view`, a plain union, so a
 * grant shows its whole subtree (tests/unit/schema-zed.test.ts).
 *
 * The grants whose workspace lies below another grant are dropped, so the remaining subtrees are
 * disjoint; each is one range of workspace_ancestors in list order, read from the cursor for at
 * most `first + 1` entries, and the merged first `first + 1` are the page. Its cost grows with
 * the number of the user's grants in the tenant, never with how many workspaces lie below them.
 * One prepared text per combination of cursor and name filter.
 */
export async function listViewableTenantWorkspaces(db: Executor, filter: ViewableWorkspaceFilter, page: PageRequest): Promise<Sorted<Workspace>[]> {
  const limit = page.first + 1;
  // Trashed workspaces stay in workspace_ancestors; one probe of a small partial index keeps them out.
  const conditions: Expression<SqlBool>[] = [
    sql<SqlBool>`a.ancestor_id = roots.id`,
    sql<SqlBool>`NOT EXISTS (SELECT 1 FROM workspaces t WHERE t.id = a.workspace_id AND t.deleted_at IS NOT NULL)`,
  ];
  if (page.after) conditions.push(sql<SqlBool>`(a.name_key, a.workspace_id) > (${page.after.key} COLLATE "C", ${page.after.id})`);
  if (filter.nameKeyContains) conditions.push(sql<SqlBool>`a.name_key LIKE ${containsPattern(filter.nameKeyContains)}`);
  const { rows } = await sql<PageRow>`${sql.raw(PREPARED_RAW_TIMESTAMPS)}
    WITH granted AS (
      SELECT workspace_id FROM workspace_members WHERE user_id = ${filter.userId} AND ${unexpired('expires_at')}
      UNION
      SELECT m.workspace_id FROM group_members g JOIN workspace_members m ON m.group_id = g.group_id
       WHERE g.user_id = ${filter.userId} AND ${unexpired('g.expires_at')} AND ${unexpired('m.expires_at')}
    ), roots AS (
      SELECT w.id FROM workspaces w
       WHERE w.id IN (SELECT workspace_id FROM granted) AND w.tenant_id = ${filter.tenantId} AND w.deleted_at IS NULL
         AND NOT EXISTS (SELECT 1 FROM workspace_ancestors up
                          WHERE up.workspace_id = w.id AND up.distance > 0 AND up.ancestor_id IN (SELECT workspace_id FROM granted))
    )
    SELECT w.id, w.tenant_id, w.parent_id, w.name, w.name_key, w.depth, w.created_at, w.updated_at
      FROM roots
      CROSS JOIN LATERAL (
        SELECT a.workspace_id, a.name_key FROM workspace_ancestors a
         WHERE ${sql.join(conditions, sql` AND `)}
         ORDER BY a.name_key, a.workspace_id LIMIT ${limit}
      ) below
      JOIN workspaces w ON w.id = below.workspace_id
     ORDER BY below.name_key, below.workspace_id LIMIT ${limit}`.execute(db);
  return rows.map((r) => ({ node: new StoredWorkspace(r.id, r.tenant_id, r.parent_id, r.name, r.depth, r.created_at, r.updated_at), sortKey: r.name_key }));
}

/**
 * How many workspaces of a tenant a user views through grants (see listViewableTenantWorkspaces):
 * the sizes of their disjoint subtrees, each an index range of workspace_ancestors, so it grows
 * with what they can view.
 */
export async function countViewableTenantWorkspaces(db: Executor, filter: ViewableWorkspaceFilter): Promise<number> {
  const pattern = filter.nameKeyContains ? containsPattern(filter.nameKeyContains) : null;
  const { rows } = await sql<{ count: number }>`
    WITH granted AS (
      SELECT workspace_id FROM workspace_members WHERE user_id = ${filter.userId} AND ${unexpired('expires_at')}
      UNION
      SELECT m.workspace_id FROM group_members g JOIN workspace_members m ON m.group_id = g.group_id
       WHERE g.user_id = ${filter.userId} AND ${unexpired('g.expires_at')} AND ${unexpired('m.expires_at')}
    ), roots AS (
      SELECT w.id FROM workspaces w
       WHERE w.id IN (SELECT workspace_id FROM granted) AND w.tenant_id = ${filter.tenantId} AND w.deleted_at IS NULL
         AND NOT EXISTS (SELECT 1 FROM workspace_ancestors up
                          WHERE up.workspace_id = w.id AND up.distance > 0 AND up.ancestor_id IN (SELECT workspace_id FROM granted))
    )
    SELECT count(*)::int AS count FROM roots JOIN workspace_ancestors a ON a.ancestor_id = roots.id
     WHERE (${pattern}::text IS NULL OR a.name_key LIKE ${pattern})
       AND NOT EXISTS (SELECT 1 FROM workspaces t WHERE t.id = a.workspace_id AND t.deleted_at IS NOT NULL)`.execute(db);
  return rows[0]?.count ?? 0;
}
