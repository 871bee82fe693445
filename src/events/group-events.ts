import { groupMemberTuple, groupTenantTuple } from '../relationships/relationship-tuples.js';
import { entry, remove, touch } from './event-entry.js';
import type { GroupRole } from './roles.js';

const group = (e: { groupId: string }) => ({ type: 'group' as const, id: e.groupId });

interface Membership {
  tenantId: string;
  groupId: string;
  userId: string;
  role: GroupRole;
}

/** Groups and their members. */
export const groupEvents = {
  GroupCreated: entry<{ tenantId: string; groupId: string; name: string }>({
    aggregate: group,
    relationships: (e) => [touch(groupTenantTuple(e.groupId, e.tenantId))],
    log: { name: 'group_created', fields: (e) => ({ groupId: e.groupId, tenantId: e.tenantId }) },
  }),
  GroupRenamed: entry<{ tenantId: string; groupId: string; name: string; previousName: string }>({
    aggregate: group,
    relationships: () => [],
    log: { name: 'group_renamed', fields: (e) => ({ groupId: e.groupId, tenantId: e.tenantId }) },
  }),
  /** Its workspace grants are removed by WorkspaceMemberRemoved events before it. */
  GroupDeleted: entry<{ tenantId: string; groupId: string; members: { userId: string; role: GroupRole }[] }>({
    aggregate: group,
    relationships: (e) => [groupTenantTuple(e.groupId, e.tenantId), ...e.members.map((m) => groupMemberTuple(e.groupId, m.userId, m.role))].map(remove),
    log: { name: 'group_deleted', fields: (e) => ({ groupId: e.groupId, tenantId: e.tenantId, members: e.members.length }) },
  }),
  GroupMemberAdded: entry<Membership>({
    aggregate: group,
    relationships: (e) => [touch(groupMemberTuple(e.groupId, e.userId, e.role))],
    log: { name: 'group_member_added', fields: (e) => ({ groupId: e.groupId, userId: e.userId, role: e.role }) },
  }),
  GroupMemberRemoved: entry<Membership>({
    aggregate: group,
    relationships: (e) => [remove(groupMemberTuple(e.groupId, e.userId, e.role))],
    log: { name: 'group_member_removed', fields: (e) => ({ groupId: e.groupId, userId: e.userId, role: e.role }) },
  }),
  GroupMemberRoleChanged: entry<Membership & { previousRole: GroupRole }>({
    aggregate: group,
    relationships: (e) => [remove(groupMemberTuple(e.groupId, e.userId, e.previousRole)), touch(groupMemberTuple(e.groupId, e.userId, e.role))],
    log: { name: 'group_member_role_changed', fields: (e) => ({ groupId: e.groupId, userId: e.userId, role: e.role, previousRole: e.previousRole }) },
  }),
};
