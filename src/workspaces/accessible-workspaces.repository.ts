import { sql } from 'kysely';
import type { WorkspaceRole } from '../events/roles.js';
import type { Executor } from '../infra/db/database.js';
import { PREPARED, PREPARED_RAW_TIMESTAMPS } from '../infra/db/prepared-statements.js';
import type { Sorted } from '../shared/pagination.js';
import { StoredWorkspace, type RawTimestamp } from './stored-workspace.js';
import type { Workspace } from './workspace.js';
import { unexpired } from '../infra/db/unexpired.js';

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
      SELECT workspace_id FROM workspace_members WHERE user_id = ${query.userId} AND role = ANY(${[...query.roles]}::text[]) AND ${unexpired('expires_at')}
      UNION
      SELECT m.workspace_id FROM group_members g JOIN workspace_members m ON m.group_id = g.group_id
       WHERE g.user_id = ${query.userId} AND m.role = ANY(${[...query.roles]}::text[]) AND ${unexpired('g.expires_at')} AND ${unexpired('m.expires_at')}
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

export interface SubtreeWalk {
  /** The subtrees in tree order (their chains compared): the walk goes through them one after another. */
  subtrees: readonly Pick<AccessibleSubtree, 'id' | 'depth' | 'whole'>[];
  /** Where it resumes: after this node of subtree `index` (a cursor); absent: at the first subtree's top, listed. */
  after?: { index: number; id: string } | undefined;
  /** Workspaces to return (a page's `first + 1`). */
  limit: number;
  /** Nodes the walk may pass through at most (the caller's row budget, plus one to fail). */
  maxVisited: number;
}

interface WalkRow {
  n: number;
  id: string;
  tenant_id: string;
  parent_id: string | null;
  name: string;
  name_key: string;
  depth: number;
  created_at: RawTimestamp;
  updated_at: RawTimestamp;
}

const COLUMNS = sql.raw('id, tenant_id, parent_id, name, name_key, depth, created_at, updated_at');
const prefixed = (alias: string) => sql.raw(['id', 'tenant_id', 'parent_id', 'name', 'name_key', 'depth', 'created_at', 'updated_at'].map((c) => `${alias}.${c}`).join(', '));

/**
 * A page of the union of disjoint subtrees in tree order, in one statement: the pre-order walk of
 * workspace-descendants.repository.ts (first child, else the next sibling of the node, else of the
 * nearest ancestor below the subtree's top that has one), and when a subtree is done, the next
 * subtree's top. Each step is
 * one or a few index probes, so the page costs what it returns (plus climbs, at most the depth),
 * however large the subtrees and however many of them it crosses. A lone workspace (not `whole`)
 * has no step below it. Returns the workspaces in order, how many nodes the walk visited, and
 * whether it could start: a cursor's node no longer in its subtree walks nothing.
 */
export async function walkSubtrees(db: Executor, walk: SubtreeWalk): Promise<{ items: Sorted<Workspace>[]; visited: number; started: boolean }> {
  if (walk.subtrees.length === 0) return { items: [], visited: 0, started: !walk.after };
  const index = walk.after?.index ?? 0;
  const top = walk.subtrees[index];
  if (!top) return { items: [], visited: 0, started: false };
  const startId = walk.after?.id ?? top.id;
  const listStart = walk.after === undefined;
  // The subtrees as arrays (1-based in SQL): the walk carries its subtree's index, top depth and depth
  // limit, so a step reads nothing about the other subtrees, however many there are.
  const ids = walk.subtrees.map((s) => s.id);
  const depths = walk.subtrees.map((s) => s.depth);
  const limits = walk.subtrees.map((s) => (s.whole ? 2_147_483_647 : s.depth));
  const { rows } = await sql<WalkRow>`${sql.raw(PREPARED_RAW_TIMESTAMPS)}
    WITH RECURSIVE walk AS (
      SELECT 0 AS n, (${listStart}::boolean)::int AS m, ${index}::int AS i, ${top.depth}::int AS top_depth, ${limits[index] ?? 0}::int AS depth_limit, ${COLUMNS}
        FROM workspaces
       WHERE id = ${startId} AND deleted_at IS NULL
         AND (id = ${top.id} OR EXISTS (SELECT 1 FROM workspace_ancestors
                                        WHERE workspace_id = ${startId} AND ancestor_id = ${top.id} AND distance > 0))
      UNION ALL
      SELECT walk.n + 1, walk.m + 1, nx.i, nx.top_depth, nx.depth_limit, ${prefixed('nx')}
        FROM walk CROSS JOIN LATERAL (
          (SELECT walk.i, walk.top_depth, walk.depth_limit, ${prefixed('c')} FROM workspaces c
            WHERE walk.depth < walk.depth_limit AND c.parent_id = walk.id AND c.deleted_at IS NULL
            ORDER BY c.name_key, c.id LIMIT 1)
          UNION ALL
          -- The next sibling of the node itself, the common step (most nodes are leaves): one probe.
          (SELECT walk.i, walk.top_depth, walk.depth_limit, ${prefixed('s')} FROM workspaces s
            WHERE walk.depth > walk.top_depth AND s.parent_id = walk.parent_id AND (s.name_key, s.id) > (walk.name_key, walk.id) AND s.deleted_at IS NULL
            ORDER BY s.name_key, s.id LIMIT 1)
          UNION ALL
          (SELECT walk.i, walk.top_depth, walk.depth_limit, ${prefixed('s')} FROM workspace_ancestors a
             JOIN workspaces up ON up.id = a.ancestor_id
             CROSS JOIN LATERAL (
               SELECT ${COLUMNS} FROM workspaces sib
                WHERE sib.parent_id = up.parent_id AND (sib.name_key, sib.id) > (up.name_key, up.id) AND sib.deleted_at IS NULL
                ORDER BY sib.name_key, sib.id LIMIT 1
             ) s
            WHERE a.workspace_id = walk.id AND a.distance >= 1 AND a.distance < walk.depth - walk.top_depth
            ORDER BY a.distance LIMIT 1)
          UNION ALL
          (SELECT walk.i + 1, (${depths}::int[])[walk.i + 2], (${limits}::int[])[walk.i + 2], ${prefixed('w')} FROM workspaces w
            WHERE w.id = (${ids}::text[])[walk.i + 2])
          LIMIT 1
        ) nx
       WHERE walk.m < ${walk.limit}::int AND walk.n < ${walk.maxVisited}::int
    )
    SELECT n, ${COLUMNS} FROM walk ORDER BY n`.execute(db);
  if (rows.length === 0) return { items: [], visited: 0, started: false };
  const items = rows
    .filter((r) => listStart || r.n > 0)
    .map((r) => ({ node: new StoredWorkspace(r.id, r.tenant_id, r.parent_id, r.name, r.depth, r.created_at, r.updated_at), sortKey: r.name_key }));
  return { items, visited: rows.length - (listStart ? 0 : 1), started: true };
}

/**
 * How many workspaces the subtrees hold: each one itself, and a whole one its live descendants too
 * (workspace_sizes, kept by triggers: migrations/0010). The subtrees are disjoint, so the sum counts
 * each workspace once; one statement over at most one row per subtree.
 */
export async function countInSubtrees(db: Executor, subtrees: readonly AccessibleSubtree[]): Promise<number> {
  if (subtrees.length === 0) return 0;
  const whole = subtrees.filter((s) => s.whole).map((s) => s.id);
  if (whole.length === 0) return subtrees.length;
  const { rows } = await sql<{ descendants: string }>`
    SELECT coalesce(sum(live_descendants), 0)::text AS descendants FROM workspace_sizes WHERE workspace_id = ANY(${whole}::text[])`.execute(db);
  return subtrees.length + Number(rows[0]?.descendants ?? 0);
}
