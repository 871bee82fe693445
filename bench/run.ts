/**
 * `npm run bench`: seeds a tenant of 11,111 workspaces (fan-out 10, depth 4) into embedded
 * PostgreSQL, starts the service in its own process (embedded SpiceDB rebuilt from PostgreSQL),
 * loads each scenario with autocannon at concurrency 16 and reports throughput, latency, and the
 * SQL statements and SpiceDB calls per request the service logged. See docs/benchmarks.md.
 *
 * BENCH_DURATION (s, default 10), BENCH_WARMUP (s, default 2), BENCH_KEEP=1 keeps the data folder.
 */
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../tests/support/free-port.js';
import type { Target } from './load.js';
import { describeMachine } from './machine.js';
import { measure, type ScenarioResult } from './measure.js';
import { failures, markdownTable, notes, settingsLines, textTable, writeJson, type BenchResult } from './report.js';
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

async function main(): Promise<BenchResult> {
  const started = Date.now();
  const durationSeconds = envSeconds('BENCH_DURATION', 10);
  const warmupSeconds = envSeconds('BENCH_WARMUP', 2);
  const keep = process.env.BENCH_KEEP === '1';
  const [load1 = 0] = os.loadavg();
  if (load1 > os.cpus().length / 2) {
    log(`warning: load average ${load1.toFixed(1)} on ${os.cpus().length} cores; other processes compete, so throughput will be low and noisy`);
  }
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
    const settings = { connections: CONNECTIONS, durationSeconds, warmupSeconds };
    const results: ScenarioResult[] = [];
    for (const scenario of scenariosFor(seed, SHAPE.fanOut)) {
      const r = await measure(scenario, service, target, settings);
      results.push(r);
      log(`${r.operationName}: ${r.load.requestsPerSecond.toFixed(1)} req/s, p50 ${r.load.latencyMs.p50} ms, p99 ${r.load.latencyMs.p99} ms, ` +
        `alone ${r.single.p50Ms} ms; SQL ${r.log.sql.min}–${r.log.sql.max}, SpiceDB ${r.log.spicedb.min}–${r.log.spicedb.max}; ` +
        `${r.load.requests} answered in the window, ${r.drained.afterWindow} after it (${r.drained.waitedMs} ms)`);
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
    ...(!s.drained.complete ? [`${s.operationName}: the service had not answered every request ${s.drained.waitedMs} ms after the window`] : []),
  ]);
}

const result = await main();
await writeJson(result, RESULTS);
const noteLines = notes(result);
console.log(`\n${textTable(result)}\n`);
console.log([...noteLines, ...settingsLines(result)].join('\n'));
console.log(`\nMarkdown:\n\n${settingsLines(result).join('  \n')}\n\n${markdownTable(result)}\n${noteLines.map((n) => `\n— ${n}`).join('')}\n`);
console.log(`Results: ${path.relative(process.cwd(), RESULTS)}; whole run ${Math.round(result.totalMs / 1000)} s.`);
const found = problems(result);
for (const problem of found) console.log(`PROBLEM: ${problem}`);
if (found.length > 0) process.exitCode = 1;
