import type { AuditAction, AuditChange } from '../events/audit-record.js';

export type AuditOutcome = 'SUCCEEDED' | 'DENIED';
export type AuditVia = 'OIDC' | 'API_KEY' | 'SYSTEM';

/** One entry of the audit log as read back (src/changes/audit-writer.ts writes them). */
export interface AuditEntry {
  id: string;
  occurredAt: Date;
  tenantId: string | null;
  action: AuditAction;
  outcome: AuditOutcome;
  actorId: string | null;
  actorUsername: string | null;
  via: AuditVia;
  apiKeyId: string | null;
  job: string | null;
  targetType: string;
  targetId: string;
  targetName: string | null;
  subjectType: string | null;
  subjectId: string | null;
  requestId: string | null;
  headlineId: string | null;
  permission: string | null;
  changes: AuditChange[];
}

/** What a page of the log may be narrowed to; every filter has its index (migrations/0007_audit_log.sql). */
export interface AuditFilter {
  action?: AuditAction | null;
  actorId?: string | null;
  targetId?: string | null;
  outcome?: AuditOutcome | null;
  since?: Date | null;
  until?: Date | null;
}
