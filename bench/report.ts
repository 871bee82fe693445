import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Machine } from './machine.js';
import type { MeasureSettings, ScenarioResult } from './measure.js';
import type { OutboxFigures } from './outbox-bench.js';
import type { Range } from './request-log-stats.js';
import { PHASES } from './phases.js';
import type { TreeShape } from './seed.js';

export interface StartFigures {
  label: string;
  /** From spawn until the service logged `server_started`. */
  startMs: number;
  /** Bringing SpiceDB in line with PostgreSQL: a rebuild (memory), a reconcile (new datastore) or nothing. */
  sync: { kind: string; durationMs: number; relationships: number };
}

export interface BenchResult {
  startedAt: string;
  settings: MeasureSettings & { shapes: TreeShape[] };
  machine: Machine;
  seeds: { small?: number; large?: number };
  starts: StartFigures[];
  scenarios: ScenarioResult[];
  /** Measured in the main phase only. */
  outbox: OutboxFigures | undefined;
  reconcile: { durationMs: number; output: string } | undefined;
  totalMs: number;
}

const HEADER = ['Scenario', 'Returns', 'req/s', 'p50 ms', 'p97.5 ms', 'p99 ms', 'alone p50 ms', 'SQL/req', 'SpiceDB/req', 'CPU ms/req (PG, SpiceDB)', 'Errors', 'Bytes'];

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

export function cpuTotal(s: ScenarioResult): number {
  const c = s.cpuMsPerRequest;
  return c ? c.serviceMs + c.childrenMs + c.spicedbMs : NaN;
}

function cpu(s: ScenarioResult): string {
  const c = s.cpuMsPerRequest;
  return c ? `${cpuTotal(s).toFixed(2)} (${c.childrenMs.toFixed(2)}, ${c.spicedbMs.toFixed(2)})` : 'n/a';
}

/** Too few answers inside the window for its latency percentiles to mean anything. */
function tooFewAnswers(s: ScenarioResult): boolean {
  return s.load.requests < 2 * s.load.connections;
}

function cells(s: ScenarioResult): string[] {
  const latency = (ms: number): string => (tooFewAnswers(s) ? '—' : String(ms));
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

function markdownTable(rows: ScenarioResult[]): string {
  const row = (c: string[]): string => `| ${c.join(' | ')} |`;
  return [row(HEADER), row(HEADER.map((_, i) => (i < 2 ? '---' : '---:'))), ...rows.map((s) => row(cells(s)))].join('\n');
}

function find(result: BenchResult, operationName: string, phase?: string): ScenarioResult | undefined {
  return result.scenarios.find((s) => s.operationName === operationName && (phase === undefined || s.phase === phase));
}

const pct = (a: number, b: number): string => `${Math.round((100 * a) / b)} %`;
const fixed = (n: number | undefined, digits = 1): string => (n === undefined || !Number.isFinite(n) ? 'n/a' : n.toFixed(digits));

/** One line per goal of issue 9 (1–7), of issue 14 (8), of issue 17 (9) and of issue 19 (10), from this run alone. */
export function goalLines(result: BenchResult): string[] {
  const lines: string[] = [];
  const [main, coldSmall, coldLarge, listsLarge] = [PHASES.main, PHASES.cold, PHASES['large-cold'], PHASES['large-lists']];
  const under = find(result, 'TrivialUnderLoad');
  const background = find(result, 'Parent2Background');
  if (under) {
    lines.push(`1. \`{ __typename }\` under check load: p50 ${under.load.latencyMs.p50} ms, p99 ${under.load.latencyMs.p99} ms (${requestsPerSecond(under.load.requestsPerSecond)} req/s on one connection) while ${background?.load.connections ?? '?'} connections ran member parent walks with real checks at ${requestsPerSecond(background?.load.requestsPerSecond ?? NaN)} req/s (goal: p99 < 10 ms); the service's event loop was delayed p50 ${fixed(under.eventLoop?.p50Ms)} ms, p99 ${fixed(under.eventLoop?.p99Ms)} ms, max ${fixed(under.eventLoop?.maxMs)} ms beyond its 10 ms sampling.`);
  }
  const ceilingMain = find(result, 'Ceiling', main);
  const parent = find(result, 'Parent2', main);
  const list = find(result, 'List50', main);
  if (ceilingMain && parent && list) {
    const c = ceilingMain.load.requestsPerSecond;
    lines.push(`2. Parent walk ${requestsPerSecond(parent.load.requestsPerSecond)} req/s = ${pct(parent.load.requestsPerSecond, c)} and \`workspaces(first: 50)\` ${requestsPerSecond(list.load.requestsPerSecond)} req/s = ${pct(list.load.requestsPerSecond, c)} of \`{ __typename }\` with an API key (${requestsPerSecond(c)} req/s) (goal: ≥ 50 % each).`);
  }
  for (const op of ['Parent2ColdAdmin', 'Parent2ColdMember']) {
    const small = find(result, op, coldSmall);
    const big = find(result, op, coldLarge);
    if (small && big) {
      lines.push(`3. ${op}: ${fixed(cpuTotal(small), 2)} → ${fixed(cpuTotal(big), 2)} CPU ms/req (× ${fixed(cpuTotal(big) / cpuTotal(small), 2)}), ${requestsPerSecond(small.load.requestsPerSecond)} → ${requestsPerSecond(big.load.requestsPerSecond)} req/s (× ${fixed(small.load.requestsPerSecond / big.load.requestsPerSecond, 2)} slower), 11k → 111k (goal: within 1.5×).`);
    }
  }
  for (const s of result.starts) lines.push(`3. ${s.label}: up in ${s.startMs} ms; SpiceDB sync ${s.sync.kind}, ${s.sync.durationMs} ms for ${s.sync.relationships.toLocaleString('en-US')} relationships.`);
  const children = find(result, 'Children3', main);
  if (children) lines.push(`4. 3 levels of \`children\` (1,111 nodes): ${fixed(cpuTotal(children), 2)} CPU ms/req, ${requestsPerSecond(children.load.requestsPerSecond)} req/s (goal: ≤ 10 ms).`);
  if (ceilingMain && parent) {
    lines.push(`5. SQL statements per API-key request: \`{ __typename }\` ${formatRange(ceilingMain.log.sql)}, the parent walk ${formatRange(parent.log.sql)} (goal: at most one before resolvers, for the key and the freshness token together).`);
  }
  const o = result.outbox;
  if (o) lines.push(`6. Outbox relay: commit-to-applied lag p50 ${o.lag.p50Ms} ms, p99 ${o.lag.p99Ms} ms (max ${o.lag.maxMs}) at ${o.lag.perSecond} events/s; a backlog of ${o.drain.events.toLocaleString('en-US')} drained in ${o.drain.durationMs} ms = ${o.drain.eventsPerSecond.toLocaleString('en-US')} events/s (goals: p99 < 50 ms, ≥ 1,000 events/s).`);
  if (result.reconcile || find(result, 'Ceiling', coldLarge)) lines.push(result.reconcile ? `7. Reconcile at ${(result.seeds.large ?? 0).toLocaleString('en-US')} workspaces (--dry-run, the whole diff): ${result.reconcile.durationMs} ms. ${result.reconcile.output}` : '7. Reconcile: not available.');
  const ceilingLarge = find(result, 'Ceiling', listsLarge);
  const admin = find(result, 'List50Admin', listsLarge);
  const member = find(result, 'List50Member', listsLarge);
  if (ceilingLarge && admin && member) {
    const c = ceilingLarge.load.requestsPerSecond;
    const figures = (s: ScenarioResult): string => `${fixed(cpuTotal(s), 2)} CPU ms/req, ${requestsPerSecond(s.load.requestsPerSecond)} req/s = ${pct(s.load.requestsPerSecond, c)}, SQL ${formatRange(s.log.sql)}, SpiceDB ${formatRange(s.log.spicedb)}`;
    lines.push(`8. \`workspaces(first: 50)\` at ${(result.seeds.large ?? 0).toLocaleString('en-US')} workspaces against \`{ __typename }\` with an API key (${requestsPerSecond(c)} req/s, ${fixed(cpuTotal(ceilingLarge), 2)} CPU ms/req): tenant admin ${figures(admin)}; member with ADMIN on a depth-1 workspace (${member.contains}) ${figures(member)}; member/admin CPU × ${fixed(cpuTotal(member) / cpuTotal(admin), 2)} (goal: ≤ × 1.5).`);
  }
  const ceilingNavigation = find(result, 'Ceiling', PHASES.navigation);
  const reads = ['Descendants100', 'Breadcrumb'].map((op) => find(result, op, PHASES.navigation));
  if (ceilingNavigation && reads.every((r) => r !== undefined)) {
    const c = ceilingNavigation.load.requestsPerSecond;
    const figures = (s: ScenarioResult): string => `${s.operationName} ${requestsPerSecond(s.load.requestsPerSecond)} req/s = ${pct(s.load.requestsPerSecond, c)} (SQL ${formatRange(s.log.sql)}, SpiceDB ${formatRange(s.log.spicedb)})`;
    lines.push(`9. Tree navigation against \`{ __typename }\` with an API key (${requestsPerSecond(c)} req/s): ${reads.map((r) => (r ? figures(r) : '')).join('; ')} (goal: ≥ 50 % each).`);
  }
  const ceilingPermissions = find(result, 'Ceiling', PHASES.permissions);
  const [checks, reader, admin2, explanation] = ['CheckPermissions100', 'AccessibleReader', 'AccessibleAdmin', 'AccessExplanationGroup'].map((op) => find(result, op, PHASES.permissions));
  if (ceilingPermissions && checks && reader && admin2 && explanation) {
    const c = ceilingPermissions.load.requestsPerSecond;
    const figures = (s: ScenarioResult): string => `${requestsPerSecond(s.load.requestsPerSecond)} req/s = ${pct(s.load.requestsPerSecond, c)}, ${fixed(cpuTotal(s), 2)} CPU ms/req, SQL ${formatRange(s.log.sql)}, SpiceDB ${formatRange(s.log.spicedb)}`;
    lines.push(
      `10. Permission API against \`{ __typename }\` with an API key (${requestsPerSecond(c)} req/s): checkPermissions of 100 ${figures(checks)} (goal: ≤ 1 SpiceDB call, ≥ 25 % once warm); ` +
        `accessibleWorkspaces(first: 50) member over 11,111 ${figures(reader)}, tenant admin ${figures(admin2)} (goal: ≥ 50 % each); ` +
        `accessExplanation through a group three levels up ${figures(explanation)} (goal: ≤ 3 SQL, ≤ 1 SpiceDB).`,
    );
  }
  return lines;
}

export function settingsLines(result: BenchResult): string[] {
  const m = result.machine;
  const loads = result.scenarios.map((s) => s.loadAverage.toFixed(1)).join(', ');
  return [
    `${m.cores} × ${m.cpu}, ${m.memoryGiB} GiB, ${m.os}; Node ${m.node}; PostgreSQL ${m.postgres}; ${m.spicedb}.`,
    `autocannon ${m.autocannon} on the same machine, ${result.settings.connections} connections, ${result.settings.durationSeconds} s per scenario after ${result.settings.warmupSeconds} s of single requests (“alone”); 1-minute load average at each window: ${loads}.`,
    `Tenants of ${result.settings.shapes.map((s) => `fan-out ${s.fanOut}, depth ${s.depth}`).join(' and ')}; whole run ${Math.round(result.totalMs / 1000)} s.`,
  ];
}

export async function report(result: BenchResult, file: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify(result, null, 2)}\n`);
  const phases = [...new Set(result.scenarios.map((s) => s.phase))];
  const sections = phases.map((phase) => `**${phase}**\n\n${markdownTable(result.scenarios.filter((s) => s.phase === phase))}`);
  console.log(`\n${settingsLines(result).join('  \n')}\n\n${sections.join('\n\n')}\n\n${goalLines(result).join('\n')}\n`);
  console.log(`Results: ${path.relative(process.cwd(), file)}; whole run ${Math.round(result.totalMs / 1000)} s.`);
}
