import { sql } from 'kysely';
import type { Db } from '../infra/db/database.js';
import { tupleKey, type TupleUpdate } from '../infra/spicedb/relationships.js';
import type { SpiceDb } from '../infra/spicedb/spicedb.js';
import { SpiceDbError } from '../infra/spicedb/spicedb-errors.js';
import type { Logger } from '../logger.js';
import { desiredTuples } from './desired-relationships.js';

// SpiceDB's default --write-relationships-max-updates-per-call.
export const REBUILD_CHUNK_SIZE = 1000;

/**
 * Writes every relationship PostgreSQL implies (TOUCH, ≤ 1000 per call) and records the last
 * ZedToken in authz_state. Meant for the embedded SpiceDB, empty at start; run it before the relay
 * starts in this process.
 *
 * Pending outbox events may still be applied afterwards, and that is safe: TOUCH and DELETE are
 * idempotent and set a relationship to a state regardless of the one before. The tables already
 * include every committed event, so for each relationship the last pending event that touches it
 * is also the last of all events touching it — it leaves exactly the state the rebuild wrote.
 * Relationships no pending event touches keep the rebuilt state. The suffix therefore ends in the
 * same final state; only on the way there a relationship may briefly flip.
 */
export async function rebuildSpiceDb(
  db: Db,
  spicedb: SpiceDb,
  logger: Logger,
): Promise<{ relationships: number; zedToken: string | null; skipped: number }> {
  const log = logger.child({ component: 'spicedb-rebuild' });
  const started = Date.now();
  const tuples = await desiredTuples(db);
  let zedToken: string | null = null;
  let skipped = 0;
  for (let i = 0; i < tuples.length; i += REBUILD_CHUNK_SIZE) {
    const updates = tuples.slice(i, i + REBUILD_CHUNK_SIZE).map((tuple): TupleUpdate => ({ op: 'touch', tuple }));
    const result = await writeChunk(spicedb, updates, log);
    zedToken = result.zedToken ?? zedToken;
    skipped += result.skipped;
  }
  // null when nothing was written: checks then ask for a fully consistent snapshot, never a stale one.
  // outside_writes: no outbox row says which tenants changed, so every cached answer goes (answer-cache.ts).
  await db.updateTable('authz_state').set({ zed_token: zedToken, outside_writes: sql<number>`outside_writes + 1`, updated_at: new Date() }).execute();
  log.info({ relationships: tuples.length - skipped, skipped, durationMs: Date.now() - started }, 'SpiceDB rebuilt from PostgreSQL');
  return { relationships: tuples.length - skipped, zedToken, skipped };
}

/**
 * One call per chunk; when SpiceDB rejects the chunk outright, one call per relationship, so a
 * single bad row costs its own relationship and a logged error, not the whole start-up.
 */
async function writeChunk(spicedb: SpiceDb, updates: TupleUpdate[], log: Logger): Promise<{ zedToken: string | null; skipped: number }> {
  try {
    return { zedToken: await spicedb.write(updates), skipped: 0 };
  } catch (error) {
    if (!(error instanceof SpiceDbError) || error.transient) throw error;
  }
  let zedToken: string | null = null;
  let skipped = 0;
  for (const update of updates) {
    try {
      zedToken = await spicedb.write([update]);
    } catch (error) {
      if (!(error instanceof SpiceDbError) || error.transient) throw error;
      skipped += 1;
      log.error({ err: error, relationship: tupleKey(update.tuple) }, 'relationship rejected by SpiceDB during rebuild');
    }
  }
  return { zedToken, skipped };
}
