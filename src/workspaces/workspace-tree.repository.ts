import { sql } from 'kysely';
import { ADVISORY_LOCKS } from '../infra/db/advisory-locks.js';
import type { Executor, Tx } from '../infra/db/database.js';
import { PREPARED_RAW_TIMESTAMPS } from '../infra/db/prepared-statements.js';
import type { PageRequest, Sorted } from '../shared/pagination.js';
import { StoredWorkspace, type RawTimestamp } from './stored-workspace.js';
import type { Workspace } from './workspace.js';

/** What a level of children inherits from its parent instead of reading it again. */
export type ChildParent = Pick<Workspace, 'id' | 'tenantId' | 'depth'>;

// Named, not `*`: this runs as a prepared statement (prepared-statements.ts). A child shares its
// parent's tenant and sits one level below it, so those are not read per row; timestamps stay as
// PostgreSQL printed them (PREPARED_RAW_TIMESTAMPS) and are parsed only if read (StoredWorkspace).
const CHILD_COLUMNS = sql.raw('id, parent_id, name, name_key, created_at, updated_at');
interface ChildRow {
  level: number;
  rank: number;
  id: string;
  parent_id: string;
  name: string;
  name_key: string;
  created_at: RawTimestamp;
  updated_at: RawTimestamp;
}

/**
 * Several levels of children in one statement: level 1 under `parents` with `pages[0]`, level 2
 * under the items of level 1 (not its look-ahead rows) with `pages[1]`, and so on. Each level maps
 * every one of its parents to the first `first + 1` children in order (empty when it has none), so
 * `hasNextPage` is known at every level. One statement text per number of levels: no cursor
 * compares with NULL, which is never greater. Rows come unsorted and are placed by their rank.
 * At most `maxRows` rows are read; `rows` says how many were, for the caller's row budget.
 */
export async function listChildLevels(
  db: Executor,
  parents: readonly ChildParent[],
  pages: readonly PageRequest[],
  maxRows: number,
): Promise<{ levels: Map<string, Sorted<Workspace>[]>[]; rows: number }> {
  if (pages.length === 0 || parents.length === 0) return { levels: pages.map(() => new Map()), rows: 0 };
  const ctes = pages.map((page, i) => {
    const under = i === 0 ? sql`ANY(${parents.map((p) => p.id)}::text[])` : sql`ANY(ARRAY(SELECT id FROM ${sql.raw(`l${i}`)} WHERE rank <= ${pages[i - 1]?.first ?? 0}))`;
    return sql`${sql.raw(`l${i + 1}`)} AS (
      SELECT ${CHILD_COLUMNS}, rank FROM (
        SELECT ${CHILD_COLUMNS}, row_number() OVER (PARTITION BY parent_id ORDER BY name_key, id)::int AS rank
          FROM workspaces
         WHERE parent_id = ${under} AND deleted_at IS NULL
           AND (${page.after === null}::boolean OR (name_key, id) > (${page.after?.key ?? ''} COLLATE "C", ${page.after?.id ?? ''}))
      ) ranked
      WHERE rank <= ${page.first + 1}
    )`;
  });
  const union = sql.join(pages.map((_, i) => sql`SELECT ${sql.raw(String(i))} AS level, ${CHILD_COLUMNS}, rank FROM ${sql.raw(`l${i + 1}`)}`), sql` UNION ALL `);
  // The caller's row budget bounds the statement: past it the request fails, so the rest is never read.
  const { rows } = await sql<ChildRow>`${sql.raw(PREPARED_RAW_TIMESTAMPS)} WITH ${sql.join(ctes)} ${union} LIMIT ${maxRows}`.execute(db);
  return { levels: placeLevels(rows, parents, pages), rows: rows.length };
}

/** Rows in any order → per level, each parent's children at their rank. */
function placeLevels(rows: readonly ChildRow[], parents: readonly ChildParent[], pages: readonly PageRequest[]): Map<string, Sorted<Workspace>[]>[] {
  const byLevel = pages.map((): ChildRow[] => []);
  for (const row of rows) byLevel[row.level]?.push(row);
  let known = new Map(parents.map((p) => [p.id, p]));
  return pages.map((page, i) => {
    const level = new Map<string, Sorted<Workspace>[]>();
    for (const id of known.keys()) level.set(id, []);
    const next = new Map<string, ChildParent>();
    for (const row of byLevel[i] ?? []) {
      const parent = known.get(row.parent_id);
      const siblings = level.get(row.parent_id);
      if (!parent || !siblings) continue;
      const child = new StoredWorkspace(row.id, parent.tenantId, parent.id, row.name, parent.depth + 1, row.created_at, row.updated_at);
      siblings[row.rank - 1] = { node: child, sortKey: row.name_key };
      if (row.rank <= page.first) next.set(child.id, child);
    }
    known = next;
    return level;
  });
}

/**
 * A tenant's tree lock (ADVISORY_LOCKS.workspaceTree) until commit: `exclusive` for a move,
 * `shared` for every other change of the tree's rows (create, rename, delete). Taken right after
 * the tenant's row and before any workspace row, so a move and the changes it rewrites queue in
 * one order: a create reads its parent's depth, a rename its ancestry rows, after a move committed.
 */
export async function holdWorkspaceTree(trx: Tx, tenantId: string, mode: 'shared' | 'exclusive'): Promise<void> {
  const fn = sql.raw(mode === 'shared' ? 'pg_advisory_xact_lock_shared' : 'pg_advisory_xact_lock');
  await sql`SELECT ${fn}(${ADVISORY_LOCKS.workspaceTree}::int, hashtext(${tenantId}))`.execute(trx);
}
