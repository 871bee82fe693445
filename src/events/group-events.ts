import { groupMemberTuple, groupTenantTuple } from '../relationships/relationship-tuples.js';
import { change, expiryChange, roleChange } from './audit-record.js';
import { entry, remove, touch } from './event-entry.js';
import type { GroupRole } from './roles.js';

const group = (e: { groupId: string }) => ({ type: 'group' as const, id: e.groupId });
const user = (id: string) => ({ type: 'user' as const, id });

interface Membership {
  tenantId: string;
  groupId: string;
  userId: string;
  role: GroupRole;
  /** When the membership ends (ISO 8601); absent or null: never. */
  expiresAt?: string | null;
}

/** Groups and their members. */
export const groupEvents = {
  GroupCreated: entry<{ tenantId: string; groupId: string; name: string }>({
    aggregate: group,
    relationships: (e) => [touch(groupTenantTuple(e.groupId, e.tenantId))],
    log: { name: 'group_created', fields: (e) => ({ groupId: e.groupId, tenantId: e.tenantId }) },
    audit: (e) => [{ action: 'GROUP_CREATED', target: { ...group(e), name: e.name }, changes: [change('name', null, e.name)] }],
  }),
  GroupRenamed: entry<{ tenantId: string; groupId: string; name: string; previousName: string }>({
    aggregate: group,
    relationships: () => [],
    log: { name: 'group_renamed', fields: (e) => ({ groupId: e.groupId, tenantId: e.tenantId }) },
    audit: (e) => [{ action: 'GROUP_RENAMED', target: { ...group(e), name: e.name }, changes: [change('name', e.previousName, e.name)] }],
  }),
  /** Its workspace grants are removed by WorkspaceMemberRemoved events before it. */
  GroupDeleted: entry<{ tenantId: string; groupId: string; name?: string; members: { userId: string; role: GroupRole }[] }>({
    aggregate: group,
    relationships: (e) => [groupTenantTuple(e.groupId, e.tenantId), ...e.members.map((m) => groupMemberTuple(e.groupId, m.userId, m.role))].map(remove),
    log: { name: 'group_deleted', fields: (e) => ({ groupId: e.groupId, tenantId: e.tenantId, members: e.members.length }) },
    audit: (e) => [
      { action: 'GROUP_DELETED', target: { ...group(e), name: e.name ?? null }, changes: [change('name', e.name, null)] },
      ...e.members.map((m) => ({ action: 'GROUP_MEMBER_REMOVED' as const, target: { ...group(e), name: e.name ?? null }, subject: user(m.userId), changes: roleChange(m.role, null) })),
    ],
  }),
  GroupMemberAdded: entry<Membership>({
    aggregate: group,
    relationships: (e) => [touch(groupMemberTuple(e.groupId, e.userId, e.role, e.expiresAt))],
    log: { name: 'group_member_added', fields: (e) => ({ groupId: e.groupId, userId: e.userId, role: e.role, expiresAt: e.expiresAt ?? null }) },
    audit: (e) => [{ action: 'GROUP_MEMBER_ADDED', target: group(e), subject: user(e.userId), changes: [...roleChange(null, e.role), ...expiryChange(null, e.expiresAt)] }],
  }),
  GroupMemberRemoved: entry<Membership>({
    aggregate: group,
    relationships: (e) => [remove(groupMemberTuple(e.groupId, e.userId, e.role))],
    log: { name: 'group_member_removed', fields: (e) => ({ groupId: e.groupId, userId: e.userId, role: e.role }) },
    audit: (e) => [{ action: 'GROUP_MEMBER_REMOVED', target: group(e), subject: user(e.userId), changes: roleChange(e.role, null) }],
  }),
  /** A new role keeps the membership's end. */
  GroupMemberRoleChanged: entry<Membership & { previousRole: GroupRole }>({
    aggregate: group,
    relationships: (e) => [remove(groupMemberTuple(e.groupId, e.userId, e.previousRole)), touch(groupMemberTuple(e.groupId, e.userId, e.role, e.expiresAt))],
    log: { name: 'group_member_role_changed', fields: (e) => ({ groupId: e.groupId, userId: e.userId, role: e.role, previousRole: e.previousRole }) },
    audit: (e) => [{ action: 'GROUP_MEMBER_ROLE_CHANGED', target: group(e), subject: user(e.userId), changes: roleChange(e.previousRole, e.role) }],
  }),
  /** The same role added again with another end (or none). */
  GroupMemberExpiryChanged: entry<Membership & { previousExpiresAt: string | null }>({
    aggregate: group,
    relationships: (e) => [touch(groupMemberTuple(e.groupId, e.userId, e.role, e.expiresAt))],
    log: { name: 'group_member_expiry_changed', fields: (e) => ({ groupId: e.groupId, userId: e.userId, role: e.role, expiresAt: e.expiresAt ?? null, previousExpiresAt: e.previousExpiresAt }) },
    audit: (e) => [{ action: 'GROUP_MEMBER_EXPIRY_CHANGED', target: group(e), subject: user(e.userId), changes: [change('expiresAt', e.previousExpiresAt, e.expiresAt)] }],
  }),
  /** Swept by SYSTEM after its end; SpiceDB stopped counting it at that instant already. */
  GroupMemberExpired: entry<Membership & { expiresAt: string }>({
    aggregate: group,
    relationships: (e) => [remove(groupMemberTuple(e.groupId, e.userId, e.role))],
    log: { name: 'group_member_expired', fields: (e) => ({ groupId: e.groupId, userId: e.userId, role: e.role, expiresAt: e.expiresAt }) },
    audit: (e) => [{ action: 'GROUP_MEMBER_EXPIRED', target: group(e), subject: user(e.userId), changes: [...roleChange(e.role, null), change('expiresAt', e.expiresAt, null)] }],
  }),
};
