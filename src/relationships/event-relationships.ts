import { z } from 'zod';
import { tupleKey, type Tuple, type TupleUpdate } from '../infra/spicedb/relationships.js';
import type { DomainEvent, DomainEventType } from '../events/domain-events.js';
import { apiKeyTuples, groupMemberTuple, groupTenantTuple, tenantMemberTuple, workspaceMemberTuple, workspaceStructure } from './relationship-tuples.js';

/** An event the relay can never apply as stored: retrying the same bytes cannot help. */
export class UnprocessableEventError extends Error {
  override name = 'UnprocessableEventError';
}

// A Record keyed by the union makes the compiler flag every event type added without a decision here.
const KNOWN_EVENT_TYPES: Record<DomainEventType, true> = {
  TenantCreated: true,
  TenantDeleted: true,
  TenantMemberAdded: true,
  TenantMemberRemoved: true,
  TenantMemberRoleChanged: true,
  WorkspaceCreated: true,
  WorkspaceRenamed: true,
  WorkspaceDeleted: true,
  WorkspaceMemberAdded: true,
  WorkspaceMemberRemoved: true,
  WorkspaceMemberRoleChanged: true,
  GroupCreated: true,
  GroupRenamed: true,
  GroupDeleted: true,
  GroupMemberAdded: true,
  GroupMemberRemoved: true,
  GroupMemberRoleChanged: true,
  ApiKeyCreated: true,
  ApiKeyDeleted: true,
  ReplayOfParked: true,
};

const name = z.string().min(1);
const objectRef = z.object({ type: name, id: name });
const tupleUpdate = z.object({
  op: z.enum(['touch', 'delete']),
  tuple: z.object({
    resource: objectRef,
    relation: name,
    subject: objectRef.extend({ relation: name.optional() }),
  }),
});
export const tupleUpdatesSchema = z.array(tupleUpdate);

function isKnownType(type: string): type is DomainEventType {
  return Object.hasOwn(KNOWN_EVENT_TYPES, type);
}

/** Reads a stored outbox row back as a DomainEvent; throws UnprocessableEventError when it is not one. */
export function decodeEvent(eventType: string, payload: unknown): DomainEvent {
  if (!isKnownType(eventType)) throw new UnprocessableEventError(`unknown event type ${eventType}`);
  if (typeof payload !== 'object' || payload === null || (payload as { type?: unknown }).type !== eventType) {
    throw new UnprocessableEventError(`payload of ${eventType} does not carry its type`);
  }
  return payload as DomainEvent;
}

/**
 * The updates for one WriteRelationships call. They are checked here because a malformed update
 * could fail inside the client as an "unknown" (hence transient) error and be retried forever.
 * SpiceDB rejects a request naming the same relationship twice, so repeats collapse to the last
 * one — what applying them in order would leave.
 */
export function relationshipUpdates(eventType: string, payload: unknown): TupleUpdate[] {
  let translated: unknown;
  try {
    translated = translate(decodeEvent(eventType, payload));
  } catch (error) {
    if (error instanceof UnprocessableEventError) throw error;
    throw new UnprocessableEventError(`${eventType} cannot be translated: ${error instanceof Error ? error.message : String(error)}`);
  }
  const parsed = tupleUpdatesSchema.safeParse(translated);
  if (!parsed.success) throw new UnprocessableEventError(`${eventType} translates to malformed updates: ${parsed.error.message}`);
  const byKey = new Map<string, TupleUpdate>();
  for (const update of parsed.data) {
    const key = tupleKey(update.tuple);
    byKey.delete(key);
    byKey.set(key, update);
  }
  return [...byKey.values()];
}

const touch = (tuple: Tuple): TupleUpdate => ({ op: 'touch', tuple });
const remove = (tuple: Tuple): TupleUpdate => ({ op: 'delete', tuple });

/** Pure: the SpiceDB updates that make the index agree with the fact an event records. */
function translate(event: DomainEvent): TupleUpdate[] {
  switch (event.type) {
    case 'TenantCreated':
    case 'WorkspaceRenamed':
    case 'GroupRenamed':
      return [];
    case 'TenantMemberAdded':
      return [touch(tenantMemberTuple(event.tenantId, event.userId, event.role))];
    case 'TenantMemberRemoved':
      return [remove(tenantMemberTuple(event.tenantId, event.userId, event.role))];
    case 'TenantMemberRoleChanged':
      return [
        remove(tenantMemberTuple(event.tenantId, event.userId, event.previousRole)),
        touch(tenantMemberTuple(event.tenantId, event.userId, event.role)),
      ];
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
    case 'WorkspaceMemberRoleChanged':
      return [
        remove(workspaceMemberTuple(event.workspaceId, event.subject, event.previousRole)),
        touch(workspaceMemberTuple(event.workspaceId, event.subject, event.role)),
      ];
    case 'GroupCreated':
      return [touch(groupTenantTuple(event.groupId, event.tenantId))];
    case 'GroupDeleted':
      return [
        groupTenantTuple(event.groupId, event.tenantId),
        ...event.members.map((m) => groupMemberTuple(event.groupId, m.userId, m.role)),
      ].map(remove);
    case 'GroupMemberAdded':
      return [touch(groupMemberTuple(event.groupId, event.userId, event.role))];
    case 'GroupMemberRemoved':
      return [remove(groupMemberTuple(event.groupId, event.userId, event.role))];
    case 'GroupMemberRoleChanged':
      return [
        remove(groupMemberTuple(event.groupId, event.userId, event.previousRole)),
        touch(groupMemberTuple(event.groupId, event.userId, event.role)),
      ];
    case 'ApiKeyCreated':
      return apiKeyTuples(event).map(touch);
    case 'ApiKeyDeleted':
      return apiKeyTuples(event).map(remove);
    case 'ReplayOfParked':
      return event.updates;
  }
}
