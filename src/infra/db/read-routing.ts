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
}

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
  const row = await sql<{ zed_token: string | null; applied_seq: string; outside_writes: string; lsn: string }>`
    SELECT zed_token, applied_seq::text AS applied_seq, outside_writes::text AS outside_writes, pg_current_wal_lsn()::text AS lsn
      FROM authz_state`.execute(primary);
  const first = row.rows[0];
  return { zedToken: first?.zed_token ?? null, appliedSeq: first?.applied_seq ?? '0', outsideWrites: first?.outside_writes ?? '0', lsn: first?.lsn ?? '0/0' };
}

export async function replicaCaughtUp(replica: Db, lsn: string): Promise<boolean> {
  const row = await sql<{ ok: boolean | null }>`
    SELECT pg_last_wal_replay_lsn() >= ${lsn}::pg_lsn AS ok`.execute(replica);
  // Not a standby (e.g. the same server given twice): it is as fresh as the primary.
  return row.rows[0]?.ok ?? true;
}
