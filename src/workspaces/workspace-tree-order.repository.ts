import { sql } from 'kysely';
import type { Executor } from '../infra/db/database.js';
import { PREPARED_RAW_TIMESTAMPS } from '../infra/db/prepared-statements.js';
import type { Sorted } from '../shared/pagination.js';
import { StoredWorkspace, type RawTimestamp } from './stored-workspace.js';
import type { Workspace } from './workspace.js';

interface PageRow {
  total: number;
  id: string | null;
  tenant_id: string;
  parent_id: string | null;
  name: string;
  depth: number;
  created_at: RawTimestamp;
  updated_at: RawTimestamp;
}

/**
 * A page of every live descendant of `rootId` in pre-order (siblings by name_key, then id), after
 * `startId` (the root, or the last node of the previous page): one range of
 * workspaces_tree_order_idx, whatever the subtree holds and wherever the page starts, and the
 * subtree's size from workspace_sizes in the same statement (migrations/0010_workspace_tree_order.sql).
 * Items carry no sort key: a descendants cursor resumes from its node, whose key the range reads.
 * `started` is false when the start is neither the root nor a live node below it (a cursor of a
 * node moved away or deleted since).
 */
export async function pageDescendantsInTreeOrder(
  db: Executor,
  walk: { rootId: string; startId: string; limit: number },
): Promise<{ items: Sorted<Workspace>[]; total: number; started: boolean }> {
  const { rows } = await sql<PageRow>`${sql.raw(PREPARED_RAW_TIMESTAMPS)}
    WITH bounds AS (
      SELECT s.tree_key AS after_key, r.tree_key || E'\\x02' AS before_key, z.live_descendants AS total
        FROM workspaces r
        JOIN workspace_sizes z ON z.workspace_id = r.id
        JOIN workspaces s ON s.id = ${walk.startId} AND s.deleted_at IS NULL
       WHERE r.id = ${walk.rootId} AND (s.id = r.id OR starts_with(s.tree_key, r.tree_key || E'\\x01'))
    )
    SELECT b.total, w.* FROM bounds b LEFT JOIN LATERAL (
      SELECT id, tenant_id, parent_id, name, depth, created_at, updated_at FROM workspaces
       WHERE deleted_at IS NULL
         AND left(tree_key, 512) >= left(b.after_key, 512) AND left(tree_key, 512) <= left(b.before_key, 512)
         AND tree_key > b.after_key AND tree_key < b.before_key
       ORDER BY left(tree_key, 512), tree_key
       LIMIT ${walk.limit}
    ) w ON true`.execute(db);
  const first = rows[0];
  if (!first) return { items: [], total: 0, started: false };
  const items = rows
    .filter((r): r is PageRow & { id: string } => r.id !== null)
    .map((r) => ({ node: new StoredWorkspace(r.id, r.tenant_id, r.parent_id, r.name, r.depth, r.created_at, r.updated_at), sortKey: '' }));
  return { items, total: first.total, started: true };
}
