/**
 * The `writes` phase (issue 21, goal 2): reads of the 11,111-workspace tenant while one more
 * connection grants and revokes a role, through the API as a client would, at a steady rate in
 * *another* tenant (5, 20, 50 writes/s) and in the *same* tenant on an unrelated branch (20/s). Each
 * read is measured beside the `{ __typename }` ceiling under the same writes: the machine pays for
 * the writes too, so a read's share of that ceiling is what the answer cache decides.
 */
import { daysFromNow } from '../src/api-keys/api-key.js';
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

/** Where one writer grants and revokes: a workspace, a user of its tenant, and an API key allowed to. */
interface Writer {
  apiKey: string;
  workspaceId: string;
  userId: string;
}

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
  result: ScenarioResult;
}

export const WRITE_CONDITIONS: WriteCondition[] = [
  { label: 'read-only', rate: 0, where: 'none' },
  { label: '5 writes/s, another tenant', rate: 5, where: 'other tenant' },
  { label: '20 writes/s, another tenant', rate: 20, where: 'other tenant' },
  { label: '50 writes/s, another tenant', rate: 50, where: 'other tenant' },
  { label: '20 writes/s, same tenant, unrelated branch', rate: 20, where: 'same tenant' },
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
    const memberOf = async (tenantId: string, username: string): Promise<string> =>
      (
        await services.uow.run(
          async (tx) => {
            const user = await upsertUserFromIdentity(tx.trx, { issuer: 'https://bench.local', subject: username, username, name: null, email: null });
            await insertTenantMember(tx.trx, tenantId, user.id, 'member');
            tx.emit({ type: 'TenantMemberAdded', tenantId, userId: user.id, role: 'member' });
            await services.apiKeys.issue(tx, { tenantId, ownerUserId: user.id, name: username, expiresAt: daysFromNow(30) });
            return user.id;
          },
          { by: { actor: systemActor('bench-writes') } },
        )
      ).value;
    // The same tenant's writes go to the first sampled leaf: not on the parent walk's path (the last leaf) nor on the listing's page.
    const unrelated = seed.sampleLeaves[0];
    if (!unrelated) throw new Error('no leaves');
    return {
      other: { apiKey: other.adminApiKey, workspaceId: other.rootWorkspaceId, userId: await memberOf(other.tenantId, 'bench-writes-other') },
      same: { apiKey: seed.adminApiKey, workspaceId: unrelated.id, userId: await memberOf(seed.tenantId, 'bench-writes-same') },
    };
  } finally {
    await database.close();
  }
}

/** One connection writing at `rate` (grant, then revoke, …) until stopped; each write waits for SpiceDB as a client would. */
function startWriter(url: string, writer: Writer, rate: number): { stop(): Promise<{ writes: number; seconds: number }> } {
  let stopped = false;
  let writes = 0;
  const started = Date.now();
  const run = (async () => {
    while (!stopped) {
      const body = JSON.stringify({ query: writes % 2 === 0 ? GRANT : REVOKE, variables: { w: writer.workspaceId, u: writer.userId } });
      const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': writer.apiKey }, body });
      const text = await response.text();
      if (response.status !== 200 || text.includes('"errors"') || !text.includes('"authorizationSynced":true')) throw new Error(`bench write failed: ${text.slice(0, 300)}`);
      writes += 1;
      const due = started + (writes * 1000) / rate;
      if (due > Date.now()) await sleep(due - Date.now());
    }
  })();
  // Rethrown by stop(); until then a failed write must not crash the bench as an unhandled rejection.
  run.catch(() => undefined);
  return {
    async stop() {
      stopped = true;
      await run;
      // An even number of writes leaves the grant revoked: the next condition starts as this one did.
      if (writes % 2 === 1) {
        const body = JSON.stringify({ query: REVOKE, variables: { w: writer.workspaceId, u: writer.userId } });
        await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': writer.apiKey }, body });
      }
      return { writes, seconds: (Date.now() - started) / 1000 };
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
        result,
      };
      figures.push(row);
      log(`writes: ${condition.label}: ${read.operationName} ${rps.toFixed(1)} req/s (${pct(row.shareOfCeiling)} of the ceiling), ` +
        `${row.achievedWritesPerSec.toFixed(1)} writes/s, SpiceDB called by ${pct(row.spicedbShare)} of reads, load ${row.loadAverage}`);
    }
  }
  return figures;
}

const pct = (x: number): string => (Number.isFinite(x) ? `${(x * 100).toFixed(1)} %` : '—');

/** The table and the goal line: for writes in another tenant, each read keeps ≥ 80 % of its read-only share of the ceiling. */
export function writesReport(figures: WriteFigures[]): string {
  const rows = figures.map((f) =>
    `| ${f.condition.label} | ${f.read} | ${f.reqPerSec.toFixed(0)} | ${f.read === 'Ceiling' ? '—' : pct(f.shareOfCeiling)} | ${f.condition.rate === 0 ? '—' : f.achievedWritesPerSec.toFixed(1)} | ${pct(f.spicedbShare)} | ${f.loadAverage} |`,
  );
  const readOnly = new Map(figures.filter((f) => f.condition.where === 'none').map((f) => [f.read, f.shareOfCeiling]));
  const elsewhere = figures.filter((f) => f.condition.where === 'other tenant' && f.read !== 'Ceiling');
  const ratios = elsewhere.map((f) => ({ f, ratio: f.shareOfCeiling / (readOnly.get(f.read) ?? NaN) }));
  const worst = ratios.reduce<{ f: WriteFigures; ratio: number } | undefined>((w, r) => (!w || !(r.ratio >= w.ratio) ? r : w), undefined);
  const met = ratios.length > 0 && ratios.every((r) => r.ratio >= 0.8);
  const goal = `GOAL ${met ? 'MET' : 'NOT MET'}: for writes in another tenant, at every rate, each read's share ≥ 80 % of its read-only share ` +
    `(worst: ${worst ? `${worst.f.read} at ${worst.f.condition.label}, ${pct(worst.ratio)}` : '—'}; ` +
    `${ratios.map((r) => `${r.f.read}@${r.f.condition.rate}/s ${pct(r.ratio)}`).join(', ')})`;
  return [
    '| writes | read | req/s | share of the ceiling under the same writes | writes/s achieved | reads that called SpiceDB | load (1 min) |',
    '|---|---|---|---|---|---|---|',
    ...rows,
    '',
    goal,
  ].join('\n');
}
