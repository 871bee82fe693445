import { sql } from 'kysely';
import type { WorkspaceRole } from '../events/roles.js';
import type { Executor } from '../infra/db/database.js';
import { PREPARED } from '../infra/db/prepared-statements.js';

/** A workspace at the top of what a user holds a permission on: its whole subtree, or (the root through tenant membership) itself only. */
export interface AccessibleSubtree {
  id: string;
  depth: number;
  /** The whole subtree; false: the workspace alone (create_child on the root, which its children do not inherit). */
  whole: boolean;
  /** (name_key, id) of each workspace from the tenant's root down to this one: its place in tree order. */
  chain: [key: string, id: string][];
  /** The cursor's workspace lies in it (is it, for a lone workspace). */
  holdsCursor: boolean;
}

export interface AccessibleSubtreeQuery {
  tenantId: string;
  userId: string;
  /** Roles whose grants give the permission to their subtree. */
  roles: readonly WorkspaceRole[];
  /** The root itself is held alone too (tenant members and create_child). */
  withRoot: boolean;
  cursorId: string | null;
}

interface Row {
  id: string;
  depth: number;
  whole: boolean;
  keys: string[];
  ids: string[];
  holds_cursor: boolean;
}

/**
 * The disjoint subtrees of a tenant on which a user holds a permission through grants (their own and
 * their groups', of `roles`): the granted workspaces that lie below no other such grant, each with
 * its chain from the root, so that the caller can order them in tree order. One statement; it grows
 * with the user's grants in the tenant (as viewable-workspaces.repository.ts), never with the
 * workspaces below them.
 */
export async function findAccessibleSubtrees(db: Executor, query: AccessibleSubtreeQuery): Promise<AccessibleSubtree[]> {
  const { rows } = await sql<Row>`${sql.raw(PREPARED)}
    WITH granted AS (
      SELECT workspace_id FROM workspace_members WHERE user_id = ${query.userId} AND role = ANY(${[...query.roles]}::text[])
      UNION
      SELECT m.workspace_id FROM group_members g JOIN workspace_members m ON m.group_id = g.group_id
       WHERE g.user_id = ${query.userId} AND m.role = ANY(${[...query.roles]}::text[])
    ), tops AS (
      SELECT w.id, w.depth, true AS whole FROM workspaces w
       WHERE w.id IN (SELECT workspace_id FROM granted) AND w.tenant_id = ${query.tenantId} AND w.deleted_at IS NULL
         AND NOT EXISTS (SELECT 1 FROM workspace_ancestors up
                          WHERE up.workspace_id = w.id AND up.distance > 0 AND up.ancestor_id IN (SELECT workspace_id FROM granted))
      UNION ALL
      SELECT r.id, r.depth, false FROM workspaces r
       WHERE ${query.withRoot}::boolean AND r.tenant_id = ${query.tenantId} AND r.parent_id IS NULL
         AND r.id NOT IN (SELECT workspace_id FROM granted)
    )
    SELECT t.id, t.depth, t.whole,
           array_agg(w.name_key ORDER BY a.distance DESC) AS keys, array_agg(w.id ORDER BY a.distance DESC) AS ids,
           CASE WHEN t.whole THEN EXISTS (SELECT 1 FROM workspace_ancestors c WHERE c.workspace_id = ${query.cursorId}::text AND c.ancestor_id = t.id)
                ELSE t.id = ${query.cursorId}::text END AS holds_cursor
      FROM tops t
      JOIN workspace_ancestors a ON a.workspace_id = t.id
      JOIN workspaces w ON w.id = a.ancestor_id
     GROUP BY t.id, t.depth, t.whole`.execute(db);
  return rows.map((r) => ({
    id: r.id,
    depth: r.depth,
    whole: r.whole,
    chain: r.keys.map((key, i): [string, string] => [key, r.ids[i] ?? '']),
    holdsCursor: r.holds_cursor === true,
  }));
}
