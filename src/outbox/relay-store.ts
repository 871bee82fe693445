import { ADVISORY_LOCKS } from '../infra/db/advisory-locks.js';
import { OUTBOX_APPLIED_CHANNEL } from './outbox-channels.js';
import { LeadershipLostError, type RelayLeadership } from './relay-leader.js';

export interface PendingRow {
  seq: string;
  tenant_id: string | null;
  event_type: string;
  payload: unknown;
  attempts: number;
  /** How long until the row is due, by the database clock (processes' clocks may disagree). */
  wait_ms: number;
}

const MAX_ERROR_LENGTH = 2000;

/**
 * The relay's bookkeeping. Every statement runs on the leader's session (see relay-leader.ts) and
 * only touches rows that are still pending, so a relay that lost leadership changes nothing.
 */
export class RelayStore {
  constructor(private readonly leadership: RelayLeadership) {}

  /**
   * The SpiceDB write lock (shared) and the due events, in one round trip; null while a reconcile
   * holds the lock exclusively (the relay then waits a turn). Shared, so it costs nothing against
   * the relay itself. The lock is taken once per call (a MATERIALIZED CTE runs once); release it
   * with unlockWrites() unless this returned null.
   */
  async lockAndReadPending(limit: number): Promise<PendingRow[] | null> {
    // ORDER BY outbox.seq, the bigint: plain `seq` would name the text alias and sort '10' before '9'.
    const result = await this.leadership.query<PendingRow & { locked: boolean }>(
      `WITH write_lock AS MATERIALIZED (SELECT pg_try_advisory_lock_shared($2) AS locked)
       SELECT write_lock.locked, due.* FROM write_lock LEFT JOIN LATERAL (
         SELECT seq::text AS seq, tenant_id, event_type, payload, attempts,
                GREATEST(0, ceil(extract(epoch FROM next_attempt_at - clock_timestamp()) * 1000))::int AS wait_ms
           FROM outbox WHERE status = 'pending' ORDER BY outbox.seq LIMIT $1
       ) due ON write_lock.locked`,
      [limit, ADVISORY_LOCKS.spicedbWrites],
    );
    if (result.rows[0]?.locked !== true) return null;
    return result.rows.filter((row) => row.seq !== null).map(({ locked: _locked, ...row }) => row);
  }

  async unlockWrites(): Promise<void> {
    await this.leadership.query('SELECT pg_advisory_unlock_shared($1)', [ADVISORY_LOCKS.spicedbWrites]);
  }

  /**
   * One statement, hence one transaction: the events, authz_state and the notifications move
   * together. A crash before it leaves the events pending; the next leader re-applies them (TOUCH
   * and DELETE are idempotent) and nothing after them has been written yet.
   */
  async markApplied(seqs: readonly string[], zedToken: string | null): Promise<void> {
    const result = await this.leadership.query(
      `WITH marked AS (
         UPDATE outbox SET status = 'applied', applied_at = now(), zed_token = $2::text, last_error = NULL
          WHERE seq = ANY($1::bigint[]) AND status = 'pending'
         RETURNING seq
       ), state AS (
         UPDATE authz_state
            SET zed_token = COALESCE($2::text, zed_token), applied_seq = GREATEST(applied_seq, (SELECT max(seq) FROM marked)), updated_at = now()
          WHERE EXISTS (SELECT 1 FROM marked)
       )
       SELECT pg_notify('${OUTBOX_APPLIED_CHANNEL}', seq::text) FROM marked`,
      [seqs, zedToken],
    );
    if (result.rowCount !== seqs.length) throw new LeadershipLostError(`outbox events ${seqs.join(', ')} were no longer pending`);
  }

  /** Transient failures leave `attempts` alone: SpiceDB being down says nothing about the event. */
  async scheduleRetry(seq: string, delayMs: number, error: string, attempts?: number): Promise<void> {
    await this.leadership.query(
      `UPDATE outbox
          SET next_attempt_at = clock_timestamp() + $2 * interval '1 millisecond',
              last_error = $3, attempts = COALESCE($4::int, attempts)
        WHERE seq = $1::bigint AND status = 'pending'`,
      [seq, delayMs, truncate(error), attempts ?? null],
    );
  }

  /** Also notifies the applied channel: a waiter for this event learns now that waiting will not help. */
  async park(seq: string, attempts: number, error: string): Promise<void> {
    await this.leadership.query(
      `WITH parked AS (
         UPDATE outbox SET status = 'parked', attempts = $2, last_error = $3
          WHERE seq = $1::bigint AND status = 'pending'
         RETURNING seq
       )
       SELECT pg_notify('${OUTBOX_APPLIED_CHANNEL}', seq::text) FROM parked`,
      [seq, attempts, truncate(error)],
    );
  }
}

function truncate(message: string): string {
  return message.length > MAX_ERROR_LENGTH ? `${message.slice(0, MAX_ERROR_LENGTH)}…` : message;
}
