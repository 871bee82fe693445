/**
 * `npm run bench:mutations` (and the `mutations` phase of `npm run bench`): the throughput of three mutations, `createWorkspace`,
 * `grantWorkspaceRole` (each a new grant of a group on a workspace created before) and
 * `addGroupMember` (a user of the tenant, seeded in bulk, into a group), at concurrency 1
 * and 16, against the service in its own process on embedded PostgreSQL and SpiceDB: requests per
 * second, p50/p99 latency (each answers after SpiceDB applied it: `authorizationSynced: true`), SQL
 * statements per mutation from the service's request log lines, and where the time went: the
 * transaction and its outbox append, and the wait for SpiceDB (the service's `write` timings on
 * each request line), split by the relay's commit-to-applied lag and batch sizes (from the outbox
 * table). BENCH_MUTATIONS (default 300) per measurement. Issues 18 and 21 (docs/benchmarks.md).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { freePort } from '../tests/support/free-port.js';
import { embeddedLayout } from '../src/infra/db/embedded-postgres.js';
import { readSecret } from '../src/infra/db/superuser-password.js';
import { insertTenantUsers } from './people-seed.js';
import { cpuBetween, sampleCpu } from './process-cpu.js';
import { parseJson, startService } from './service.js';

const COUNT = Number(process.env.BENCH_MUTATIONS ?? 300);

export interface MutationFigures {
  mutation: string;
  concurrency: number;
  requests: number;
  reqPerSec: number;
  p50Ms: number;
  p99Ms: number;
  sqlPerMutation: number;
  /** CPU of the service, its PostgreSQL and SpiceDB per mutation: steadier than req/s on a shared machine. */
  cpuMsPerMutation: number;
  /** Every mutation answered `authorizationSynced: true`. */
  allSynced: boolean;
  /** Medians of the service's own timings (ms): the transaction (pool wait, statements, commit), inside it the outbox append (lock and insert), and the wait for SpiceDB after the commit. */
  timings: { transactionMs: number; appendMs: number; syncWaitMs: number };
  /** The relay's side of the wait, from the outbox table: commit-to-applied lag (database clock) p50/p99, and events per applied batch (one WriteRelationships each). */
  relay: { lagP50Ms: number; lagP99Ms: number; eventsPerBatch: number };
}

const quantile = (sorted: number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;

/** Runs the measurements on a service of its own and returns them. */
export async function benchMutations(): Promise<MutationFigures[]> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'iam-bench-mutations-'));
  const postgresPort = await freePort();
  const service = await startService({ dataDir, port: await freePort(), postgresPort, env: { AUTHZ_SYNC_WAIT_MS: '5000' } });
  let db: pg.Pool | undefined;
  try {
    const keyLine = service.lines.find((l) => l.startsWith('Bootstrap admin API key: '));
    const key = keyLine?.slice('Bootstrap admin API key: '.length).trim() ?? '';
    const gql = async (query: string, variables: Record<string, unknown>): Promise<{ data?: Record<string, unknown>; errors?: unknown[] }> => {
      const response = await fetch(service.url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': key }, body: JSON.stringify({ query, variables }) });
      return (await response.json()) as { data?: Record<string, unknown>; errors?: unknown[] };
    };
    const viewer = await gql('{ viewer { tenantScope { id rootWorkspace { id } } } }', {});
    const scope = (viewer.data?.viewer as { tenantScope: { id: string; rootWorkspace: { id: string } } }).tenantScope;
    const group = await gql('mutation($t: ID!) { createGroup(input: { tenantId: $t, name: "bench" }) { group { id } } }', { t: scope.id });
    const groupId = (group.data?.createGroup as { group: { id: string } }).group.id;
    const created: string[] = [];
    const synced: boolean[] = [];
    let n = 0;
    // The users to add, in bulk with their outbox events (the relay applies them before the windows).
    const password = await readSecret(embeddedLayout(dataDir).passwordFile);
    const pool = new pg.Pool({ connectionString: `postgres://postgres:${encodeURIComponent(password ?? '')}@127.0.0.1:${postgresPort}/iam`, max: 2 });
    db = pool;
    const people = await insertTenantUsers(pool, scope.id, 'bench-person', 2 * COUNT + 20, { outbox: true });
    const kinds = {
      createWorkspace: async (): Promise<void> => {
        n += 1;
        const r = await gql('mutation($p: ID!, $n: String!) { createWorkspace(input: { parentId: $p, name: $n }) { workspace { id } authorizationSynced } }', { p: scope.rootWorkspace.id, n: `bench ${n}` });
        if (r.errors) throw new Error(JSON.stringify(r.errors));
        const payload = r.data?.createWorkspace as { workspace: { id: string }; authorizationSynced: boolean };
        created.push(payload.workspace.id);
        synced.push(payload.authorizationSynced);
      },
      grantWorkspaceRole: async (): Promise<void> => {
        const w = created.pop();
        const r = await gql('mutation($w: ID!, $g: ID!) { grantWorkspaceRole(input: { workspaceId: $w, groupId: $g, role: MEMBER }) { authorizationSynced } }', { w, g: groupId });
        if (r.errors) throw new Error(JSON.stringify(r.errors));
        synced.push((r.data?.grantWorkspaceRole as { authorizationSynced: boolean }).authorizationSynced);
      },
      addGroupMember: async (): Promise<void> => {
        const u = people.pop();
        const r = await gql('mutation($g: ID!, $u: ID!) { addGroupMember(input: { groupId: $g, userId: $u, role: MEMBER }) { authorizationSynced } }', { g: groupId, u: u?.id });
        if (r.errors) throw new Error(JSON.stringify(r.errors));
        synced.push((r.data?.addGroupMember as { authorizationSynced: boolean }).authorizationSynced);
      },
    };
    const results: MutationFigures[] = [];
    // Warm-up: a few of each, not measured.
    for (let i = 0; i < 20; i += 1) await kinds.createWorkspace();
    for (let i = 0; i < 10; i += 1) await kinds.grantWorkspaceRole();
    for (let i = 0; i < 10; i += 1) await kinds.addGroupMember();
    for (const concurrency of [1, 16]) {
      for (const mutation of ['createWorkspace', 'grantWorkspaceRole', 'addGroupMember'] as const) {
        const logFrom = service.lines.length;
        const syncedFrom = synced.length;
        const seqFrom = await lastSeq(pool);
        const latencies: number[] = [];
        let left = COUNT;
        const cpuBefore = await sampleCpu(service.pid);
        const started = performance.now();
        await Promise.all(
          Array.from({ length: concurrency }, async () => {
            while (left > 0) {
              left -= 1;
              const t0 = performance.now();
              await kinds[mutation]();
              latencies.push(performance.now() - t0);
            }
          }),
        );
        const seconds = (performance.now() - started) / 1000;
        await new Promise((resolve) => setTimeout(resolve, 300)); // the request lines are written after the response
        const cpu = cpuBetween(cpuBefore, await sampleCpu(service.pid));
        const requestLines = service.lines
          .slice(logFrom)
          .map(parseJson)
          .filter((l) => l?.event === 'graphql_request');
        const sql = requestLines.map((l) => Number(l?.sql ?? 0));
        const writes = requestLines.map((l) => (l?.write ?? {}) as Partial<Record<'transactionMs' | 'appendMs' | 'syncWaitMs', number>>);
        const median = (key: 'transactionMs' | 'appendMs' | 'syncWaitMs'): number => Math.round(quantile(writes.map((w) => w[key] ?? NaN).filter(Number.isFinite).sort((a, b) => a - b), 0.5) * 10) / 10;
        latencies.sort((a, b) => a - b);
        results.push({
          mutation,
          concurrency,
          requests: latencies.length,
          reqPerSec: Math.round((latencies.length / seconds) * 10) / 10,
          p50Ms: Math.round(quantile(latencies, 0.5) * 10) / 10,
          p99Ms: Math.round(quantile(latencies, 0.99) * 10) / 10,
          sqlPerMutation: sql.length ? Math.round((sql.reduce((a, b) => a + b, 0) / sql.length) * 10) / 10 : Number.NaN,
          cpuMsPerMutation: cpu ? Math.round(((cpu.serviceMs + cpu.childrenMs + cpu.spicedbMs) / latencies.length) * 100) / 100 : Number.NaN,
          allSynced: synced.slice(syncedFrom).every(Boolean) && synced.length - syncedFrom === latencies.length,
          timings: { transactionMs: median('transactionMs'), appendMs: median('appendMs'), syncWaitMs: median('syncWaitMs') },
          relay: await relayFigures(pool, seqFrom),
        });
      }
    }
    return results;
  } finally {
    await db?.end();
    await service.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

async function lastSeq(pool: pg.Pool): Promise<string> {
  const r = await pool.query<{ seq: string }>('SELECT COALESCE(max(seq), 0)::text AS seq FROM outbox');
  return r.rows[0]?.seq ?? '0';
}

/** The relay's side of the window's events: commit-to-applied lag, and events per batch (events applied together share one zed token). */
async function relayFigures(pool: pg.Pool, afterSeq: string): Promise<MutationFigures['relay']> {
  const r = await pool.query<{ p50: number | null; p99: number | null; per_batch: number | null }>(
    `SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY lag)::float AS p50, percentile_cont(0.99) WITHIN GROUP (ORDER BY lag)::float AS p99,
            (count(*)::float / NULLIF(count(DISTINCT zed_token), 0))::float AS per_batch
       FROM (SELECT extract(epoch FROM applied_at - created_at) * 1000 AS lag, zed_token FROM outbox WHERE seq > $1::bigint AND status = 'applied') e`,
    [afterSeq],
  );
  const row = r.rows[0];
  const round = (v: number | null | undefined): number => Math.round((v ?? NaN) * 10) / 10;
  return { lagP50Ms: round(row?.p50), lagP99Ms: round(row?.p99), eventsPerBatch: round(row?.per_batch) };
}

/** The figures as a Markdown table, as docs/benchmarks.md shows them. */
export function mutationTable(results: readonly MutationFigures[]): string {
  const rows = results.map(
    (r) =>
      `| ${r.mutation} | ${r.concurrency} | ${r.reqPerSec} | ${r.p50Ms} / ${r.p99Ms} | ${r.allSynced ? 'all' : 'not all'} | ${r.sqlPerMutation} | ${r.cpuMsPerMutation} | ` +
      `${r.timings.transactionMs} (${r.timings.appendMs}) | ${r.timings.syncWaitMs} | ${r.relay.lagP50Ms} / ${r.relay.lagP99Ms} | ${r.relay.eventsPerBatch} |`,
  );
  return [
    '| mutation | concurrency | req/s | p50 / p99 ms | synced | SQL per mutation | CPU ms per mutation | transaction ms p50 (outbox append) | wait for SpiceDB ms p50 | relay lag ms p50 / p99 | events per relay batch |',
    '|---|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|',
    ...rows,
    '',
    ...mutationGoalLines(results),
  ].join('\n');
}

/** Issue 21, goal 4: at concurrency 16, each mutation ≥ 300/s with p99 < 100 ms, answered after SpiceDB applied it. */
export function mutationGoalLines(results: readonly MutationFigures[]): string[] {
  const at16 = results.filter((r) => r.concurrency === 16);
  if (at16.length === 0) return [];
  const each = at16.map((r) => `${r.mutation} ${r.reqPerSec}/s, p99 ${r.p99Ms} ms${r.allSynced ? '' : ' (not all synced)'}, ${r.sqlPerMutation} SQL`).join('; ');
  const met = at16.every((r) => r.reqPerSec >= 300 && r.p99Ms < 100 && r.allSynced);
  return [`Issue 21 goal 4. Mutations at concurrency 16, including the wait for SpiceDB: ${each} (goal: ≥ 300/s with p99 < 100 ms each: ${met ? 'met' : 'not met'}).`];
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(mutationTable(await benchMutations()));
