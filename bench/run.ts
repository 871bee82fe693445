/**
 * `npm run bench`: seeds tenants of 11,111 and 111,111 workspaces into embedded PostgreSQL, starts
 * the service in its own process, loads each scenario with autocannon and reports throughput,
 * latency, CPU, and the SQL statements and SpiceDB calls per request the service logged; then the
 * outbox relay (lag and drain), start-up and restart, and the reconcile. See docs/benchmarks.md.
 *
 * BENCH_DURATION (s, default 10), BENCH_WARMUP (s, default 2), BENCH_KEEP=1 keeps the data folders,
 * BENCH_LARGE=0 skips the 111,111-workspace tenant, BENCH_PHASES=main,cold,navigation,permissions,writes,large-cold,large-lists,mutations runs
 * only those (phases.ts), BENCH_CPU_PROF=<dir> writes CPU profiles of the service.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { freePort } from '../tests/support/free-port.js';
import type { Target } from './load.js';
import { describeMachine } from './machine.js';
import { measure, measureUnderLoad, type MeasureSettings, type ScenarioResult } from './measure.js';
import { benchOutbox, type OutboxFigures } from './outbox-bench.js';
import { failures, report, type BenchResult, type StartFigures } from './report.js';
import { benchMutations, mutationTable } from './mutations.js';
import { benchWrites, writesReport, type WriteFigures } from './writes.js';
import { benchMoves, moveTable, navigationScenarios, type MoveFigures } from './navigation.js';
import { permissionScenarios } from './permissions.js';
import { PHASES, selectedPhases } from './phases.js';
import { issue21GoalLines } from './issue21-goals.js';
import { runPeople } from './people.js';
import { ceiling, coldScenarios, listScenarios, mainScenarios, underLoadScenarios } from './scenarios.js';
import { seedTenant, type SeededTenant, type TreeShape } from './seed.js';
import { findLogLine, startService, type ServiceProcess } from './service.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const RESULTS = fileURLToPath(new URL('./results/latest.json', import.meta.url));
const CONNECTIONS = 16;
const SMALL: TreeShape = { fanOut: 10, depth: 4 };
const LARGE: TreeShape = { fanOut: 10, depth: 5 };
// Checks themselves, not answers remembered from an earlier request with the same token.
const CACHE_OFF = { AUTHZ_CACHE_MAX_ENTRIES: '0' };

function envSeconds(name: string, fallback: number): number {
  const raw = process.env[name];
  const value = raw === undefined || raw.trim() === '' ? fallback : Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a number of seconds, got ${raw}`);
  return value;
}

const log = (message: string): void => console.log(`[bench] ${message}`);

function logResult(r: ScenarioResult): void {
  log(`${r.operationName}: ${r.load.requestsPerSecond.toFixed(1)} req/s, p50 ${r.load.latencyMs.p50} ms, p99 ${r.load.latencyMs.p99} ms, ` +
    `alone ${r.single.p50Ms} ms; SQL ${r.log.sql.min}–${r.log.sql.max}, SpiceDB ${r.log.spicedb.min}–${r.log.spicedb.max}; ` +
    `${r.load.requests} answered in the window, ${r.drained.afterWindow} after it (${r.drained.waitedMs} ms)`);
}

/** What the service logged about bringing SpiceDB in line with PostgreSQL at start. */
function startFigures(service: ServiceProcess, label: string): StartFigures {
  const rebuilt = findLogLine(service.lines, 'SpiceDB rebuilt from PostgreSQL');
  const reconciled = findLogLine(service.lines, 'SpiceDB reconciled with PostgreSQL');
  const known = findLogLine(service.lines, 'SpiceDB datastore already in sync through the outbox');
  const sync = rebuilt
    ? { kind: 'rebuild', durationMs: Number(rebuilt.durationMs), relationships: Number(rebuilt.relationships) }
    : reconciled
      ? { kind: 'reconcile', durationMs: Number(reconciled.durationMs), relationships: Number(reconciled.missing) + Number(reconciled.extra) }
      : { kind: known ? 'none (datastore known)' : 'none', durationMs: 0, relationships: 0 };
  log(`${label}: up in ${service.startMs} ms; SpiceDB sync: ${sync.kind}, ${sync.durationMs} ms for ${sync.relationships} relationships`);
  return { label, startMs: service.startMs, sync };
}

class Services {
  private running: ServiceProcess | undefined;

  constructor(private readonly dataDir: string, private readonly postgresPort: number) {}

  async start(env: Record<string, string> = {}): Promise<ServiceProcess> {
    await this.stop();
    this.running = await startService({ dataDir: this.dataDir, port: await freePort(), postgresPort: this.postgresPort, env });
    return this.running;
  }

  async stop(): Promise<void> {
    const service = this.running;
    this.running = undefined;
    if (service) log(`service stopped (exit code ${await service.stop()})`);
  }
}

/** `npm run reconcile -- --dry-run` against the running service's database: the whole diff, timed. */
async function timeReconcile(dataDir: string, postgresPort: number): Promise<{ durationMs: number; output: string } | undefined> {
  const cli = path.join(ROOT, 'src/cli/reconcile.ts');
  if (!existsSync(cli)) return undefined;
  const started = Date.now();
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', cli, '--dry-run'], {
    cwd: ROOT,
    env: { ...process.env, DATA_DIR: dataDir, EMBEDDED_POSTGRES_PORT: String(postgresPort), DATABASE_URL: '', SPICEDB_ENDPOINT: '', LOG_LEVEL: 'warn' },
    maxBuffer: 1 << 20,
  });
  const output = stdout.trim();
  log(`reconcile --dry-run: ${output} (${Date.now() - started} ms with the process start)`);
  return { durationMs: Number(/ (\d+) ms\./.exec(output)?.[1] ?? NaN), output };
}

function target(service: ServiceProcess, seed: SeededTenant): Target {
  return {
    url: service.url,
    apiKeys: { admin: seed.adminApiKey, member: seed.member.apiKey, lister: seed.lister.apiKey, reader: seed.reader.apiKey, grouped: seed.grouped.apiKey },
  };
}

/** Starts (or restarts) the service on one data dir, recording its start-up figures as the first start or a restart. */
function startsOf(services: Services, label: string, starts: StartFigures[]): (env?: Record<string, string>) => Promise<ServiceProcess> {
  let count = 0;
  return async (env = {}) => {
    const service = await services.start(env);
    starts.push(startFigures(service, `${label}: ${count === 0 ? 'first start' : 'restart'}`));
    count += 1;
    return service;
  };
}

async function main(): Promise<BenchResult> {
  const started = Date.now();
  const settings: MeasureSettings = { connections: CONNECTIONS, durationSeconds: envSeconds('BENCH_DURATION', 10), warmupSeconds: envSeconds('BENCH_WARMUP', 2) };
  const keep = process.env.BENCH_KEEP === '1';
  const phases = selectedPhases();
  log(`phases: ${[...phases].join(', ')}`);
  const [load1 = 0] = os.loadavg();
  if (load1 > os.cpus().length / 2) {
    log(`warning: load average ${load1.toFixed(1)} on ${os.cpus().length} cores; other processes compete, so throughput will be low and noisy`);
  }
  const dirs: string[] = [];
  const running: Services[] = [];
  let cleaned = false;
  const cleanUp = async (): Promise<void> => {
    if (cleaned) return;
    cleaned = true;
    for (const s of running) await s.stop();
    for (const dir of dirs) {
      if (keep) log(`data kept in ${dir}`);
      else await rm(dir, { recursive: true, force: true });
    }
  };
  process.once('SIGINT', () => void cleanUp().finally(() => process.exit(130)));

  const prepare = async (shape: TreeShape): Promise<{ seed: SeededTenant; services: Services; dataDir: string; postgresPort: number }> => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'iam-bench-'));
    dirs.push(dataDir);
    // Run as root, PostgreSQL runs as the postgres user, who must be able to enter this folder.
    await chmod(dataDir, 0o755);
    const postgresPort = await freePort();
    log(`seeding ${shape.fanOut}-way tree of depth ${shape.depth} into embedded PostgreSQL in ${dataDir}`);
    const seed = await seedTenant(dataDir, postgresPort, shape);
    log(`seeded ${seed.workspaces.toLocaleString('en-US')} workspaces in ${seed.durationMs} ms`);
    const services = new Services(dataDir, postgresPort);
    running.push(services);
    return { seed, services, dataDir, postgresPort };
  };

  try {
    const scenarios: ScenarioResult[] = [];
    const starts: StartFigures[] = [];
    const record = (results: ScenarioResult[]): void => {
      for (const r of results) {
        scenarios.push(r);
        logResult(r);
      }
    };
    const shapes: TreeShape[] = [];
    let outbox: OutboxFigures | undefined;
    let reconcile: { durationMs: number; output: string } | undefined;
    let postgresVersion = 'unknown';
    const seeds: BenchResult['seeds'] = {};

    if (phases.has('main') || phases.has('cold') || phases.has('navigation') || phases.has('permissions') || phases.has('writes')) {
      const small = await prepare(SMALL);
      shapes.push(SMALL);
      seeds.small = small.seed.workspaces;
      postgresVersion = small.seed.postgresVersion;
      const label = `${small.seed.workspaces.toLocaleString('en-US')} workspaces`;
      const start = startsOf(small.services, label, starts);
      if (phases.has('main')) {
        const service = await start();
        for (const scenario of mainScenarios(small.seed, SMALL.fanOut)) record([await measure(scenario, service, target(service, small.seed), settings, PHASES.main)]);
        log('outbox relay: 50 events/s for 10 s, then a backlog of 10,000');
        outbox = await benchOutbox(small.seed.databaseUrl, small.seed.tenantId, small.seed.sampleLeaves.map((l) => l.id), { perSecond: 50, seconds: 10, backlog: 10_000 });
        log(`outbox: lag p50 ${outbox.lag.p50Ms} ms, p99 ${outbox.lag.p99Ms} ms; backlog of ${outbox.drain.events} in ${outbox.drain.durationMs} ms (${outbox.drain.eventsPerSecond}/s)`);
      }
      if (phases.has('cold')) {
        const service = await start(CACHE_OFF);
        const under = underLoadScenarios(small.seed);
        record(await measureUnderLoad(under.foreground, under.background, service, target(service, small.seed), settings, PHASES.cold));
        for (const scenario of [ceiling(), ...coldScenarios(small.seed)]) record([await measure(scenario, service, target(service, small.seed), settings, PHASES.cold)]);
      }
      if (phases.has('permissions')) {
        const service = await start();
        for (const scenario of [ceiling(), ...permissionScenarios(small.seed)]) record([await measure(scenario, service, target(service, small.seed), settings, PHASES.permissions)]);
      }
      if (phases.has('writes')) {
        const service = await start();
        writes = await benchWrites(service, target(service, small.seed), small.seed, SMALL.fanOut, settings, PHASES.writes, log);
      }
      if (phases.has('navigation')) {
        const service = await start();
        for (const scenario of [ceiling(), ...navigationScenarios(small.seed)]) record([await measure(scenario, service, target(service, small.seed), settings, PHASES.navigation)]);
        // Last in the phase: the moves change the tree the reads above walked.
        moves = await benchMoves(service, small.seed);
        log(`moves: ${moves.map((m) => `${m.subtree} nodes p50 ${m.p50Ms} ms`).join(', ')}`);
      }
      await small.services.stop();
    }

    if (phases.has('people')) await runPeople(prepare, record, settings);

    if (phases.has('large-cold') || phases.has('large-lists')) {
      const big = await prepare(LARGE);
      shapes.push(LARGE);
      seeds.large = big.seed.workspaces;
      postgresVersion = big.seed.postgresVersion;
      const start = startsOf(big.services, `${big.seed.workspaces.toLocaleString('en-US')} workspaces`, starts);
      if (phases.has('large-cold')) {
        const service = await start(CACHE_OFF);
        for (const scenario of [ceiling(), ...coldScenarios(big.seed)]) record([await measure(scenario, service, target(service, big.seed), settings, PHASES['large-cold'])]);
        reconcile = await timeReconcile(big.dataDir, big.postgresPort);
        // The start of the lists phase is the restart; without it, restart once to time it.
        if (!phases.has('large-lists')) await start(CACHE_OFF);
      }
      if (phases.has('large-lists')) {
        const service = await start();
        for (const scenario of listScenarios(big.seed)) record([await measure(scenario, service, target(service, big.seed), settings, PHASES['large-lists'])]);
      }
      await big.services.stop();
    }

    return {
      startedAt: new Date(started).toISOString(),
      settings: { ...settings, shapes },
      machine: await describeMachine(postgresVersion),
      seeds,
      starts,
      scenarios,
      outbox,
      reconcile,
      totalMs: Date.now() - started,
    };
  } finally {
    await cleanUp();
  }
}

function problems(result: BenchResult): string[] {
  return result.scenarios.flatMap((s) => [
    ...(failures(s) > 0 ? [`${s.operationName}: ${failures(s)} failed requests`] : []),
    ...(!s.varies && (s.log.sql.min !== s.log.sql.max || s.log.spicedb.min !== s.log.spicedb.max) ? [`${s.operationName}: round trips varied between requests`] : []),
    ...(s.log.requests < s.load.requests ? [`${s.operationName}: ${s.load.requests} responses but ${s.log.requests} log lines`] : []),
    ...(!s.drained.complete ? [`${s.operationName}: the service had not answered every request ${s.drained.waitedMs} ms after the window`] : []),
  ]);
}

let moves: MoveFigures[] = [];
let writes: WriteFigures[] = [];
const result = await main();
await report(result, RESULTS);
if (writes.length > 0) console.log(`\n## ${PHASES.writes}\n\n${writesReport(writes)}`);
console.log(`\n${issue21GoalLines(result).join('\n')}`);
if (moves.length > 0) console.log(`\n## ${PHASES.navigation}: moves\n\n${moveTable(moves)}`);
if (selectedPhases().has('mutations')) console.log(`\n## ${PHASES.mutations}\n\n${mutationTable(await benchMutations())}`);
const found = problems(result);
for (const problem of found) console.log(`PROBLEM: ${problem}`);
if (found.length > 0) process.exitCode = 1;
