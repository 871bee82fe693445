/**
 * `npx tsx bench/cold-statements.ts` (issue 21, goal 3): where a cold parent walk's PostgreSQL time
 * goes. Seeds the 11,111 tree (BENCH_DEPTH=5: 111,111), loads pg_stat_statements into the embedded
 * server, runs the cold parent walks (answer cache off) and prints SpiceDB's datastore statements
 * and the service's own, per request: calls, mean and total time, rows. BENCH_DURATION (s, default 5).
 */
import { appendFile, chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { freePort } from '../tests/support/free-port.js';
import { embeddedLayout } from '../src/infra/db/embedded-postgres.js';
import { measure } from './measure.js';
import { ceiling, coldScenarios } from './scenarios.js';
import { seedTenant } from './seed.js';
import { startService } from './service.js';

interface StatementRow {
  who: string;
  calls: string;
  mean_ms: number;
  total_ms: number;
  plan_ms: number;
  rows: string;
  query: string;
}

const dataDir = await mkdtemp(path.join(tmpdir(), 'iam-bench-cold-'));
await chmod(dataDir, 0o755);
const postgresPort = await freePort();
const seed = await seedTenant(dataDir, postgresPort, { fanOut: 10, depth: Number(process.env.BENCH_DEPTH ?? 4) });
await appendFile(path.join(embeddedLayout(dataDir).clusterDir, 'postgresql.auto.conf'), `\nshared_preload_libraries = 'pg_stat_statements'\npg_stat_statements.track = all\npg_stat_statements.track_planning = on\n`);
const env = { AUTHZ_CACHE_MAX_ENTRIES: '0', ...(process.env.BENCH_SERVICE_ENV ? (JSON.parse(process.env.BENCH_SERVICE_ENV) as Record<string, string>) : {}) };
const service = await startService({ dataDir, port: await freePort(), postgresPort, env });
const client = new pg.Client({ connectionString: seed.databaseUrl });
try {
  await client.connect();
  await client.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
  const target = { url: service.url, apiKeys: { admin: seed.adminApiKey, member: seed.member.apiKey, lister: seed.lister.apiKey, reader: seed.reader.apiKey, grouped: seed.grouped.apiKey } };
  const settings = { connections: 16, durationSeconds: Number(process.env.BENCH_DURATION ?? 5), warmupSeconds: 1 };
  for (const scenario of [ceiling(), ...coldScenarios(seed)]) {
    await client.query('SELECT pg_stat_statements_reset()');
    const r = await measure(scenario, service, target, settings, 'cold statements');
    const requests = r.log.requests;
    const cpu = r.cpuMsPerRequest;
    console.log(`\n## ${r.operationName}: ${r.load.requestsPerSecond.toFixed(1)} req/s, ${requests} requests logged; CPU ms/req service ${cpu?.serviceMs.toFixed(2)}, PG ${cpu?.childrenMs.toFixed(2)}, SpiceDB ${cpu?.spicedbMs.toFixed(2)}\n`);
    const totals = await client.query<{ calls: string; exec: number; plan: number }>(`SELECT sum(calls)::text AS calls, sum(total_exec_time)::float AS exec, sum(total_plan_time)::float AS plan FROM pg_stat_statements`);
    const t = totals.rows[0];
    console.log(`all statements: ${(Number(t?.calls) / Math.max(1, requests)).toFixed(1)} per request, exec ${((t?.exec ?? 0) / Math.max(1, requests)).toFixed(2)} ms and planning ${((t?.plan ?? 0) / Math.max(1, requests)).toFixed(2)} ms per request\n`);
    const stats = await client.query<StatementRow>(
      `SELECT CASE WHEN s.query ILIKE '%relation_tuple%' OR s.query ILIKE '%namespace_config%' OR s.query ILIKE '%schema%' OR s.query ILIKE '%pg_current%' OR s.query ILIKE '%caveat%' THEN 'spicedb' ELSE 'other' END AS who,
              calls::text, round(mean_exec_time::numeric, 3)::float AS mean_ms, round(total_exec_time::numeric, 1)::float AS total_ms, round(total_plan_time::numeric, 1)::float AS plan_ms, rows::text, left(regexp_replace(query, '\\s+', ' ', 'g'), 400) AS query
         FROM pg_stat_statements s ORDER BY total_exec_time DESC LIMIT 25`,
    );
    console.log('| who | calls/req | mean ms | total ms | plan ms | rows/call | statement |\n|---|---:|---:|---:|---:|---:|---|');
    for (const s of stats.rows) {
      console.log(`| ${s.who} | ${(Number(s.calls) / Math.max(1, requests)).toFixed(2)} | ${s.mean_ms} | ${s.total_ms} | ${s.plan_ms} | ${(Number(s.rows) / Math.max(1, Number(s.calls))).toFixed(1)} | \`${s.query.replaceAll('|', '\\|')}\` |`);
    }
  }
} finally {
  await client.end().catch(() => undefined);
  await service.stop();
  if (process.env.BENCH_KEEP === '1') console.log(`data kept in ${dataDir}`);
  else await rm(dataDir, { recursive: true, force: true });
}
