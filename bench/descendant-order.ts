/**
 * `npx tsx bench/descendant-order.ts`: the storage decision of issue 17 (docs/architecture.md,
 * "Moves and navigation"), measured. On the bench's 111,111-workspace tenant (fan-out 10, depth 5)
 * it times one page of 100 descendants in tree order (pre-order, siblings by name then id) three ways:
 *   - the walk the service runs (workspace-descendants.repository.ts: node by node over the
 *     children index, resuming from a node);
 *   - a recursive CTE over `parent_id` that builds each node's chain of (name_key, id) and sorts;
 *   - the ancestry table: each descendant's chain aggregated from `workspace_ancestors`, then sorted;
 * and the index-only count behind `totalCount`. Median of ROUNDS (default 15) per cell, in ms.
 */
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { createDatabase } from '../src/infra/db/database.js';
import { startEmbeddedPostgres } from '../src/infra/db/embedded-postgres.js';
import { createLogger } from '../src/logger.js';
import { countDescendants, walkDescendants } from '../src/workspaces/workspace-descendants.repository.js';
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
      { label: 'the root, first page (111,110 below)', root, startId: root.id },
      { label: 'the root, page after ws-5-0-0-0 (~55,000th)', root, startId: (await node('ws-5-0-0-0')).id },
      { label: '`ws-9`, first page (11,110 below)', root: await node('ws-9'), startId: (await node('ws-9')).id },
      { label: '`ws-9-9-9`, first page (110 below)', root: await node('ws-9-9-9'), startId: (await node('ws-9-9-9')).id },
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
    console.log(`| start | walk (ours) | recursive CTE + sort | ancestry table + sort | totalCount (index-only count) |\n|---|---:|---:|---:|---:|`);
    for (const c of cases) {
      const walk = await median(() => walkDescendants(db, { root: c.root, startId: c.startId, maxDepth: null, limit: PAGE + 1, maxVisited: 10_000 }));
      const first = c.startId === c.root.id;
      const recursive = first ? await median(() => cte(c.root.id)) : Number.NaN;
      const table = first ? await median(() => closure(c.root.id)) : Number.NaN;
      const count = await median(() => countDescendants(db, c.root.id, null));
      const minus = await median(() => sql`SELECT (SELECT count(*) FROM workspace_ancestors WHERE ancestor_id = ${c.root.id} AND distance > 0)
        - (SELECT count(*) FROM workspaces t JOIN workspace_ancestors a ON a.workspace_id = t.id AND a.ancestor_id = ${c.root.id} AND a.distance > 0
            WHERE t.tenant_id = (SELECT tenant_id FROM workspaces WHERE id = ${c.root.id}) AND t.deleted_at IS NOT NULL) AS n`.execute(db));
      console.log(`count minus trashed: ${minus}`);
      const cell = (n: number): string => (Number.isNaN(n) ? 'same as first page' : String(n));
      console.log(`| ${c.label} | ${walk} | ${cell(recursive)} | ${cell(table)} | ${count} |`);
    }
  } finally {
    await database.close();
    await postgres.stop();
  }
} finally {
  if (process.env.BENCH_KEEP !== '1') await rm(dataDir, { recursive: true, force: true });
}
