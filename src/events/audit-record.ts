import type { WorkspaceSubject } from './roles.js';

/**
 * What the audit log says of one change: one action per mutation and per consequence. The GraphQL
 * enum AuditAction names the same values (tests/unit/audit-actions.test.ts compares them).
 */
export const AUDIT_ACTIONS = [
  'TENANT_CREATED',
  'TENANT_DELETED',
  'TENANT_MEMBER_ADDED',
  'TENANT_MEMBER_ROLE_CHANGED',
  'TENANT_MEMBER_REMOVED',
  'TENANT_MEMBER_EXPIRY_CHANGED',
  'TENANT_MEMBER_EXPIRED',
  'WORKSPACE_CREATED',
  'WORKSPACE_RENAMED',
  'WORKSPACE_MOVED',
  'WORKSPACE_DELETED',
  'WORKSPACE_RESTORED',
  'WORKSPACE_PURGED',
  'WORKSPACE_ROLE_GRANTED',
  'WORKSPACE_ROLE_REVOKED',
  'WORKSPACE_ROLE_EXPIRY_CHANGED',
  'WORKSPACE_ROLE_EXPIRED',
  'GROUP_CREATED',
  'GROUP_RENAMED',
  'GROUP_DELETED',
  'GROUP_MEMBER_ADDED',
  'GROUP_MEMBER_ROLE_CHANGED',
  'GROUP_MEMBER_REMOVED',
  'GROUP_MEMBER_EXPIRY_CHANGED',
  'GROUP_MEMBER_EXPIRED',
  'API_KEY_CREATED',
  'API_KEY_REVOKED',
  'API_KEY_DELETED',
  'INVITATION_CREATED',
  'INVITATION_REVOKED',
  'INVITATION_ACCEPTED',
  'INVITATION_DECLINED',
  'AUDIT_LOG_PURGED',
  'INVITATIONS_PURGED',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export type AuditTargetType = 'tenant' | 'workspace' | 'group' | 'api_key' | 'invitation' | 'audit_log';

/** One changed field; values as text (ids, roles, names), null where there was none. Never a secret. */
export interface AuditChange {
  field: string;
  before: string | null;
  after: string | null;
}

/**
 * One entry an event makes: the action, its target (the name when the event knows it; else the
 * unit of work reads the target's current name in the same statement), the subject a grant or
 * membership was about, and the changed fields.
 */
export interface AuditRecord {
  action: AuditAction;
  target: { type: AuditTargetType; id: string; name?: string | null };
  subject?: WorkspaceSubject;
  changes: AuditChange[];
}

export const change = (field: string, before: string | null | undefined, after: string | null | undefined): AuditChange => ({
  field,
  before: before ?? null,
  after: after ?? null,
});

/** A role given, changed or taken: its before and after. */
export const roleChange = (before: string | null, after: string | null): AuditChange[] => [change('role', before, after)];

/** A grant's end (ISO 8601) before and after, only when either side has one: a grant without expiry says nothing of it. */
export const expiryChange = (before: string | null | undefined, after: string | null | undefined): AuditChange[] =>
  (before ?? null) === null && (after ?? null) === null ? [] : [change('expiresAt', before, after)];
