import { change } from './audit-record.js';
import { entry } from './event-entry.js';

/** The audit log's own upkeep, written as SYSTEM by the retention job (src/lifecycle/retention.ts). */
export const auditEvents = {
  /** The retention purge removed `removed` entries older than `before`: the one deletion the table allows. */
  AuditLogPurged: entry<{ tenantId: null; removed: number; before: string }>({
    aggregate: () => ({ type: 'audit_log', id: 'audit_log' }),
    relationships: 'postgresql-only',
    log: { name: 'audit_log_purged', fields: (e) => ({ removed: e.removed, before: e.before }) },
    audit: (e) => [{ action: 'AUDIT_LOG_PURGED', target: { type: 'audit_log', id: 'audit_log', name: null }, changes: [change('entries', String(e.removed), '0'), change('before', null, e.before)] }],
  }),
};
