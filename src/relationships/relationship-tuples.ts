/**
 * What each PostgreSQL fact means in SpiceDB: the relationships a row implies. The events
 * (src/events/*-events.ts, which the outbox relay applies) and the rebuild (desired-relationships.ts)
 * both build on these, so they cannot disagree about what a row means.
 */
import { ref, type SubjectRef, type Tuple } from '../infra/spicedb/relationships.js';
import type { WorkspaceSubject } from '../events/roles.js';

const user = (id: string): SubjectRef => ({ type: 'user', id });

function workspaceSubject(s: WorkspaceSubject): SubjectRef {
  return s.type === 'user' ? user(s.id) : { type: 'group', id: s.id, relation: 'member' };
}

/** When a grant ends, as events carry it (ISO 8601) or a row holds it; null or undefined: never. */
export type Expiry = string | Date | null | undefined;

/** The expiry as a tuple carries it: SpiceDB stops counting the relationship then (schema.zed, `with expiration`). */
function expiring(tuple: Tuple, expiresAt: Expiry): Tuple {
  if (expiresAt === null || expiresAt === undefined) return tuple;
  return { ...tuple, expiresAt: typeof expiresAt === 'string' ? new Date(expiresAt).toISOString() : expiresAt.toISOString() };
}

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

/** The edge a move swaps: `workspace:child#parent@workspace:parent`. */
export function workspaceParentTuple(workspaceId: string, parentId: string): Tuple {
  return { resource: ref('workspace', workspaceId), relation: 'parent', subject: ref('workspace', parentId) };
}

export function workspaceMemberTuple(workspaceId: string, subject: WorkspaceSubject, role: string, expiresAt?: Expiry): Tuple {
  return expiring({ resource: ref('workspace', workspaceId), relation: role, subject: workspaceSubject(subject) }, expiresAt);
}

export function tenantMemberTuple(tenantId: string, userId: string, role: string, expiresAt?: Expiry): Tuple {
  return expiring({ resource: ref('tenant', tenantId), relation: role, subject: user(userId) }, expiresAt);
}

export function apiKeyTuples(k: { apiKeyId: string; tenantId: string; ownerUserId: string }): Tuple[] {
  const resource = ref('api_key', k.apiKeyId);
  return [
    { resource, relation: 'owner', subject: user(k.ownerUserId) },
    { resource, relation: 'tenant', subject: ref('tenant', k.tenantId) },
  ];
}

export function groupTenantTuple(groupId: string, tenantId: string): Tuple {
  return { resource: ref('group', groupId), relation: 'tenant', subject: ref('tenant', tenantId) };
}

export function groupMemberTuple(groupId: string, userId: string, role: string, expiresAt?: Expiry): Tuple {
  return expiring({ resource: ref('group', groupId), relation: role === 'admin' ? 'admin' : 'direct_member', subject: user(userId) }, expiresAt);
}
