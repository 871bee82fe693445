import os from 'node:os';
import { readEventLoopDelay, resetEventLoopDelay, type EventLoopDelay } from './event-loop.js';
import { load, sequential, verify, type LoadFigures, type Target } from './load.js';
import { cpuBetween, sampleCpu, type CpuSample } from './process-cpu.js';
import { countLogged, requestLogStats, type RequestLogStats } from './request-log-stats.js';
import type { Scenario } from './scenarios.js';
import type { ServiceProcess } from './service.js';

export interface ScenarioResult {
  key: string;
  title: string;
  operationName: string;
  /** Which run of the service it was measured on (e.g. "11,111 workspaces, answer cache off"). */
  phase: string;
  contains: string;
  responseBytes: number;
  /** One request at a time, during the warm-up: latency without queueing. */
  single: { requests: number; p50Ms: number };
  load: LoadFigures;
  log: RequestLogStats;
  /** Requests the service answered after the window closed (sent, not yet answered), and whether it caught up. */
  drained: { afterWindow: number; complete: boolean; waitedMs: number };
  /** The machine's 1-minute load average when the window opened (other processes compete for the cores). */
  loadAverage: number;
  /** The service's event-loop delay during the window (beyond its 10 ms sampling interval). */
  eventLoop?: EventLoopDelay | undefined;
  /** CPU per request served, from the window's start until the service caught up. */
  cpuMsPerRequest?: CpuSample | undefined;
  /** Whether SQL and SpiceDB counts may differ between requests (rotating over many workspaces). */
  varies: boolean;
}

export interface MeasureSettings {
  connections: number;
  durationSeconds: number;
  warmupSeconds: number;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Waits until the service has logged every request sent (`sent`), or none for `quietMs`: autocannon
 * aborts the requests still in flight when a window closes, and a request whose connection went
 * away may never be logged. The service caught up when it logged at least what autocannon saw
 * answered and then went quiet, before the cap.
 */
async function drain(
  service: ServiceProcess,
  operationNames: string[],
  counts: { sent: number; answered: number },
  quietMs: number,
  capMs: number,
): Promise<{ logged: number; complete: boolean; waitedMs: number }> {
  const started = Date.now();
  const count = (): number => operationNames.reduce((n, op) => n + countLogged(service.lines, op), 0);
  let logged = count();
  let lastChange = Date.now();
  while (logged < counts.sent && Date.now() - lastChange < quietMs && Date.now() - started < capMs) {
    await sleep(100);
    const now = count();
    if (now !== logged) lastChange = Date.now();
    logged = now;
  }
  const waitedMs = Date.now() - started;
  return { logged, complete: logged >= counts.answered && waitedMs < capMs, waitedMs };
}

interface Loaded {
  scenario: Scenario;
  contains: string;
  bytes: number;
  single: { requests: number; p50Ms: number };
  figures: LoadFigures;
}

/**
 * Scenarios loaded at the same time (each with its share of connections): verify, warm up one
 * request at a time, then autocannon for the window; then wait for the service to answer what was
 * still queued, so the next run starts on an idle service and the log covers every request.
 */
async function measureTogether(
  scenarios: { scenario: Scenario; connections: number }[],
  service: ServiceProcess,
  target: Target,
  settings: MeasureSettings,
  phase: string,
): Promise<ScenarioResult[]> {
  const prepared = [];
  for (const { scenario, connections } of scenarios) {
    const verified = await verify(scenario, target);
    const single = await sequential(scenario, target, verified, settings.warmupSeconds, 2);
    prepared.push({ scenario, connections, verified, single });
  }
  const slowest = Math.max(...prepared.map((p) => p.single.p50Ms));
  // All connections' requests may be queued behind each other: allow that long without a new line.
  const quietMs = Math.max(5000, 2 * slowest * settings.connections);

  service.lines.length = 0;
  const loadAverage = Math.round((os.loadavg()[0] ?? NaN) * 100) / 100;
  const cpuBefore = await sampleCpu(service.pid);
  await resetEventLoopDelay(service.url);
  const loaded: Loaded[] = await Promise.all(
    prepared.map(async (p) => ({
      scenario: p.scenario,
      contains: p.verified.contains,
      bytes: p.verified.bytes,
      single: p.single,
      figures: await load(p.scenario, target, p.verified, p.connections, settings.durationSeconds),
    })),
  );
  const eventLoop = await readEventLoopDelay(service.url).catch(() => undefined);
  const sent = loaded.reduce((n, l) => n + l.figures.sent, 0);
  const answered = loaded.reduce((n, l) => n + l.figures.requests, 0);
  const drained = await drain(service, scenarios.map((s) => s.scenario.operationName), { sent, answered }, quietMs, 300_000);
  const cpu = cpuBetween(cpuBefore, await sampleCpu(service.pid));
  const results = loaded.map((l) => {
    const stats = requestLogStats(service.lines, l.scenario.operationName);
    // Together, CPU cannot be told apart per scenario: it is given per request of all of them.
    const served = scenarios.length === 1 ? stats.requests : drained.logged;
    const perRequest = (ms: number): number => Math.round((ms / Math.max(1, served)) * 100) / 100;
    return {
      key: l.scenario.key,
      title: l.scenario.title,
      operationName: l.scenario.operationName,
      phase,
      contains: l.contains,
      responseBytes: l.bytes,
      single: l.single,
      load: l.figures,
      log: stats,
      loadAverage,
      eventLoop,
      drained: { afterWindow: Math.max(0, drained.logged - answered), complete: drained.complete, waitedMs: drained.waitedMs },
      cpuMsPerRequest: cpu ? { serviceMs: perRequest(cpu.serviceMs), childrenMs: perRequest(cpu.childrenMs), spicedbMs: perRequest(cpu.spicedbMs) } : undefined,
      varies: l.scenario.variables.length > 1,
    };
  });
  service.lines.length = 0;
  return results;
}

export async function measure(scenario: Scenario, service: ServiceProcess, target: Target, settings: MeasureSettings, phase: string): Promise<ScenarioResult> {
  const [result] = await measureTogether([{ scenario, connections: settings.connections }], service, target, settings, phase);
  if (!result) throw new Error('no result');
  return result;
}

/** `foreground` on one connection while `background` runs on all the others. */
export function measureUnderLoad(foreground: Scenario, background: Scenario, service: ServiceProcess, target: Target, settings: MeasureSettings, phase: string): Promise<ScenarioResult[]> {
  return measureTogether([{ scenario: foreground, connections: 1 }, { scenario: background, connections: Math.max(1, settings.connections - 1) }], service, target, settings, phase);
}
