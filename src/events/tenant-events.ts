import { tenantMemberTuple } from '../relationships/relationship-tuples.js';
import { entry, remove, touch } from './event-entry.js';
import type { TenantRole } from './roles.js';

const tenant = (e: { tenantId: string }) => ({ type: 'tenant' as const, id: e.tenantId });

/** Tenants and their members. */
export const tenantEvents = {
  TenantCreated: entry<{ tenantId: string; name: string }>({
    aggregate: tenant,
    relationships: () => [],
    log: { name: 'tenant_created', fields: (e) => ({ tenantId: e.tenantId }) },
  }),
  /** Last of a tenant's deletion: the members it had (its workspaces, groups and keys went before it). */
  TenantDeleted: entry<{ tenantId: string; members: { userId: string; role: TenantRole }[] }>({
    aggregate: tenant,
    relationships: (e) => e.members.map((m) => remove(tenantMemberTuple(e.tenantId, m.userId, m.role))),
    log: { name: 'tenant_deleted', fields: (e) => ({ tenantId: e.tenantId, members: e.members.length }) },
  }),
  TenantMemberAdded: entry<{ tenantId: string; userId: string; role: TenantRole }>({
    aggregate: tenant,
    relationships: (e) => [touch(tenantMemberTuple(e.tenantId, e.userId, e.role))],
    log: { name: 'tenant_member_added', fields: (e) => ({ tenantId: e.tenantId, userId: e.userId, role: e.role }) },
  }),
  TenantMemberRemoved: entry<{ tenantId: string; userId: string; role: TenantRole }>({
    aggregate: tenant,
    relationships: (e) => [remove(tenantMemberTuple(e.tenantId, e.userId, e.role))],
    log: {
      name: (e, actor) => (actor.via !== 'system' && actor.userId === e.userId ? 'tenant_member_left' : 'tenant_member_removed'),
      fields: (e) => ({ tenantId: e.tenantId, userId: e.userId, role: e.role }),
    },
  }),
  /** One event, so SpiceDB drops the old role and gains the new one in one write: never neither, never both. */
  TenantMemberRoleChanged: entry<{ tenantId: string; userId: string; role: TenantRole; previousRole: TenantRole }>({
    aggregate: tenant,
    relationships: (e) => [remove(tenantMemberTuple(e.tenantId, e.userId, e.previousRole)), touch(tenantMemberTuple(e.tenantId, e.userId, e.role))],
    log: { name: 'tenant_member_role_changed', fields: (e) => ({ tenantId: e.tenantId, userId: e.userId, role: e.role, previousRole: e.previousRole }) },
  }),
};
