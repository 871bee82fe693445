import { sql } from 'kysely';
import type { Db } from './database.js';

export interface FreshnessState {
  zedToken: string | null;
  /** authz_state.applied_seq: the last outbox event the token covers; orders tokens. */
  appliedSeq: string;
  /** authz_state.outside_writes: SpiceDB writes that left no outbox row (reconcile, rebuild), counted. */
  outsideWrites: string;
  /** The primary's WAL position when we read the token. */
  lsn: string;
  /**
   * The next upcoming end of an expiring grant, group or tenant membership (epoch milliseconds as
   * text; null: none). Part of the answer cache's generation: once it passes, the next request
   * reads a later one, so no answer given before an expiry is served after it (issue 20).
   */
  nextExpiry: string | null;
}

/**
 * The earliest `expires_at` still ahead over the three expiring tables, by the database's clock:
 * three min() probes of the partial expiry indexes (migration 0012), each one index entry.
 */
export const NEXT_EXPIRY = sql<string | null>`(extract(epoch FROM LEAST(
    (SELECT min(expires_at) FROM workspace_members WHERE expires_at > now()),
    (SELECT min(expires_at) FROM group_members WHERE expires_at > now()),
    (SELECT min(expires_at) FROM tenant_members WHERE expires_at > now())
  )) * 1000)::bigint::text`;

/**
 * The ZedToken every permission check of a request must be at least as fresh as: the revision of
 * the last outbox event applied to SpiceDB. It lives in PostgreSQL so every process sees the same
 * one; a mutation answers only after its events are applied, so the caller's next request, to any
 * process, reads a token that covers its own write.
 *
 * Read from the primary. When a replica is configured, a request's reads go
 * to it only if it has replayed at least up to the primary's position at the start of the request;
 * otherwise to the primary. That keeps read-your-writes while offloading reads from the primary.
 */
export async function readFreshness(primary: Db): Promise<FreshnessState> {
  const row = await sql<{ zed_token: string | null; applied_seq: string; outside_writes: string; lsn: string; next_expiry: string | null }>`
    SELECT zed_token, applied_seq::text AS applied_seq, outside_writes::text AS outside_writes, pg_current_wal_lsn()::text AS lsn,
           ${NEXT_EXPIRY} AS next_expiry
      FROM authz_state`.execute(primary);
  const first = row.rows[0];
  return {
    zedToken: first?.zed_token ?? null,
    appliedSeq: first?.applied_seq ?? '0',
    outsideWrites: first?.outside_writes ?? '0',
    lsn: first?.lsn ?? '0/0',
    nextExpiry: first?.next_expiry ?? null,
  };
}

export async function replicaCaughtUp(replica: Db, lsn: string): Promise<boolean> {
  const row = await sql<{ ok: boolean | null }>`
    SELECT pg_last_wal_replay_lsn() >= ${lsn}::pg_lsn AS ok`.execute(replica);
  // Not a standby (e.g. the same server given twice): it is as fresh as the primary.
  return row.rows[0]?.ok ?? true;
}
