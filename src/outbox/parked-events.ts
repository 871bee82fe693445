import { sql } from 'kysely';
import type { Db, Executor } from '../infra/db/database.js';
import { tupleKey, type TupleUpdate } from '../infra/spicedb/relationships.js';
import { relationshipUpdates } from '../events/event-relationships.js';
import type { DomainEvent } from '../events/domain-events.js';
import { ADVISORY_LOCKS } from '../infra/db/advisory-locks.js';
import { unsupersededUpdates } from './unsuperseded-updates.js';

export class ReplayError extends Error {
  override name = 'ReplayError';
}

export interface ParkedEvent {
  seq: string;
  tenantId: string | null;
  eventType: string;
  attempts: number;
  lastError: string | null;
  createdAt: Date;
}

export interface ReplayResult {
  seq: string;
  /** The new tail event carrying the kept updates; null when later events superseded all of them. */
  replaySeq: string | null;
  kept: number;
  dropped: number;
}

const SCAN_PAGE = 1000;

export async function listParked(db: Db): Promise<ParkedEvent[]> {
  const rows = await db
    .selectFrom('outbox')
    .select(['seq', 'tenant_id', 'event_type', 'attempts', 'last_error', 'created_at'])
    .where('status', '=', 'parked')
    .orderBy('seq')
    .execute();
  return rows.map((r) => ({
    seq: String(r.seq),
    tenantId: r.tenant_id,
    eventType: r.event_type,
    attempts: r.attempts,
    lastError: r.last_error,
    createdAt: r.created_at,
  }));
}

/**
 * Re-appends a parked event's still-relevant updates at the tail as a `ReplayOfParked` event and
 * marks the parked one `replayed`. Under the outbox append lock no event can commit in between, so
 * "later than the parked event" is complete and the new event's seq is after all of it: the replay
 * cannot reorder anything. See unsuperseded-updates.ts for which updates survive.
 */
export async function replayParked(db: Db, seq: string): Promise<ReplayResult> {
  const stored = await db.selectFrom('outbox').select(['event_type', 'payload']).where('seq', '=', seq).executeTakeFirst();
  if (!stored) throw new ReplayError(`outbox event ${seq} does not exist`);
  let updates: TupleUpdate[];
  try {
    updates = relationshipUpdates(stored.event_type, stored.payload);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ReplayError(`outbox event ${seq} cannot be replayed as stored (${reason}); fix the code or the row first`);
  }
  const wanted = new Set(updates.map((u) => tupleKey(u.tuple)));
  const touchedLater = new Set<string>();
  // Most of the tail is read before taking the lock, which blocks every committing mutation.
  const scanned = await collectTouched(db, seq, wanted, touchedLater);

  return db.transaction().execute(async (trx) => {
    await sql`SELECT pg_advisory_xact_lock(${ADVISORY_LOCKS.outboxAppend})`.execute(trx);
    const row = await trx
      .selectFrom('outbox')
      .select(['status', 'tenant_id', 'aggregate_type', 'aggregate_id'])
      .where('seq', '=', seq)
      .forUpdate()
      .executeTakeFirstOrThrow();
    if (row.status !== 'parked') throw new ReplayError(`outbox event ${seq} is ${row.status}, not parked`);
    await collectTouched(trx, scanned, wanted, touchedLater);

    const { kept, dropped } = unsupersededUpdates(updates, touchedLater);
    let replaySeq: string | null = null;
    if (kept.length > 0) {
      const event: DomainEvent = { type: 'ReplayOfParked', tenantId: row.tenant_id, replayOf: seq, updates: kept };
      const inserted = await trx
        .insertInto('outbox')
        .values({
          tenant_id: row.tenant_id,
          aggregate_type: row.aggregate_type,
          aggregate_id: row.aggregate_id,
          event_type: event.type,
          payload: JSON.stringify(event),
          replay_of: seq,
        })
        .returning('seq')
        .executeTakeFirstOrThrow();
      replaySeq = String(inserted.seq);
    }
    await trx.updateTable('outbox').set({ status: 'replayed' }).where('seq', '=', seq).execute();
    return { seq, replaySeq, kept: kept.length, dropped: dropped.length };
  });
}

/** Replays every parked event, oldest first. */
export async function replayAllParked(db: Db): Promise<ReplayResult[]> {
  const results: ReplayResult[] = [];
  for (const parked of await listParked(db)) results.push(await replayParked(db, parked.seq));
  return results;
}

/**
 * Adds to `touched` the keys in `wanted` that events after `afterSeq` touch; returns the last seq
 * read. Events that cannot be translated decide nothing until fixed (they will park), so they are passed over.
 */
async function collectTouched(executor: Executor, afterSeq: string, wanted: ReadonlySet<string>, touched: Set<string>): Promise<string> {
  let cursor = afterSeq;
  for (;;) {
    const page = await executor
      .selectFrom('outbox')
      .select(['seq', 'event_type', 'payload'])
      .where('seq', '>', cursor)
      .orderBy('seq')
      .limit(SCAN_PAGE)
      .execute();
    for (const later of page) {
      let laterUpdates: TupleUpdate[];
      try {
        laterUpdates = relationshipUpdates(later.event_type, later.payload);
      } catch {
        continue;
      }
      for (const update of laterUpdates) {
        const key = tupleKey(update.tuple);
        if (wanted.has(key)) touched.add(key);
      }
    }
    const last = page.at(-1);
    if (!last) return cursor;
    cursor = String(last.seq);
    if (page.length < SCAN_PAGE) return cursor;
  }
}
