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

/** Which tenants the outbox events in (after, upTo] belong to (tenantsChangedBetween). */
export interface ChangedTenants {
  /** Each tenant with an event in the range, with the seq of its last one there. */
  tenants: Map<string, string>;
  /**
   * Anything may have changed: an event without a tenant (a user's, say) lies in the range, or the
   * rows at its ends are missing (purged), so the rows read need not be all the range held.
   */
  anything: boolean;
}

/**
 * The tenants of every outbox event after `after` up to `upTo`, in one statement over the primary
 * key. Row `after` must still exist: rows only ever leave the outbox oldest first, so when it is
 * there, every row after it is too. Every event counts, applied or not: naming too many tenants
 * only costs answers.
 */
export async function tenantsChangedBetween(db: Executor, after: string, upTo: string): Promise<ChangedTenants> {
  // Row `after` is read only to prove the range complete: its own tenant changed nothing after it.
  const { rows } = await sql<{ tenant_id: string | null; last_seq: string | null; has_after: boolean; has_up_to: boolean }>`
    SELECT tenant_id, (max(seq) FILTER (WHERE seq > ${after}::bigint))::text AS last_seq,
           bool_or(seq = ${after}::bigint) AS has_after, bool_or(seq = ${upTo}::bigint) AS has_up_to
      FROM outbox WHERE seq >= ${after}::bigint AND seq <= ${upTo}::bigint
     GROUP BY tenant_id`.execute(db);
  const tenants = new Map<string, string>();
  for (const row of rows) if (row.tenant_id !== null && row.last_seq !== null) tenants.set(row.tenant_id, row.last_seq);
  const untenanted = rows.some((row) => row.tenant_id === null && row.last_seq !== null);
  const ends = rows.some((row) => row.has_after) && rows.some((row) => row.has_up_to);
  return { tenants, anything: untenanted || !ends };
}
