import os from 'node:os';
import { load, sequential, verify, type LoadFigures, type Target } from './load.js';
import { cpuBetween, sampleCpu, type CpuSample } from './process-cpu.js';
import { countLogged, requestLogStats, type RequestLogStats } from './request-log-stats.js';
import type { Scenario } from './scenarios.js';
import type { ServiceProcess } from './service.js';

export interface ScenarioResult {
  key: string;
  title: string;
  operationName: string;
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
  /** CPU per request served, from the window's start until the service caught up. */
  cpuMsPerRequest?: CpuSample | undefined;
}

export interface MeasureSettings {
  connections: number;
  durationSeconds: number;
  warmupSeconds: number;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Waits until the service has logged `expected` requests of the operation, or until it logged
 * none for `quietMs` (a request cut off with its connection might never be logged).
 */
async function drain(service: ServiceProcess, operationName: string, expected: number, quietMs: number, capMs: number): Promise<{ logged: number; complete: boolean; waitedMs: number }> {
  const started = Date.now();
  let logged = countLogged(service.lines, operationName);
  let lastChange = Date.now();
  while (logged < expected && Date.now() - lastChange < quietMs && Date.now() - started < capMs) {
    await sleep(100);
    const now = countLogged(service.lines, operationName);
    if (now !== logged) lastChange = Date.now();
    logged = now;
  }
  return { logged, complete: logged >= expected, waitedMs: Date.now() - started };
}

/**
 * One scenario: verify the response, warm up one request at a time, then autocannon at
 * `connections` for the window; then wait for the service to answer what was still queued, so the
 * next scenario starts on an idle service and the log covers every request of this one.
 */
export async function measure(scenario: Scenario, service: ServiceProcess, target: Target, settings: MeasureSettings): Promise<ScenarioResult> {
  const verified = await verify(scenario, target);
  const single = await sequential(scenario, target, verified.body, settings.warmupSeconds, 2);
  // All connections' requests may be queued behind each other: allow that long without a new line.
  const quietMs = Math.max(5000, 2 * single.p50Ms * settings.connections);

  service.lines.length = 0;
  const loadAverage = Math.round((os.loadavg()[0] ?? NaN) * 100) / 100;
  const cpuBefore = await sampleCpu(service.pid);
  const figures = await load(scenario, target, verified.body, settings.connections, settings.durationSeconds);
  const drained = await drain(service, scenario.operationName, figures.sent, quietMs, 300_000);
  const cpu = cpuBetween(cpuBefore, await sampleCpu(service.pid));
  const stats = requestLogStats(service.lines, scenario.operationName);
  service.lines.length = 0;

  const perRequest = (ms: number): number => Math.round((ms / Math.max(1, stats.requests)) * 100) / 100;
  return {
    key: scenario.key,
    title: scenario.title,
    operationName: scenario.operationName,
    contains: verified.contains,
    responseBytes: verified.bytes,
    single,
    load: figures,
    log: stats,
    loadAverage,
    drained: { afterWindow: Math.max(0, drained.logged - figures.requests), complete: drained.complete, waitedMs: drained.waitedMs },
    cpuMsPerRequest: cpu ? { serviceMs: perRequest(cpu.serviceMs), childrenMs: perRequest(cpu.childrenMs) } : undefined,
  };
}
