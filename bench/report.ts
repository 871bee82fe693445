import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Machine } from './machine.js';
import type { ScenarioResult } from './measure.js';
import type { Range } from './request-log-stats.js';

export interface BenchResult {
  startedAt: string;
  settings: { connections: number; durationSeconds: number; warmupSeconds: number; fanOut: number; depth: number };
  machine: Machine;
  seed: { workspaces: number; durationMs: number };
  service: { startMs: number; rebuild: { durationMs: number; relationships: number } };
  scenarios: ScenarioResult[];
  totalMs: number;
}

const HEADER = [
  'Scenario',
  'Returns',
  'req/s',
  'p50 ms',
  'p97.5 ms',
  'p99 ms',
  'alone p50 ms',
  'SQL/req',
  'SpiceDB/req',
  'CPU ms/req',
  'Errors',
  'Bytes',
];

function formatRange(r: Range): string {
  if (!Number.isFinite(r.min) || !Number.isFinite(r.max)) return 'n/a';
  return r.min === r.max ? String(r.min) : `${r.min}–${r.max}`;
}

/** Transport errors, timeouts, non-2xx, bodies that differed from the verified one, logged GraphQL errors. */
export function failures(s: ScenarioResult): number {
  return s.load.errors + s.load.timeouts + s.load.non2xx + s.load.mismatches + s.log.withErrors;
}

function requestsPerSecond(value: number): string {
  return value >= 100 ? Math.round(value).toLocaleString('en-US') : value.toFixed(1);
}

function cpu(s: ScenarioResult): string {
  const c = s.cpuMsPerRequest;
  return c ? `${(c.serviceMs + c.childrenMs).toFixed(2)} (${c.childrenMs.toFixed(2)} PG)` : 'n/a';
}

/** Too few answers inside the window for its latency percentiles to mean anything. */
function tooFewAnswers(s: ScenarioResult, connections: number): boolean {
  return s.load.requests < 2 * connections;
}

function cells(s: ScenarioResult, connections: number): string[] {
  const latency = (ms: number): string => (tooFewAnswers(s, connections) ? '—' : String(ms));
  return [
    s.title,
    s.contains,
    requestsPerSecond(s.load.requestsPerSecond),
    latency(s.load.latencyMs.p50),
    latency(s.load.latencyMs.p97_5),
    latency(s.load.latencyMs.p99),
    String(s.single.p50Ms),
    formatRange(s.log.sql),
    formatRange(s.log.spicedb),
    cpu(s),
    String(failures(s)),
    s.responseBytes.toLocaleString('en-US'),
  ];
}

export function textTable(result: BenchResult): string {
  const rows = [HEADER, ...result.scenarios.map((s) => cells(s, result.settings.connections))].map((row) => row.map((c) => c.replace(/`/g, '')));
  const widths = HEADER.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  const line = (row: string[]): string => row.map((c, i) => (i < 2 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  return [line(rows[0] ?? []), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

export function markdownTable(result: BenchResult): string {
  const align = HEADER.map((_, i) => (i < 2 ? '---' : '---:'));
  const row = (c: string[]): string => `| ${c.join(' | ')} |`;
  return [row(HEADER), row(align), ...result.scenarios.map((s) => row(cells(s, result.settings.connections)))].join('\n');
}

export function settingsLines(result: BenchResult): string[] {
  const m = result.machine;
  const loads = result.scenarios.map((s) => s.loadAverage.toFixed(1)).join(', ');
  return [
    `${m.cores} × ${m.cpu}, ${m.memoryGiB} GiB, ${m.os}; Node ${m.node}; PostgreSQL ${m.postgres}; ${m.spicedb}.`,
    `autocannon ${m.autocannon} on the same machine, ${result.settings.connections} connections, ${result.settings.durationSeconds} s per scenario after ${result.settings.warmupSeconds} s of single requests (“alone”); 1-minute load average at each window: ${loads}.`,
    `Tenant of ${result.seed.workspaces.toLocaleString('en-US')} workspaces (fan-out ${result.settings.fanOut}, depth ${result.settings.depth}); SpiceDB rebuilt from PostgreSQL at start-up in ${result.service.rebuild.durationMs} ms (${result.service.rebuild.relationships.toLocaleString('en-US')} relationships).`,
  ];
}

/** Scenarios whose window closed with too few answers: how long the service took to answer all of them. */
export function notes(result: BenchResult): string[] {
  return result.scenarios
    .filter((s) => tooFewAnswers(s, result.settings.connections))
    .map((s) => {
      const seconds = s.load.durationSeconds + s.drained.waitedMs / 1000;
      return (
        `${s.title}: ${s.load.requests} answers within the ${s.load.durationSeconds} s window; the service answered all ${s.log.requests} ` +
        `requests within ${seconds.toFixed(1)} s (${(s.log.requests / seconds).toFixed(2)} req/s); time inside the service p50 ` +
        `${Math.round(s.log.serviceMs.p50)} ms, p99 ${Math.round(s.log.serviceMs.p99)} ms.`
      );
    });
}

export async function writeJson(result: BenchResult, file: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify(result, null, 2)}\n`);
}
