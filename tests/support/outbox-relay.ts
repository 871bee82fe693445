import type pg from 'pg';
import { captureLogs } from './logs.js';
import { createLogger, type Logger } from '../../src/logger.js';
import { tupleKey, type TupleUpdate } from '../../src/infra/spicedb/relationships.js';
import type { SpiceDb } from '../../src/infra/spicedb/spicedb.js';
import type { Db } from '../../src/infra/db/database.js';
import { relationshipUpdates } from '../../src/relationships/event-relationships.js';
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

/** The WriteRelationships calls the outbox implies, in seq order (events without updates make none). */
export async function expectedWrites(pool: pg.Pool): Promise<TupleUpdate[][]> {
  const { rows } = await pool.query<{ event_type: string; payload: unknown }>('SELECT event_type, payload FROM outbox ORDER BY seq');
  return rows.map((r) => relationshipUpdates(r.event_type, r.payload)).filter((updates) => updates.length > 0);
}
