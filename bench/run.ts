/**
 * `npm run bench`: seeds a tenant of 11,111 workspaces (fan-out 10, depth 4) into embedded
 * PostgreSQL, starts the service in its own process (embedded SpiceDB rebuilt from PostgreSQL),
 * loads each scenario with autocannon at concurrency 16 and reports throughput, latency, and the
 * SQL statements and SpiceDB calls per request the service logged. See docs/benchmarks.md.
 *
 * BENCH_DURATION (s, default 10), BENCH_WARMUP (s, default 2), BENCH_KEEP=1 keeps the data folder.
 */
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './free-port.js';
import { load, verify, type Target } from './load.js';
import { describeMachine } from './machine.js';
import { failures, markdownTable, settingsLine, textTable, writeJson, type BenchResult, type ScenarioResult } from './report.js';
import { requestLogStats } from './request-log-stats.js';
import { scenariosFor } from './scenarios.js';
import { seedTenant, type TreeShape } from './seed.js';
import { findLogLine, startService, type ServiceProcess } from './service.js';

const RESULTS = fileURLToPath(new URL('./results/latest.json', import.meta.url));
const CONNECTIONS = 16;
const SHAPE: TreeShape = { fanOut: 10, depth: 4 };

function envSeconds(name: string, fallback: number): number {
  const raw = process.env[name];
  const value = raw === undefined || raw.trim() === '' ? fallback : Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a number of seconds, got ${raw}`);
  return value;
}

const log = (message: string): void => console.log(`[bench] ${message}`);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function main(): Promise<BenchResult> {
  const started = Date.now();
  const durationSeconds = envSeconds('BENCH_DURATION', 10);
  const warmupSeconds = envSeconds('BENCH_WARMUP', 2);
  const keep = process.env.BENCH_KEEP === '1';
  const dataDir = await mkdtemp(path.join(tmpdir(), 'iam-bench-'));
  // Run as root, PostgreSQL runs as the postgres user, who must be able to enter this folder.
  await chmod(dataDir, 0o755);
  let service: ServiceProcess | undefined;
  let cleaned = false;
  const cleanUp = async (): Promise<void> => {
    if (cleaned) return;
    cleaned = true;
    const code = await service?.stop();
    if (service) log(`service stopped (exit code ${code})`);
    if (keep) log(`data kept in ${dataDir}`);
    else await rm(dataDir, { recursive: true, force: true });
  };
  process.once('SIGINT', () => void cleanUp().finally(() => process.exit(130)));

  try {
    const postgresPort = await freePort();
    log(`seeding ${SHAPE.fanOut}-way tree of depth ${SHAPE.depth} into embedded PostgreSQL in ${dataDir}`);
    const seed = await seedTenant(dataDir, postgresPort, SHAPE);
    log(`seeded ${seed.workspaces.toLocaleString('en-US')} workspaces in ${seed.durationMs} ms`);

    service = await startService({ dataDir, port: await freePort(), postgresPort });
    const rebuilt = findLogLine(service.lines, 'SpiceDB rebuilt from PostgreSQL');
    const rebuild = { durationMs: Number(rebuilt?.durationMs ?? NaN), relationships: Number(rebuilt?.relationships ?? NaN) };
    log(`service up in ${service.startMs} ms (pid ${service.pid}); SpiceDB rebuild ${rebuild.durationMs} ms for ${rebuild.relationships} relationships`);

    const target: Target = { url: service.url, apiKey: seed.adminApiKey };
    const results: ScenarioResult[] = [];
    for (const scenario of scenariosFor(seed, SHAPE.fanOut)) {
      const verified = await verify(scenario, target);
      if (warmupSeconds > 0) await load(scenario, target, verified.body, CONNECTIONS, warmupSeconds);
      await sleep(100);
      service.lines.length = 0;
      const figures = await load(scenario, target, verified.body, CONNECTIONS, durationSeconds);
      // Responses cut off by the end of the run are still logged by the service.
      await sleep(200);
      const stats = requestLogStats(service.lines, scenario.operationName);
      service.lines.length = 0;
      const result: ScenarioResult = {
        key: scenario.key,
        title: scenario.title,
        operationName: scenario.operationName,
        contains: verified.contains,
        responseBytes: verified.bytes,
        load: figures,
        log: stats,
      };
      results.push(result);
      log(`${scenario.operationName}: ${Math.round(figures.requestsPerSecond)} req/s, p50 ${figures.latencyMs.p50} ms, p99 ${figures.latencyMs.p99} ms, ` +
        `SQL ${stats.sql.min}–${stats.sql.max}, SpiceDB ${stats.spicedb.min}–${stats.spicedb.max}, ${stats.requests} logged / ${figures.requests} completed`);
    }

    return {
      startedAt: new Date(started).toISOString(),
      settings: { connections: CONNECTIONS, durationSeconds, warmupSeconds, ...SHAPE },
      machine: await describeMachine(seed.postgresVersion),
      seed: { workspaces: seed.workspaces, durationMs: seed.durationMs },
      service: { startMs: service.startMs, rebuild },
      scenarios: results,
      totalMs: Date.now() - started,
    };
  } finally {
    await cleanUp();
  }
}

function problems(result: BenchResult): string[] {
  return result.scenarios.flatMap((s) => [
    ...(failures(s) > 0 ? [`${s.operationName}: ${failures(s)} failed requests`] : []),
    ...(s.log.sql.min !== s.log.sql.max || s.log.spicedb.min !== s.log.spicedb.max ? [`${s.operationName}: round trips varied between requests`] : []),
    ...(s.log.requests < s.load.requests ? [`${s.operationName}: ${s.load.requests} responses but ${s.log.requests} log lines`] : []),
  ]);
}

const result = await main();
await writeJson(result, RESULTS);
console.log(`\n${textTable(result)}\n`);
console.log(settingsLine(result));
console.log(`\nMarkdown:\n\n${settingsLine(result).split('\n').join('  \n')}\n\n${markdownTable(result)}\n`);
console.log(`Results: ${path.relative(process.cwd(), RESULTS)}; whole run ${Math.round(result.totalMs / 1000)} s.`);
const found = problems(result);
for (const problem of found) console.log(`PROBLEM: ${problem}`);
if (found.length > 0) process.exitCode = 1;
