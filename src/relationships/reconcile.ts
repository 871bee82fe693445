import { sql } from 'kysely';
import pg from 'pg';
import { ADVISORY_LOCKS } from '../infra/db/advisory-locks.js';
import type { Db } from '../infra/db/database.js';
import { sameExpiry, tupleKey, type Tuple, type TupleUpdate } from '../infra/spicedb/relationships.js';
import type { SpiceDb } from '../infra/spicedb/spicedb.js';
import type { Logger } from '../logger.js';
import { desiredTuples } from './desired-relationships.js';
import { REBUILD_CHUNK_SIZE } from './rebuild.js';

/** Every resource type schema.zed gives relations (user has none); tests/unit/schema-zed.test.ts keeps it so. */
export const RECONCILED_RESOURCE_TYPES = ['tenant', 'group', 'workspace', 'api_key'] as const;

export interface ReconcileResult {
  /** Relationships PostgreSQL implies. */
  desired: number;
  /** Relationships SpiceDB held before. */
  held: number;
  /** Implied but not held: written (TOUCH). */
  missing: number;
  /** Held with another end (or none) than PostgreSQL's: written again with it (TOUCH). */
  changed: number;
  /** Held but not implied: deleted. */
  extra: number;
  dryRun: boolean;
  /** The token of the last write, stored in authz_state; null when nothing was written. */
  zedToken: string | null;
  durationMs: number;
}

export interface ReconcileOptions {
  /** PostgreSQL URL for the session that holds the write lock while the diff runs. */
  connectionString: string;
  dryRun?: boolean;
}

/**
 * Makes SpiceDB hold exactly the relationships PostgreSQL implies: reads both sides, writes what is
 * missing and deletes what is extra, 1,000 updates per call. It holds the SpiceDB write lock
 * exclusively meanwhile (the relay holds it shared around each batch), so no event is applied
 * between the snapshot it compares and its own writes; events pending at that snapshot are
 * already in the tables, and the relay re-applying them afterwards ends in the same state
 * (rebuild.ts explains why). Used by `npm run reconcile` and at start-up when the datastore is new.
 */
export async function reconcileSpiceDb(db: Db, spicedb: SpiceDb, logger: Logger, options: ReconcileOptions): Promise<ReconcileResult> {
  const log = logger.child({ component: 'spicedb-reconcile' });
  const started = Date.now();
  const lock = new pg.Client({ connectionString: options.connectionString, application_name: 'iam-spicedb-reconcile' });
  lock.on('error', () => undefined);
  await lock.connect();
  try {
    await lock.query('SELECT pg_advisory_lock($1)', [ADVISORY_LOCKS.spicedbWrites]);
    const [desired, held] = await Promise.all([desiredTuples(db), heldTuples(spicedb)]);
    const wanted = new Map(desired.map((t) => [tupleKey(t), t]));
    const present = new Map(held.map((t) => [tupleKey(t), t]));
    const differing = [...wanted].filter(([key, tuple]) => {
      const held = present.get(key);
      return held !== undefined && !sameExpiry(held, tuple);
    });
    const updates: TupleUpdate[] = [
      ...[...wanted].filter(([key]) => !present.has(key)).map(([, tuple]): TupleUpdate => ({ op: 'touch', tuple })),
      ...differing.map(([, tuple]): TupleUpdate => ({ op: 'touch', tuple })),
      ...[...present].filter(([key]) => !wanted.has(key)).map(([, tuple]): TupleUpdate => ({ op: 'delete', tuple })),
    ];
    const missing = updates.filter((u) => u.op === 'touch').length - differing.length;
    let zedToken: string | null = null;
    if (!options.dryRun) {
      for (let i = 0; i < updates.length; i += REBUILD_CHUNK_SIZE) zedToken = await spicedb.write(updates.slice(i, i + REBUILD_CHUNK_SIZE));
      // Checks must see the repaired state from the next request on; outside_writes: no outbox row says
      // which tenants changed, so every cached answer goes (answer-cache.ts).
      if (zedToken) await db.updateTable('authz_state').set({ zed_token: zedToken, outside_writes: sql<number>`outside_writes + 1`, updated_at: new Date() }).execute();
    }
    const result: ReconcileResult = {
      desired: wanted.size,
      held: present.size,
      missing,
      changed: differing.length,
      extra: updates.length - missing - differing.length,
      dryRun: options.dryRun ?? false,
      zedToken,
      durationMs: Date.now() - started,
    };
    log.info({ event: 'spicedb_reconciled', ...result }, options.dryRun ? 'SpiceDB compared with PostgreSQL (dry run)' : 'SpiceDB reconciled with PostgreSQL');
    return result;
  } finally {
    await lock.query('SELECT pg_advisory_unlock($1)', [ADVISORY_LOCKS.spicedbWrites]).catch(() => undefined);
    await lock.end().catch(() => undefined);
  }
}

async function heldTuples(spicedb: SpiceDb): Promise<Tuple[]> {
  const perType = await Promise.all(RECONCILED_RESOURCE_TYPES.map((resourceType) => spicedb.readRelationships({ resourceType }, null)));
  return perType.flat();
}
