import { ref, type SubjectRef, type Tuple, type TupleUpdate } from '../infra/spicedb/relationships.js';
import type { DomainEvent, WorkspaceSubject } from './events.js';

const user = (id: string): SubjectRef => ({ type: 'user', id });

function workspaceSubject(s: WorkspaceSubject): SubjectRef {
  return s.type === 'user' ? user(s.id) : { type: 'group', id: s.id, relation: 'member' };
}

const touch = (tuple: Tuple): TupleUpdate => ({ op: 'touch', tuple });
const remove = (tuple: Tuple): TupleUpdate => ({ op: 'delete', tuple });

/** The relationships a workspace row implies, without its members. */
export function workspaceStructure(w: { tenantId: string; workspaceId: string; parentId: string | null }): Tuple[] {
  const resource = ref('workspace', w.workspaceId);
  const tuples: Tuple[] = [{ resource, relation: 'tenant', subject: ref('tenant', w.tenantId) }];
  tuples.push(
    w.parentId === null
      ? { resource, relation: 'creator_tenant', subject: ref('tenant', w.tenantId) }
      : { resource, relation: 'parent', subject: ref('workspace', w.parentId) },
  );
  return tuples;
}

export function workspaceMemberTuple(workspaceId: string, subject: WorkspaceSubject, role: string): Tuple {
  return { resource: ref('workspace', workspaceId), relation: role, subject: workspaceSubject(subject) };
}

export function tenantMemberTuple(tenantId: string, userId: string, role: string): Tuple {
  return { resource: ref('tenant', tenantId), relation: role, subject: user(userId) };
}

export function apiKeyTuples(k: { apiKeyId: string; tenantId: string; ownerUserId: string }): Tuple[] {
  const resource = ref('api_key', k.apiKeyId);
  return [
    { resource, relation: 'owner', subject: user(k.ownerUserId) },
    { resource, relation: 'tenant', subject: ref('tenant', k.tenantId) },
  ];
}

export function groupMemberTuple(groupId: string, userId: string, role: string): Tuple {
  return { resource: ref('group', groupId), relation: role === 'admin' ? 'admin' : 'direct_member', subject: user(userId) };
}

/** Pure: the SpiceDB updates that make the index agree with the fact an event records. */
export function translate(event: DomainEvent): TupleUpdate[] {
  switch (event.type) {
    case 'TenantCreated':
    case 'WorkspaceRenamed':
      return [];
    case 'TenantMemberAdded':
      return [touch(tenantMemberTuple(event.tenantId, event.userId, event.role))];
    case 'TenantMemberRemoved':
      return [remove(tenantMemberTuple(event.tenantId, event.userId, event.role))];
    case 'TenantDeleted':
      return event.members.map((m) => remove(tenantMemberTuple(event.tenantId, m.userId, m.role)));
    case 'WorkspaceCreated':
      return workspaceStructure(event).map(touch);
    case 'WorkspaceDeleted':
      return [
        ...workspaceStructure(event),
        ...event.members.map((m) => workspaceMemberTuple(event.workspaceId, m.subject, m.role)),
      ].map(remove);
    case 'WorkspaceMemberAdded':
      return [touch(workspaceMemberTuple(event.workspaceId, event.subject, event.role))];
    case 'WorkspaceMemberRemoved':
      return [remove(workspaceMemberTuple(event.workspaceId, event.subject, event.role))];
    case 'GroupDeleted':
      return [
        { resource: ref('group', event.groupId), relation: 'tenant', subject: ref('tenant', event.tenantId) },
        ...event.members.map((m) => groupMemberTuple(event.groupId, m.userId, m.role)),
      ].map(remove);
    case 'ApiKeyCreated':
      return apiKeyTuples(event).map(touch);
    case 'ApiKeyDeleted':
      return apiKeyTuples(event).map(remove);
    case 'ReplayOfParked':
      return event.updates;
  }
}
