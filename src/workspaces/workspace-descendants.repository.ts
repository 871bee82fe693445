import { sql } from 'kysely';
import type { Executor } from '../infra/db/database.js';
import { containsPattern } from '../infra/db/like.js';
import { PREPARED_RAW_TIMESTAMPS } from '../infra/db/prepared-statements.js';
import type { Sorted } from '../shared/pagination.js';
import { StoredWorkspace, type RawTimestamp } from './stored-workspace.js';
import type { Workspace } from './workspace.js';

export interface DescendantWalk {
  /** The workspace whose subtree is listed (not itself listed). */
  root: Pick<Workspace, 'id' | 'depth'>;
  /** Where the walk resumes: the root, or the last node of the previous page (inside the subtree). */
  startId: string;
  /** Levels below the root to include; null: all of them. */
  maxDepth: number | null;
  /** A name key (nameFilterKey) that a listed descendant's name key must contain. */
  nameKeyContains?: string | undefined;
  /** Matches to return (a page's `first + 1`). */
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
 * A page of a subtree in pre-order (siblings by name_key, then id), walked node by node from the
 * start: each step takes the current node's first child (above the depth limit), or else the next
 * sibling of the nearest node on its chain, below the root, that has one. Every step is one or a
 * few probes of workspaces_children_order_idx, so a page costs what it returns (plus the climbs,
 * at most the depth) whatever the subtree holds; the cursor is a node, not an offset. A trashed
 * workspace is stepped over with what lies below it (all of it trashed too). With a name
 * filter the walk also passes over the nodes that do not match, counted against `maxVisited`.
 * Returns the matches in order, how many nodes the walk visited, and whether it could start: a
 * start that is neither the root nor inside its subtree (a cursor of a node since moved away or
 * deleted) walks nothing.
 */
export async function walkDescendants(db: Executor, walk: DescendantWalk): Promise<{ items: Sorted<Workspace>[]; visited: number; started: boolean }> {
  const depthLimit = walk.maxDepth === null ? 2_147_483_647 : walk.root.depth + walk.maxDepth;
  const pattern = walk.nameKeyContains ? containsPattern(walk.nameKeyContains) : null;
  const { rows } = await sql<WalkRow & { hit: boolean }>`${sql.raw(PREPARED_RAW_TIMESTAMPS)}
    WITH RECURSIVE walk AS (
      SELECT 0 AS n, 0 AS m, false AS hit, ${COLUMNS} FROM workspaces
       WHERE id = ${walk.startId} AND deleted_at IS NULL
         AND (id = ${walk.root.id} OR EXISTS (SELECT 1 FROM workspace_ancestors
                                              WHERE workspace_id = ${walk.startId} AND ancestor_id = ${walk.root.id} AND distance > 0))
      UNION ALL
      SELECT walk.n + 1, walk.m + (nx.hit)::int, nx.hit, ${prefixed('nx')}
        FROM walk CROSS JOIN LATERAL (
          SELECT (${pattern}::text IS NULL OR step.name_key LIKE ${pattern}) AS hit, step.* FROM (
            (SELECT ${prefixed('c')} FROM workspaces c
              WHERE walk.depth < ${depthLimit}::int AND c.parent_id = walk.id AND c.deleted_at IS NULL
              ORDER BY c.name_key, c.id LIMIT 1)
            UNION ALL
            (SELECT ${prefixed('s')} FROM workspace_ancestors a
               JOIN workspaces up ON up.id = a.ancestor_id
               CROSS JOIN LATERAL (
                 SELECT ${COLUMNS} FROM workspaces sib
                  WHERE sib.parent_id = up.parent_id AND (sib.name_key, sib.id) > (up.name_key, up.id) AND sib.deleted_at IS NULL
                  ORDER BY sib.name_key, sib.id LIMIT 1
               ) s
              WHERE a.workspace_id = walk.id AND a.distance < walk.depth - ${walk.root.depth}::int
              ORDER BY a.distance LIMIT 1)
            LIMIT 1
          ) step
        ) nx
       WHERE walk.m < ${walk.limit}::int AND walk.n < ${walk.maxVisited}::int
    )
    SELECT n, hit, ${COLUMNS} FROM walk`.execute(db);
  if (rows.length === 0) return { items: [], visited: 0, started: false };
  const items = rows
    .filter((r) => r.n > 0 && r.hit)
    .map((r) => ({ node: new StoredWorkspace(r.id, r.tenant_id, r.parent_id, r.name, r.depth, r.created_at, r.updated_at), sortKey: r.name_key }));
  return { items, visited: rows.length - 1, started: true };
}

/** How many descendants of `rootId` lie within `maxDepth` levels and match the name filter: one index range. */
export async function countDescendants(db: Executor, rootId: string, maxDepth: number | null, nameKeyContains?: string): Promise<number> {
  const pattern = nameKeyContains ? containsPattern(nameKeyContains) : null;
  const { rows } = await sql<{ count: number }>`
    SELECT count(*)::int AS count FROM workspace_ancestors
     WHERE ancestor_id = ${rootId} AND distance > 0
       AND (${maxDepth}::int IS NULL OR distance <= ${maxDepth}::int)
       AND (${pattern}::text IS NULL OR name_key LIKE ${pattern})
       AND NOT EXISTS (SELECT 1 FROM workspaces t WHERE t.id = workspace_ancestors.workspace_id AND t.deleted_at IS NOT NULL)`.execute(db);
  return rows[0]?.count ?? 0;
}

/**
 * How many live levels lie below a workspace (0 for a leaf), which bounds where it may move, and
 * how many live workspaces it holds. Trashed ones move along (their depths follow) but a restore
 * checks its own depth again.
 */
export async function subtreeHeightAndSize(db: Executor, id: string): Promise<{ height: number; size: number }> {
  const { rows } = await sql<{ height: number; size: number }>`
    SELECT coalesce(max(a.distance), 0)::int AS height, count(*)::int AS size
      FROM workspace_ancestors a JOIN workspaces w ON w.id = a.workspace_id
     WHERE a.ancestor_id = ${id} AND w.deleted_at IS NULL`.execute(db);
  return rows[0] ?? { height: 0, size: 1 };
}
