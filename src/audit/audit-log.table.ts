import type { ColumnType } from 'kysely';
import type { AuditChange } from '../events/audit-record.js';

/** Append-only (migrations/0007_audit_log.sql): inserted by the unit of work, never updated, deleted only by the retention purge. */
export interface AuditLogTable {
  id: string;
  occurred_at: ColumnType<Date, never, never>;
  tenant_id: string | null;
  action: string;
  outcome: string;
  actor_id: string | null;
  actor_username: string | null;
  via: string;
  api_key_id: string | null;
  job: string | null;
  target_type: string;
  target_id: string;
  target_name: string | null;
  subject_type: string | null;
  subject_id: string | null;
  request_id: string | null;
  headline_id: string | null;
  permission: string | null;
  changes: ColumnType<AuditChange[], string, never>;
}

/** When each periodic job last ran, by the injected clock. */
export interface MaintenanceRunTable {
  job: string;
  last_run_at: Date;
}
