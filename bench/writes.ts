/**
 * The `writes` phase (issue 21, goal 2): reads of the 11,111-workspace tenant while one more
 * connection grants and revokes a role, through the API as a client would, at a steady rate in
 * *another* tenant (5, 20, 50 writes/s) and in the *same* tenant on an unrelated branch (20/s). Each
 * read is measured beside the `{ __typename }` ceiling under the same writes: the machine pays for
 * the writes too, so a read's share of that ceiling is what the answer cache decides.
 */
import { bootstrap } from '../src/bootstrap/bootstrap.js';
import { loadConfig } from '../src/config.js';
import { systemActor } from '../src/events/actor.js';
import { createDatabase } from '../src/infra/db/database.js';
import { createLogger } from '../src/logger.js';
import { outboxPort } from '../src/outbox/outbox-port.js';
import { createServices, serviceSettings } from '../src/services.js';
import { insertTenantMember } from '../src/tenants/tenant-member.repository.js';
import { upsertUserFromIdentity } from '../src/users/user.repository.js';
import type { Target } from './load.js';
import { measure, type MeasureSettings, type ScenarioResult } from './measure.js';
import { ceiling, mainScenarios, type Scenario } from './scenarios.js';
import type { SeededTenant } from './seed.js';
import type { ServiceProcess } from './service.js';

/** Where one writer grants and revokes: a workspace, users of its tenant, and an API key allowed to. */
interface Writer {
  apiKey: string;
  workspaceId: string;
  userIds: string[];
}

// Users per writer: each one's grant and revoke run in order, different users' overlap, so the rate
// holds even when a mutation (which waits for SpiceDB) takes longer than the interval.
const WRITER_USERS = 32;

export interface WriteCondition {
  label: string;
  /** Writes per second asked for; 0 for read-only. */
  rate: number;
  where: 'none' | 'other tenant' | 'same tenant';
}

export interface WriteFigures {
  condition: WriteCondition;
  read: string;
  reqPerSec: number;
  /** Of the ceiling measured under the same writes. */
  shareOfCeiling: number;
  /** Writes completed per second while the read was measured (warm-up and window). */
  achievedWritesPerSec: number;
  /** Requests of the read whose log line counted at least one SpiceDB call. */
  spicedbShare: number;
  loadAverage: number;
  /** CPU of the service and its children (PostgreSQL, SpiceDB) per read served, the writes' own CPU included. */
  cpuMsPerRead: number;
  result: ScenarioResult;
}

export const WRITE_CONDITIONS: WriteCondition[] = [
  { label: 'read-only', rate: 0, where: 'none' },
  { label: '5 writes/s, another tenant', rate: 5, where: 'other tenant' },
  { label: '20 writes/s, another tenant', rate: 20, where: 'other tenant' },
  { label: '50 writes/s, another tenant', rate: 50, where: 'other tenant' },
  { label: '20 writes/s, same tenant, unrelated branch', rate: 20, where: 'same tenant' },
  // Again at the end: on a shared machine one read-only window can be an outlier; the goal uses both.
  { label: 'read-only, again', rate: 0, where: 'none' },
];

const GRANT = 'mutation BenchGrant($w: ID!, $u: ID!) { grantWorkspaceRole(input: { workspaceId: $w, userId: $u, role: MEMBER }) { authorizationSynced } }';
const REVOKE = 'mutation BenchRevoke($w: ID!, $u: ID!) { revokeWorkspaceRole(input: { workspaceId: $w, userId: $u }) { authorizationSynced } }';
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A second tenant with its admin's key and a member, and a member of the bench tenant: what the writers need. */
async function prepareWriters(seed: SeededTenant): Promise<{ other: Writer; same: Writer }> {
  const logger = createLogger('warn');
  const database = createDatabase(seed.databaseUrl, undefined, 2);
  try {
    // The running service's relay applies what this appends.
    const services = createServices({ db: database.db, outbox: outboxPort(), logger, settings: serviceSettings(loadConfig({})) });
    const other = await bootstrap(services, { tenantName: 'bench-writes-elsewhere', adminUsername: 'bench-writes-admin' }, logger);
    if (!other.adminApiKey) throw new Error('the other tenant has no admin key (data folder reused?)');
    const membersOf = async (tenantId: string, prefix: string): Promise<string[]> =>
      (
        await services.uow.run(
          async (tx) => {
            const ids: string[] = [];
            for (let i = 0; i < WRITER_USERS; i += 1) {
              const username = `${prefix}-${i}`;
              const user = await upsertUserFromIdentity(tx.trx, { issuer: 'https://bench.local', subject: username, username, name: null, email: null });
              await insertTenantMember(tx.trx, tenantId, user.id, 'member');
              tx.emit({ type: 'TenantMemberAdded', tenantId, userId: user.id, role: 'member' });
              ids.push(user.id);
            }
            return ids;
          },
          { by: { actor: systemActor('bench-writes') } },
        )
      ).value;
    // The same tenant's writes go to the first sampled leaf: not on the parent walk's path (the last leaf) nor on the listing's page.
    const unrelated = seed.sampleLeaves[0];
    if (!unrelated) throw new Error('no leaves');
    return {
      other: { apiKey: other.adminApiKey, workspaceId: other.rootWorkspaceId, userIds: await membersOf(other.tenantId, 'bench-writes-other') },
      same: { apiKey: seed.adminApiKey, workspaceId: unrelated.id, userIds: await membersOf(seed.tenantId, 'bench-writes-same') },
    };
  } finally {
    await database.close();
  }
}

/**
 * A client writing at `rate` until stopped: write i grants (i even) or revokes (i odd) a role of user
 * ⌊i/2⌋ mod WRITER_USERS, each user's writes in order; each waits for SpiceDB as a client would.
 */
function startWriter(url: string, writer: Writer, rate: number): { stop(): Promise<{ writes: number; seconds: number }> } {
  let stopped = false;
  let writes = 0;
  let failure: unknown;
  const chains = new Map<string, Promise<void>>();
  const started = Date.now();
  const write = async (userId: string, grant: boolean): Promise<void> => {
    const body = JSON.stringify({ query: grant ? GRANT : REVOKE, variables: { w: writer.workspaceId, u: userId } });
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': writer.apiKey }, body });
    const text = await response.text();
    if (response.status !== 200 || text.includes('"errors"') || !text.includes('"authorizationSynced":true')) throw new Error(`bench write failed: ${text.slice(0, 300)}`);
    writes += 1;
  };
  const run = (async () => {
    // Whole pairs only: every user ends revoked, so the next condition starts as this one did.
    for (let i = 0; !stopped || i % 2 === 1; i += 1) {
      const userId = writer.userIds[Math.floor(i / 2) % writer.userIds.length] ?? '';
      const grant = i % 2 === 0;
      chains.set(userId, (chains.get(userId) ?? Promise.resolve()).then(() => write(userId, grant)).catch((error: unknown) => void (failure ??= error)));
      const due = started + ((i + 1) * 1000) / rate;
      if (due > Date.now()) await sleep(due - Date.now());
    }
    await Promise.all(chains.values());
  })();
  return {
    async stop() {
      stopped = true;
      const seconds = (Date.now() - started) / 1000;
      const done = writes;
      await run;
      if (failure) throw failure instanceof Error ? failure : new Error(String(failure));
      return { writes: done, seconds };
    },
  };
}

function spicedbShare(result: ScenarioResult): number {
  return result.log.requests === 0 ? NaN : (result.log.withSpicedb ?? NaN) / result.log.requests;
}

/** Every condition in turn, each read (ceiling first) measured while its writer runs. */
export async function benchWrites(
  service: ServiceProcess,
  target: Target,
  seed: SeededTenant,
  fanOut: number,
  settings: MeasureSettings,
  phase: string,
  log: (m: string) => void,
): Promise<WriteFigures[]> {
  const writers = await prepareWriters(seed);
  const [parent2, list50] = ['Parent2', 'List50'].map((op) => mainScenarios(seed, fanOut).find((s) => s.operationName === op));
  if (!parent2 || !list50) throw new Error('Parent2 or List50 missing from the main scenarios');
  const reads: Scenario[] = [ceiling(), parent2, list50];
  const figures: WriteFigures[] = [];
  for (const condition of WRITE_CONDITIONS) {
    let ceilingRps = NaN;
    for (const read of reads) {
      const writer = condition.where === 'none' ? undefined : startWriter(service.url, condition.where === 'other tenant' ? writers.other : writers.same, condition.rate);
      let result: ScenarioResult;
      let written: { writes: number; seconds: number } | undefined;
      try {
        result = await measure(read, service, target, settings, `${phase}: ${condition.label}`);
      } finally {
        written = await writer?.stop();
      }
      // Round trips vary by design here: the first request after a write pays what it learns.
      result = { ...result, key: `${result.key}@${condition.label}`, varies: true };
      const rps = result.load.requestsPerSecond;
      if (read.operationName === 'Ceiling') ceilingRps = rps;
      const row: WriteFigures = {
        condition,
        read: read.operationName,
        reqPerSec: rps,
        shareOfCeiling: rps / ceilingRps,
        achievedWritesPerSec: written ? written.writes / written.seconds : 0,
        spicedbShare: spicedbShare(result),
        loadAverage: result.loadAverage,
        cpuMsPerRead: result.cpuMsPerRequest ? result.cpuMsPerRequest.serviceMs + result.cpuMsPerRequest.childrenMs : NaN,
        result,
      };
      figures.push(row);
      log(`writes: ${condition.label}: ${read.operationName} ${rps.toFixed(1)} req/s (${pct(row.shareOfCeiling)} of the ceiling), ` +
        `${row.achievedWritesPerSec.toFixed(1)} writes/s, SpiceDB called by ${pct(row.spicedbShare)} of reads, ${row.cpuMsPerRead.toFixed(2)} ms CPU per read, load ${row.loadAverage}`);
    }
  }
  return figures;
}

const pct = (x: number): string => (Number.isFinite(x) ? `${(x * 100).toFixed(1)} %` : '—');

/** The table and the goal line: for writes in another tenant, each read keeps ≥ 80 % of its read-only share of the ceiling. */
export function writesReport(figures: WriteFigures[]): string {
  const rows = figures.map((f) =>
    `| ${f.condition.label} | ${f.read} | ${f.reqPerSec.toFixed(0)} | ${f.read === 'Ceiling' ? '—' : pct(f.shareOfCeiling)} | ${f.condition.rate === 0 ? '—' : f.achievedWritesPerSec.toFixed(1)} | ${pct(f.spicedbShare)} | ${f.cpuMsPerRead.toFixed(2)} | ${f.loadAverage} |`,
  );
  // The read-only share: the mean of the windows before and after the writes.
  const readOnly = new Map<string, number>();
  for (const read of new Set(figures.map((f) => f.read))) {
    const shares = figures.filter((f) => f.condition.where === 'none' && f.read === read).map((f) => f.shareOfCeiling);
    readOnly.set(read, shares.reduce((a, b) => a + b, 0) / shares.length);
  }
  const elsewhere = figures.filter((f) => f.condition.where === 'other tenant' && f.read !== 'Ceiling');
  const ratios = elsewhere.map((f) => ({ f, ratio: f.shareOfCeiling / (readOnly.get(f.read) ?? NaN) }));
  const worst = ratios.reduce<{ f: WriteFigures; ratio: number } | undefined>((w, r) => (!w || !(r.ratio >= w.ratio) ? r : w), undefined);
  const met = ratios.length > 0 && ratios.every((r) => r.ratio >= 0.8);
  const goal = `GOAL ${met ? 'MET' : 'NOT MET'}: for writes in another tenant, at every rate, each read's share ≥ 80 % of its read-only share ` +
    `(worst: ${worst ? `${worst.f.read} at ${worst.f.condition.label}, ${pct(worst.ratio)}` : '—'}; ` +
    `${ratios.map((r) => `${r.f.read}@${r.f.condition.rate}/s ${pct(r.ratio)}`).join(', ')})`;
  return [
    '| writes | read | req/s | share of the ceiling under the same writes | writes/s achieved | reads that called SpiceDB | CPU ms per read (all processes, writes included) | load (1 min) |',
    '|---|---|---|---|---|---|---|---|',
    ...rows,
    '',
    goal,
  ].join('\n');
}
