import type { ColumnType, Generated, Selectable } from 'kysely';

export type OutboxStatus = 'pending' | 'applied' | 'parked' | 'replayed';

/** bigint columns arrive as strings from pg; we keep them as strings to avoid precision loss. */
export interface OutboxTable {
  seq: ColumnType<string, never, never>;
  tenant_id: string | null;
  aggregate_type: string;
  aggregate_id: string;
  event_type: string;
  payload: ColumnType<unknown, string, string>;
  created_at: ColumnType<Date, never, never>;
  status: Generated<OutboxStatus>;
  attempts: Generated<number>;
  next_attempt_at: ColumnType<Date, never, Date | string>;
  last_error: string | null;
  applied_at: Date | null;
  zed_token: string | null;
  replay_of: string | null;
}
export type OutboxRow = Selectable<OutboxTable>;

export interface AuthzStateTable {
  singleton: ColumnType<boolean, never, never>;
  zed_token: string | null;
  applied_seq: ColumnType<string, never, string | number>;
  updated_at: ColumnType<Date, never, Date | string>;
  /** The embedded SpiceDB datastore the token belongs to (migrations/0003). */
  spicedb_datastore_id: string | null;
  /** Writes to SpiceDB outside the outbox (reconcile, rebuild), counted (migrations/0013). */
  outside_writes: ColumnType<string, never, string | number>;
}
