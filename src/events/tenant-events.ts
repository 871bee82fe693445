import { tenantMemberTuple } from '../relationships/relationship-tuples.js';
import { change, expiryChange, roleChange } from './audit-record.js';
import { entry, remove, touch } from './event-entry.js';
import type { TenantRole } from './roles.js';

const tenant = (e: { tenantId: string }) => ({ type: 'tenant' as const, id: e.tenantId });
const user = (id: string) => ({ type: 'user' as const, id });

/** Tenants and their members. */
export const tenantEvents = {
  TenantCreated: entry<{ tenantId: string; name: string }>({
    aggregate: tenant,
    relationships: () => [],
    log: { name: 'tenant_created', fields: (e) => ({ tenantId: e.tenantId }) },
    audit: (e) => [{ action: 'TENANT_CREATED', target: { ...tenant(e), name: e.name }, changes: [change('name', null, e.name)] }],
  }),
  /** Last of a tenant's deletion: the members it had (its workspaces, groups and keys went before it). */
  TenantDeleted: entry<{ tenantId: string; name?: string; members: { userId: string; role: TenantRole }[] }>({
    aggregate: tenant,
    relationships: (e) => e.members.map((m) => remove(tenantMemberTuple(e.tenantId, m.userId, m.role))),
    log: { name: 'tenant_deleted', fields: (e) => ({ tenantId: e.tenantId, members: e.members.length }) },
    audit: (e) => [
      { action: 'TENANT_DELETED', target: { ...tenant(e), name: e.name ?? null }, changes: [change('name', e.name, null)] },
      ...e.members.map((m) => ({ action: 'TENANT_MEMBER_REMOVED' as const, target: { ...tenant(e), name: e.name ?? null }, subject: user(m.userId), changes: roleChange(m.role, null) })),
    ],
  }),
  /** `expiresAt` (ISO 8601) only for a MEMBER: an admin never expires. */
  TenantMemberAdded: entry<{ tenantId: string; userId: string; role: TenantRole; expiresAt?: string | null }>({
    aggregate: tenant,
    relationships: (e) => [touch(tenantMemberTuple(e.tenantId, e.userId, e.role, e.expiresAt))],
    log: { name: 'tenant_member_added', fields: (e) => ({ tenantId: e.tenantId, userId: e.userId, role: e.role, expiresAt: e.expiresAt ?? null }) },
    audit: (e) => [{ action: 'TENANT_MEMBER_ADDED', target: tenant(e), subject: user(e.userId), changes: [...roleChange(null, e.role), ...expiryChange(null, e.expiresAt)] }],
  }),
  /** A member added again with another end (or none). */
  TenantMemberExpiryChanged: entry<{ tenantId: string; userId: string; role: TenantRole; expiresAt: string | null; previousExpiresAt: string | null }>({
    aggregate: tenant,
    relationships: (e) => [touch(tenantMemberTuple(e.tenantId, e.userId, e.role, e.expiresAt))],
    log: { name: 'tenant_member_expiry_changed', fields: (e) => ({ tenantId: e.tenantId, userId: e.userId, role: e.role, expiresAt: e.expiresAt, previousExpiresAt: e.previousExpiresAt }) },
    audit: (e) => [{ action: 'TENANT_MEMBER_EXPIRY_CHANGED', target: tenant(e), subject: user(e.userId), changes: [change('expiresAt', e.previousExpiresAt, e.expiresAt)] }],
  }),
  /**
   * A membership past its end, swept by SYSTEM: it heads a departure like TenantMemberRemoved
   * (its grants, group memberships and API keys are its consequences, src/lifecycle/tenant-departure.ts).
   */
  TenantMemberExpired: entry<{ tenantId: string; userId: string; role: TenantRole; expiresAt: string }>({
    aggregate: tenant,
    relationships: (e) => [remove(tenantMemberTuple(e.tenantId, e.userId, e.role))],
    log: { name: 'tenant_member_expired', fields: (e) => ({ tenantId: e.tenantId, userId: e.userId, role: e.role, expiresAt: e.expiresAt }) },
    audit: (e) => [{ action: 'TENANT_MEMBER_EXPIRED', target: tenant(e), subject: user(e.userId), changes: [...roleChange(e.role, null), change('expiresAt', e.expiresAt, null)] }],
  }),
  TenantMemberRemoved: entry<{ tenantId: string; userId: string; role: TenantRole }>({
    aggregate: tenant,
    relationships: (e) => [remove(tenantMemberTuple(e.tenantId, e.userId, e.role))],
    log: {
      name: (e, actor) => (actor.via !== 'system' && actor.userId === e.userId ? 'tenant_member_left' : 'tenant_member_removed'),
      fields: (e) => ({ tenantId: e.tenantId, userId: e.userId, role: e.role }),
    },
    audit: (e) => [{ action: 'TENANT_MEMBER_REMOVED', target: tenant(e), subject: user(e.userId), changes: roleChange(e.role, null) }],
  }),
  /** One event, so SpiceDB drops the old role and gains the new one in one write: never neither, never both. */
  TenantMemberRoleChanged: entry<{ tenantId: string; userId: string; role: TenantRole; previousRole: TenantRole }>({
    aggregate: tenant,
    relationships: (e) => [remove(tenantMemberTuple(e.tenantId, e.userId, e.previousRole)), touch(tenantMemberTuple(e.tenantId, e.userId, e.role))],
    log: { name: 'tenant_member_role_changed', fields: (e) => ({ tenantId: e.tenantId, userId: e.userId, role: e.role, previousRole: e.previousRole }) },
    audit: (e) => [{ action: 'TENANT_MEMBER_ROLE_CHANGED', target: tenant(e), subject: user(e.userId), changes: roleChange(e.previousRole, e.role) }],
  }),
};
