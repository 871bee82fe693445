/**
 * `npx tsx bench/descendant-order.ts`: the storage decision of issue 17 (docs/architecture.md,
 * "Moves and navigation"), measured. On the bench's 111,111-workspace tenant (fan-out 10, depth 5)
 * it times one page of 100 descendants in tree order (pre-order, siblings by name then id) four ways:
 *   - one range of the tree-key index (workspace-tree-order.repository.ts, migration 0010), what the
 *     service runs for every level without a filter, with the subtree's size in the same statement;
 *   - the walk the service runs with maxDepth or nameContains (workspace-descendants.repository.ts:
 *     node by node over the children index, resuming from a node);
 *   - a recursive CTE over `parent_id` that builds each node's chain of (name_key, id) and sorts;
 *   - the ancestry table: each descendant's chain aggregated from `workspace_ancestors`, then sorted;
 * and the index-only count behind `totalCount` with maxDepth or nameContains. Median of ROUNDS (default 15) per cell, in ms.
 */
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { createDatabase } from '../src/infra/db/database.js';
import { startEmbeddedPostgres } from '../src/infra/db/embedded-postgres.js';
import { createLogger } from '../src/logger.js';
import { countDescendants, walkDescendants } from '../src/workspaces/workspace-descendants.repository.js';
import { pageDescendantsInTreeOrder } from '../src/workspaces/workspace-tree-order.repository.js';
import { freePort } from '../tests/support/free-port.js';
import { seedTenant } from './seed.js';

const ROUNDS = Number(process.env.ROUNDS ?? 15);
const PAGE = 100;

async function median(run: () => Promise<unknown>): Promise<number> {
  await run();
  const times: number[] = [];
  for (let i = 0; i < ROUNDS; i += 1) {
    const t0 = performance.now();
    await run();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return Math.round((times[Math.floor(times.length / 2)] ?? 0) * 100) / 100;
}

const dataDir = await mkdtemp(path.join(tmpdir(), 'iam-descendants-'));
await chmod(dataDir, 0o755);
const port = await freePort();
try {
  const seed = await seedTenant(dataDir, port, { fanOut: 10, depth: Number(process.env.DEPTH ?? 5) });
  const postgres = await startEmbeddedPostgres({ dataDir, port, database: 'iam', logger: createLogger('warn') });
  const database = createDatabase(postgres.url, undefined, 1);
  const db = database.db;
  try {
    const node = async (name: string) => {
      const { rows } = await sql<{ id: string; depth: number }>`SELECT id, depth FROM workspaces WHERE tenant_id = ${seed.tenantId} AND name = ${name}`.execute(db);
      const found = rows[0];
      if (!found) throw new Error(`no workspace ${name}`);
      return found;
    };
    const root = { id: seed.rootId, depth: 0 };
    const cases = [
      { label: 'the root, first page', root, startId: root.id },
      { label: 'the root, page after `ws-5-0-0-0` (half-way)', root, startId: (await node('ws-5-0-0-0')).id },
      { label: '`ws-9`, first page', root: await node('ws-9'), startId: (await node('ws-9')).id },
      { label: '`ws-9-9-9`, first page', root: await node('ws-9-9-9'), startId: (await node('ws-9-9-9')).id },
    ];
    const cte = (rootId: string) => sql`
      WITH RECURSIVE t AS (
        SELECT id, ARRAY[]::text[] COLLATE "C" AS chain FROM workspaces WHERE id = ${rootId}
        UNION ALL
        SELECT c.id, t.chain || ARRAY[c.name_key, c.id COLLATE "C"] FROM t JOIN workspaces c ON c.parent_id = t.id AND c.deleted_at IS NULL
      )
      SELECT w.id, w.name, w.depth FROM t JOIN workspaces w ON w.id = t.id WHERE t.id <> ${rootId} ORDER BY t.chain LIMIT ${PAGE}`.execute(db);
    const closure = (rootId: string) => sql`
      SELECT d.workspace_id, (SELECT array_agg(x ORDER BY a.distance DESC, o) FROM workspace_ancestors a JOIN workspaces u ON u.id = a.ancestor_id
                                CROSS JOIN LATERAL unnest(ARRAY[u.name_key, u.id COLLATE "C"]) WITH ORDINALITY AS k(x, o)
                               WHERE a.workspace_id = d.workspace_id AND a.distance < d.distance) AS chain
        FROM workspace_ancestors d WHERE d.ancestor_id = ${rootId} AND d.distance > 0 ORDER BY chain LIMIT ${PAGE}`.execute(db);
    console.log(`| start | tree-key range + size | walk | recursive CTE + sort | ancestry table + sort | index-only count |\n|---|---:|---:|---:|---:|---:|`);
    if (process.env.EXPLAIN === '1') {
      // The page statement with the root's bounds, as the planner runs it (generic plan, as prepared).
      await sql`SET plan_cache_mode = force_generic_plan`.execute(db);
      const { rows } = await sql<{ 'QUERY PLAN': string }>`EXPLAIN (ANALYZE, BUFFERS) WITH bounds AS (
          SELECT s.tree_key AS after_key, r.tree_key || E'\\x02' AS before_key FROM workspaces r JOIN workspaces s ON s.id = r.id WHERE r.id = ${root.id})
        SELECT w.id FROM bounds b LEFT JOIN LATERAL (SELECT id FROM workspaces WHERE deleted_at IS NULL
          AND left(tree_key, 512) >= left(b.after_key, 512) AND left(tree_key, 512) <= left(b.before_key, 512)
          AND tree_key > b.after_key AND tree_key < b.before_key ORDER BY left(tree_key, 512), tree_key LIMIT 101) w ON true`.execute(db);
      console.log(rows.map((r) => r['QUERY PLAN']).join('\n'));
    }
    for (const c of cases) {
      const range = await median(() => pageDescendantsInTreeOrder(db, { rootId: c.root.id, startId: c.startId, limit: PAGE + 1 }));
      const walk = await median(() => walkDescendants(db, { root: c.root, startId: c.startId, maxDepth: null, limit: PAGE + 1, maxVisited: 10_000 }));
      const first = c.startId === c.root.id;
      const recursive = first ? await median(() => cte(c.root.id)) : Number.NaN;
      const table = first ? await median(() => closure(c.root.id)) : Number.NaN;
      const count = await median(() => countDescendants(db, c.root.id, null));
      const cell = (n: number): string => (Number.isNaN(n) ? 'same as first page' : String(n));
      console.log(`| ${c.label} | ${range} | ${walk} | ${cell(recursive)} | ${cell(table)} | ${count} |`);
    }
  } finally {
    await database.close();
    await postgres.stop();
  }
} finally {
  if (process.env.BENCH_KEEP !== '1') await rm(dataDir, { recursive: true, force: true });
}
