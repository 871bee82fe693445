/**
 * `npx tsx bench/listing-storage.ts`: the storage decision of issue 14 (docs/architecture.md,
 * "Listings"), measured. A 111,111-workspace tenant (fan-out 10, depth 5, named like the bench's)
 * in a fresh embedded PostgreSQL, stored three ways next to each other:
 *   - `parent_id` only, descendants by recursive CTE (what we had, minus SpiceDB);
 *   - an ancestor path column `path text[]` with a GIN index (`path && roots`);
 *   - the same path as PostgreSQL's `ltree` (shipped by the embedded server) with a GiST index;
 *   - an ancestry (closure) table `(ancestor_id, name_key, workspace_id)` read per root in order.
 * For callers of several shapes it times one page of 50 in `(name_key, id)` order, the way each
 * storage can answer it; the id-list row is the SQL half of the old LookupResources listing.
 */
import { mkdtemp, rm, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres, embeddedLayout } from '../src/infra/db/embedded-postgres.js';
import { createLogger } from '../src/logger.js';
import { newId } from '../src/shared/ids.js';
import { freePort } from '../tests/support/free-port.js';

const FAN_OUT = 10;
const DEPTH = 5;
const ROUNDS = Number(process.env.ROUNDS ?? 15);

interface Node {
  id: string;
  label: string;
  parentId: string | null;
  path: string[];
}

function tree(): Node[][] {
  const root: Node = { id: newId(), label: 'ws', parentId: null, path: [] };
  root.path = [root.id];
  const levels: Node[][] = [[root]];
  for (let depth = 1; depth <= DEPTH; depth += 1) {
    const parents = levels[depth - 1] ?? [];
    levels.push(
      parents.flatMap((p) =>
        Array.from({ length: FAN_OUT }, (_, i) => {
          const id = newId();
          return { id, label: `${p.label}-${i}`, parentId: p.id, path: [...p.path, id] };
        }),
      ),
    );
  }
  return levels;
}

async function seed(pool: pg.Pool, levels: Node[][]): Promise<void> {
  await pool.query(`
    CREATE TABLE ws (id text PRIMARY KEY, tenant_id text NOT NULL, parent_id text REFERENCES ws (id), name_key text COLLATE "C" NOT NULL,
                     depth int NOT NULL, path text[] NOT NULL);
    CREATE TABLE anc (ancestor_id text NOT NULL, workspace_id text NOT NULL, name_key text COLLATE "C" NOT NULL, distance int NOT NULL,
                      PRIMARY KEY (workspace_id, ancestor_id));`);
  for (const [depth, level] of levels.entries()) {
    await pool.query(
      `INSERT INTO ws SELECT t.id, 'T', t.parent_id, t.name_key, $1, string_to_array(t.path, ',')
         FROM unnest($2::text[], $3::text[], $4::text[], $5::text[]) AS t(id, parent_id, name_key, path)`,
      [depth, level.map((n) => n.id), level.map((n) => n.parentId), level.map((n) => n.label), level.map((n) => n.path.join(','))],
    );
  }
  await pool.query(`
    INSERT INTO anc SELECT p.ancestor, w.id, w.name_key, w.depth - p.pos + 1 FROM ws w, unnest(w.path) WITH ORDINALITY AS p(ancestor, pos);
    CREATE INDEX ws_tenant_order ON ws (tenant_id, name_key, id);
    CREATE INDEX ws_children ON ws (parent_id, name_key, id);
    CREATE INDEX ws_path ON ws USING gin (path);
    CREATE INDEX anc_order ON anc (ancestor_id, name_key, workspace_id);
    CREATE EXTENSION ltree;
    ALTER TABLE ws ADD COLUMN lpath ltree;
    UPDATE ws SET lpath = text2ltree(array_to_string(path, '.'));
    CREATE INDEX ws_lpath ON ws USING gist (lpath);`);
  await pool.query('VACUUM ANALYZE');
}

interface Caller {
  label: string;
  /** The caller's grant roots, none below another. */
  roots: string[];
  after?: { key: string; id: string };
  contains?: string;
}

// $1 roots (or ids), $2 the tenant, then $3/$4 the cursor and the next one the filter, when the caller has them.
const cursor = (c: Caller, alias = ''): string =>
  c.after ? `AND (${alias}name_key, ${alias}${alias === 'a.' ? 'workspace_id' : 'id'}) > ($3 COLLATE "C", $4)` : '';
const filter = (c: Caller, alias = ''): string => (c.contains ? `AND ${alias}name_key LIKE $${c.after ? 5 : 3}` : '');
const params = (c: Caller, first: string[]): unknown[] => [
  first,
  'T',
  ...(c.after ? [c.after.key, c.after.id] : []),
  ...(c.contains ? [`%${c.contains}%`] : []),
];

const STRATEGIES: { label: string; sql: (c: Caller) => string; arg: (c: Caller, viewable: string[]) => unknown[] }[] = [
  {
    label: 'id list (old: LookupResources ids)',
    sql: (c) => `SELECT id, name_key FROM ws WHERE tenant_id = $2 AND id = ANY($1::text[]) ${cursor(c)} ${filter(c)} ORDER BY name_key, id LIMIT 51`,
    arg: (c, viewable) => params(c, viewable),
  },
  {
    label: 'recursive CTE over parent_id',
    sql: (c) => `WITH RECURSIVE d AS (SELECT id, name_key FROM ws WHERE id = ANY($1::text[])
                   UNION ALL SELECT w.id, w.name_key FROM d JOIN ws w ON w.parent_id = d.id)
                 SELECT id, name_key FROM d WHERE $2 = 'T' ${cursor(c)} ${filter(c)} ORDER BY name_key, id LIMIT 51`,
    arg: (c) => params(c, c.roots),
  },
  {
    label: 'path text[] + GIN (path && roots)',
    sql: (c) => `SELECT id, name_key FROM ws WHERE tenant_id = $2 AND path && $1::text[] ${cursor(c)} ${filter(c)} ORDER BY name_key, id LIMIT 51`,
    arg: (c) => params(c, c.roots),
  },
  {
    label: 'ltree + GiST (lpath <@ any root)',
    sql: (c) => `SELECT id, name_key FROM ws WHERE tenant_id = $2 AND lpath <@ ANY($1::ltree[]) ${cursor(c)} ${filter(c)} ORDER BY name_key, id LIMIT 51`,
    arg: (c) => params(c, c.roots.map((id) => ltreeOf.get(id) ?? '')),
  },
  {
    label: 'ancestry table, per root in order',
    sql: (c) => `SELECT p.workspace_id, p.name_key FROM unnest($1::text[]) AS r(id)
                   CROSS JOIN LATERAL (SELECT a.workspace_id, a.name_key FROM anc a WHERE a.ancestor_id = r.id AND $2 = 'T' ${cursor(c, 'a.')} ${filter(c, 'a.')}
                                        ORDER BY a.name_key, a.workspace_id LIMIT 51) p
                 ORDER BY p.name_key, p.workspace_id LIMIT 51`,
    arg: (c) => params(c, c.roots),
  },
];

/** Each workspace's ltree path (root.….self), filled once the tree is built. */
const ltreeOf = new Map<string, string>();

async function time(pool: pg.Pool, text: string, values: unknown[]): Promise<{ ms: number; rows: string[] }> {
  const samples: number[] = [];
  let rows: string[] = [];
  for (let i = 0; i < ROUNDS; i += 1) {
    const started = process.hrtime.bigint();
    const result = await pool.query<{ id?: string; workspace_id?: string }>(text, values);
    samples.push(Number(process.hrtime.bigint() - started) / 1e6);
    rows = result.rows.map((r) => r.id ?? r.workspace_id ?? '');
  }
  samples.sort((a, b) => a - b);
  return { ms: samples[Math.floor(samples.length / 2)] ?? NaN, rows };
}

async function viewableOf(pool: pg.Pool, roots: string[]): Promise<string[]> {
  const { rows } = await pool.query<{ workspace_id: string }>('SELECT workspace_id FROM anc WHERE ancestor_id = ANY($1::text[])', [roots]);
  return rows.map((r) => r.workspace_id);
}

const dataDir = await mkdtemp(path.join(tmpdir(), 'iam-listing-storage-'));
await chmod(dataDir, 0o755);
const postgres = await startEmbeddedPostgres({ dataDir, port: await freePort(), database: 'iam', logger: createLogger('warn') });
const pool = new pg.Pool({ connectionString: postgres.url, max: 1 });
pool.on('error', () => undefined);
try {
  const levels = tree();
  for (const n of levels.flat()) ltreeOf.set(n.id, n.path.join('.'));
  await seed(pool, levels);
  const sizes = await pool.query<{ relation: string; size: string }>(
    `SELECT relname AS relation, pg_size_pretty(pg_total_relation_size(oid)) AS size FROM pg_class WHERE relname IN ('ws', 'anc', 'ws_path', 'anc_order', 'anc_pkey')`,
  );
  console.log(`sizes: ${sizes.rows.map((r) => `${r.relation} ${r.size}`).join(', ')} (ws includes its path column and the GIN index)`);
  const byLabel = new Map(levels.flat().map((n) => [n.label, n]));
  const at = (label: string): Node => {
    const node = byLabel.get(label);
    if (!node) throw new Error(label);
    return node;
  };
  const nine = at('ws-9');
  const nineKeys = (await pool.query<{ name_key: string; workspace_id: string }>(
    'SELECT name_key, workspace_id FROM anc WHERE ancestor_id = $1 ORDER BY name_key, workspace_id OFFSET 10000 LIMIT 1',
    [nine.id],
  )).rows[0];
  const spread = (levels[3] ?? []).filter((_, i) => i % 10 === 3).map((n) => n.id);
  const callers: Caller[] = [
    { label: 'ADMIN on ws-9 (depth 1, 11,111 below, names last)', roots: [nine.id] },
    { label: 'ADMIN on ws-0 (depth 1, 11,111 below, names first)', roots: [at('ws-0').id] },
    { label: 'ws-9, page after the 10,000th', roots: [nine.id], ...(nineKeys ? { after: { key: nineKeys.name_key, id: nineKeys.workspace_id } } : {}) },
    { label: 'ws-9, nameContains matching none', roots: [nine.id], contains: 'zz' },
    { label: 'one leaf (1 of 111,111)', roots: [at('ws-9-9-9-9-9').id] },
    { label: '100 roots of 111 each (depth 3)', roots: spread },
    { label: '1,000 roots of 11 each (depth 4)', roots: (levels[4] ?? []).filter((_, i) => i % 10 === 7).map((n) => n.id) },
    { label: '1,000 roots of 111 each (all of depth 3)', roots: (levels[3] ?? []).map((n) => n.id) },
    { label: 'the root (everything)', roots: [at('ws').id] },
  ];
  console.log(`| Caller | ${STRATEGIES.map((s) => s.label).join(' | ')} |`);
  console.log(`| --- | ${STRATEGIES.map(() => '---:').join(' | ')} |`);
  for (const caller of callers) {
    const viewable = await viewableOf(pool, caller.roots);
    const cells: string[] = [];
    let expected: string | undefined;
    for (const strategy of STRATEGIES) {
      const { ms, rows } = await time(pool, strategy.sql(caller), strategy.arg(caller, viewable));
      expected ??= rows.join();
      if (rows.join() !== expected) throw new Error(`${strategy.label} disagrees for ${caller.label}`);
      cells.push(`${ms.toFixed(2)} ms`);
    }
    console.log(`| ${caller.label} (${viewable.length.toLocaleString('en-US')} viewable) | ${cells.join(' | ')} |`);
  }
} finally {
  await pool.end();
  await postgres.stop();
  await rm(embeddedLayout(dataDir).clusterDir, { recursive: true, force: true });
  await rm(dataDir, { recursive: true, force: true });
}
