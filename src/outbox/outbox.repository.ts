import { sql } from 'kysely';
import { ADVISORY_LOCKS } from '../infra/db/advisory-locks.js';
import type { Executor, Tx } from '../infra/db/database.js';
import { aggregateOf, type DomainEvent } from '../events/domain-events.js';

/**
 * Appends events at the end of a transaction. Call it last: the lock it takes serialises committing
 * writers, so everything after it lengthens that critical section. Returns the assigned seqs.
 */
export async function appendEvents(trx: Tx, events: readonly DomainEvent[]): Promise<string[]> {
  if (events.length === 0) return [];
  await sql`SELECT pg_advisory_xact_lock(${ADVISORY_LOCKS.outboxAppend})`.execute(trx);
  const rows = await trx.insertInto('outbox').values(events.map(outboxRow)).returning('seq').execute();
  return rows.map((r) => String(r.seq));
}

/** The outbox row of an event: its aggregate beside the JSON payload. */
export function outboxRow(event: DomainEvent): { tenant_id: string | null; aggregate_type: string; aggregate_id: string; event_type: string; payload: string } {
  const aggregate = aggregateOf(event);
  return { tenant_id: event.tenantId, aggregate_type: aggregate.type, aggregate_id: aggregate.id, event_type: event.type, payload: JSON.stringify(event) };
}

/** How far SpiceDB is behind PostgreSQL, for /metrics. */
export async function outboxBacklog(db: Executor): Promise<{ pending: number; parked: number }> {
  const rows = await db
    .selectFrom('outbox')
    .select(['status', (eb) => eb.fn.countAll<string>().as('n')])
    .where('status', 'in', ['pending', 'parked'])
    .groupBy('status')
    .execute();
  const count = (status: string): number => Number(rows.find((r) => r.status === status)?.n ?? 0);
  return { pending: count('pending'), parked: count('parked') };
}
