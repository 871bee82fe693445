import type pg from 'pg';
import { captureLogs } from './logs.js';
import { createLogger, type Logger } from '../../src/logger.js';
import { tupleKey, type TupleUpdate } from '../../src/infra/spicedb/relationships.js';
import type { SpiceDb } from '../../src/infra/spicedb/spicedb.js';
import type { Db } from '../../src/infra/db/database.js';
import { relationshipUpdates } from '../../src/events/event-relationships.js';
import { PgNotifier } from '../../src/infra/db/pg-notifier.js';
import { desiredTuples } from '../../src/relationships/desired-relationships.js';
import { OutboxRelay, type OutboxRelayOptions } from '../../src/outbox/relay.js';

/** Small delays so failure paths run in milliseconds. */
export const FAST_RELAY = {
  pollIntervalMs: 50,
  batchSize: 100,
  maxAttempts: 3,
  backoff: { baseMs: 10, maxMs: 80 },
} satisfies Partial<OutboxRelayOptions>;

export interface LogLine {
  level: number;
  msg: string;
  component?: string;
  [key: string]: unknown;
}

/** A pino logger whose JSON lines land in `lines` (captureLogs, typed for the outbox tests). */
export function captureLogger(level = 'debug'): { logger: Logger; lines: LogLine[] } {
  const { logger, lines } = captureLogs(level);
  return { logger, lines: lines as LogLine[] };
}

export interface RelayProcess {
  relay: OutboxRelay;
  notifier: PgNotifier;
  /** Stops the relay, then the notifier. */
  close(): Promise<void>;
}

/** What one server process has: its own LISTEN connection and its own relay. */
export async function startRelayProcess(
  options: { url: string; spicedb: Pick<SpiceDb, 'write'>; logger?: Logger; start?: boolean } & Partial<OutboxRelayOptions>,
): Promise<RelayProcess> {
  const { url, start = true, logger = createLogger('silent'), ...overrides } = options;
  const notifier = new PgNotifier({ connectionString: url, logger, reconnect: { baseMs: 10, maxMs: 100 } });
  await notifier.start();
  const relay = new OutboxRelay({ ...FAST_RELAY, connectionString: url, notifier, logger, ...overrides });
  if (start) relay.start();
  return {
    relay,
    notifier,
    async close() {
      await relay.stop();
      await notifier.close();
    },
  };
}

/** Every relationship SpiceDB holds for our resource types, as sorted `tupleKey`s. */
export async function spiceDbTuples(spicedb: SpiceDb): Promise<string[]> {
  const all = await Promise.all(['tenant', 'workspace', 'group', 'api_key'].map((resourceType) => spicedb.readRelationships({ resourceType }, null)));
  return all.flat().map(tupleKey).sort();
}

export async function postgresTuples(db: Db): Promise<string[]> {
  return (await desiredTuples(db)).map(tupleKey).sort();
}

export async function statusCounts(pool: pg.Pool): Promise<Record<string, number>> {
  const { rows } = await pool.query<{ status: string; n: number }>('SELECT status, count(*)::int AS n FROM outbox GROUP BY status');
  return Object.fromEntries(rows.map((r) => [r.status, r.n]));
}

export async function pendingCount(pool: pg.Pool): Promise<number> {
  const { rows } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM outbox WHERE status = 'pending'`);
  return rows[0]?.n ?? 0;
}

export interface RecordingSpiceDb {
  write(updates: TupleUpdate[]): Promise<string>;
  /** Every WriteRelationships call, in the order SpiceDB received them. */
  calls: TupleUpdate[][];
  tokens: string[];
}

/** Delegates to a real SpiceDB and remembers what was written, in order. */
export function recordingSpiceDb(spicedb: Pick<SpiceDb, 'write'>): RecordingSpiceDb {
  const recorder: RecordingSpiceDb = {
    calls: [],
    tokens: [],
    async write(updates) {
      recorder.calls.push(updates);
      const token = await spicedb.write(updates);
      recorder.tokens.push(token);
      return token;
    },
  };
  return recorder;
}

/** The updates the outbox implies, event after event in seq order, as `op relationship` strings. */
export async function expectedUpdates(pool: pg.Pool): Promise<string[]> {
  const { rows } = await pool.query<{ event_type: string; payload: unknown }>('SELECT event_type, payload FROM outbox ORDER BY seq');
  return rows.flatMap((r) => relationshipUpdates(r.event_type, r.payload).map(describeUpdate));
}

/** What the relay wrote, call after call, in the same notation. */
export function writtenUpdates(calls: readonly TupleUpdate[][]): string[] {
  return calls.flat().map(describeUpdate);
}

function describeUpdate(update: TupleUpdate): string {
  return `${update.op} ${tupleKey(update.tuple)}`;
}

/**
 * Whether `written` is `expected` in order, allowing a tail already written to be written again
 * (a new leader re-applies the group its predecessor wrote but did not mark).
 */
export function isOrderedReplay(written: readonly string[], expected: readonly string[]): boolean {
  let next = 0;
  for (const update of written) {
    if (expected[next] === update) {
      next += 1;
      continue;
    }
    const rewound = expected.lastIndexOf(update, next - 1);
    if (rewound < 0) return false;
    next = rewound + 1;
  }
  return next === expected.length;
}

/** No WriteRelationships call names a relationship twice (SpiceDB would refuse it) or exceeds 1,000 updates. */
export function wellFormedCalls(calls: readonly TupleUpdate[][]): boolean {
  return calls.every((call) => call.length <= 1000 && new Set(call.map((u) => tupleKey(u.tuple))).size === call.length);
}
