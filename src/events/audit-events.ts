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
  /** The retention's purge of closed invitations (each step of theirs was audited when it happened). */
  InvitationsPurged: entry<{ tenantId: null; removed: number; before: string }>({
    aggregate: () => ({ type: 'invitation', id: 'invitations' }),
    relationships: 'postgresql-only',
    log: { name: 'invitations_purged', fields: (e) => ({ removed: e.removed, before: e.before }) },
    audit: (e) => [{ action: 'INVITATIONS_PURGED', target: { type: 'invitation', id: 'invitations', name: null }, changes: [change('invitations', String(e.removed), '0'), change('before', null, e.before)] }],
  }),
};
