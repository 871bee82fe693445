/**
 * `npm run bench:mutations` (and the `mutations` phase of `npm run bench`): the throughput of two mutations, `createWorkspace` and
 * `grantWorkspaceRole` (each a new grant of a group on a workspace created before), at concurrency 1
 * and 16, against the service in its own process on embedded PostgreSQL and SpiceDB: requests per
 * second, p50/p99 latency, and SQL statements per mutation from the service's request log lines.
 * BENCH_MUTATIONS (default 300) per measurement. Issue 18 compares it before and after the audit
 * log (docs/benchmarks.md).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '../tests/support/free-port.js';
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
}

const quantile = (sorted: number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;

/** Runs the measurements on a service of its own and returns them. */
export async function benchMutations(): Promise<MutationFigures[]> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'iam-bench-mutations-'));
  const service = await startService({ dataDir, port: await freePort(), postgresPort: await freePort(), env: { AUTHZ_SYNC_WAIT_MS: '5000' } });
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
    let n = 0;
    const kinds = {
      createWorkspace: async (): Promise<void> => {
        n += 1;
        const r = await gql('mutation($p: ID!, $n: String!) { createWorkspace(input: { parentId: $p, name: $n }) { workspace { id } authorizationSynced } }', { p: scope.rootWorkspace.id, n: `bench ${n}` });
        if (r.errors) throw new Error(JSON.stringify(r.errors));
        created.push((r.data?.createWorkspace as { workspace: { id: string } }).workspace.id);
      },
      grantWorkspaceRole: async (): Promise<void> => {
        const w = created.pop();
        const r = await gql('mutation($w: ID!, $g: ID!) { grantWorkspaceRole(input: { workspaceId: $w, groupId: $g, role: MEMBER }) { authorizationSynced } }', { w, g: groupId });
        if (r.errors) throw new Error(JSON.stringify(r.errors));
      },
    };
    const results: MutationFigures[] = [];
    // Warm-up: a few of each, not measured.
    for (let i = 0; i < 20; i += 1) await kinds.createWorkspace();
    for (let i = 0; i < 10; i += 1) await kinds.grantWorkspaceRole();
    for (const concurrency of [1, 16]) {
      for (const mutation of ['createWorkspace', 'grantWorkspaceRole'] as const) {
        const logFrom = service.lines.length;
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
        const sql = service.lines
          .slice(logFrom)
          .map(parseJson)
          .filter((l) => l?.event === 'graphql_request')
          .map((l) => Number(l?.sql ?? 0));
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
        });
      }
    }
    return results;
  } finally {
    await service.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** The figures as a Markdown table, as docs/benchmarks.md shows them. */
export function mutationTable(results: readonly MutationFigures[]): string {
  const rows = results.map((r) => `| ${r.mutation} | ${r.concurrency} | ${r.reqPerSec} | ${r.p50Ms} / ${r.p99Ms} | ${r.sqlPerMutation} | ${r.cpuMsPerMutation} |`);
  return ['| mutation | concurrency | req/s | p50 / p99 ms | SQL per mutation | CPU ms per mutation |', '|---|---:|---:|---:|---:|---:|', ...rows].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(mutationTable(await benchMutations()));
