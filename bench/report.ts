import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { LoadFigures } from './load.js';
import type { Machine } from './machine.js';
import type { Range, RequestLogStats } from './request-log-stats.js';

export interface ScenarioResult {
  key: string;
  title: string;
  operationName: string;
  contains: string;
  responseBytes: number;
  load: LoadFigures;
  log: RequestLogStats;
}

export interface BenchResult {
  startedAt: string;
  settings: { connections: number; durationSeconds: number; warmupSeconds: number; fanOut: number; depth: number };
  machine: Machine;
  seed: { workspaces: number; durationMs: number };
  service: { startMs: number; rebuild: { durationMs: number; relationships: number } };
  scenarios: ScenarioResult[];
  totalMs: number;
}

const HEADER = ['Scenario', 'Returns', 'req/s', 'p50 ms', 'p97.5 ms', 'p99 ms', 'SQL/req', 'SpiceDB/req', 'Errors', 'Bytes/resp', 'Service p50/p99 ms'];

function formatRange(r: Range): string {
  if (!Number.isFinite(r.min) || !Number.isFinite(r.max)) return 'n/a';
  return r.min === r.max ? String(r.min) : `${r.min}–${r.max}`;
}

/** Transport errors, timeouts, non-2xx, bodies that differed from the verified one, logged GraphQL errors. */
export function failures(s: ScenarioResult): number {
  return s.load.errors + s.load.timeouts + s.load.non2xx + s.load.mismatches + s.log.withErrors;
}

function cells(s: ScenarioResult): string[] {
  return [
    s.title,
    s.contains,
    Math.round(s.load.requestsPerSecond).toLocaleString('en-US'),
    String(s.load.latencyMs.p50),
    String(s.load.latencyMs.p97_5),
    String(s.load.latencyMs.p99),
    formatRange(s.log.sql),
    formatRange(s.log.spicedb),
    String(failures(s)),
    s.responseBytes.toLocaleString('en-US'),
    `${s.log.serviceMs.p50.toFixed(1)} / ${s.log.serviceMs.p99.toFixed(1)}`,
  ];
}

export function textTable(result: BenchResult): string {
  const rows = [HEADER, ...result.scenarios.map(cells)].map((row) => row.map((c) => c.replace(/`/g, '')));
  const widths = HEADER.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  const line = (row: string[]): string => row.map((c, i) => (i < 2 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  return [line(rows[0] ?? []), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

export function markdownTable(result: BenchResult): string {
  const align = HEADER.map((_, i) => (i < 2 ? '---' : '---:'));
  const row = (c: string[]): string => `| ${c.join(' | ')} |`;
  return [row(HEADER), row(align), ...result.scenarios.map((s) => row(cells(s)))].join('\n');
}

export function settingsLine(result: BenchResult): string {
  const m = result.machine;
  return [
    `${m.cores} × ${m.cpu}, ${m.memoryGiB} GiB, ${m.os}; Node ${m.node}; PostgreSQL ${m.postgres}; ${m.spicedb}.`,
    `autocannon ${m.autocannon}, ${result.settings.connections} connections, ${result.settings.durationSeconds} s per scenario after ${result.settings.warmupSeconds} s warm-up, load generator on the same machine.`,
    `Tenant of ${result.seed.workspaces.toLocaleString('en-US')} workspaces (fan-out ${result.settings.fanOut}, depth ${result.settings.depth}); SpiceDB rebuilt from PostgreSQL at start-up in ${result.service.rebuild.durationMs} ms (${result.service.rebuild.relationships.toLocaleString('en-US')} relationships).`,
  ].join('\n');
}

export async function writeJson(result: BenchResult, file: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify(result, null, 2)}\n`);
}
