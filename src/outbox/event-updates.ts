import { z } from 'zod';
import { tupleKey, type TupleUpdate } from '../infra/spicedb/relationships.js';
import type { DomainEvent, DomainEventType } from './events.js';
import { translate } from './translate.js';

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
  WorkspaceCreated: true,
  WorkspaceRenamed: true,
  WorkspaceDeleted: true,
  WorkspaceMemberAdded: true,
  WorkspaceMemberRemoved: true,
  GroupDeleted: true,
  ApiKeyCreated: true,
  ApiKeyDeleted: true,
  ReplayOfParked: true,
};

const objectRef = z.object({ type: z.string(), id: z.string() });
const tupleUpdate = z.object({
  op: z.enum(['touch', 'delete']),
  tuple: z.object({
    resource: objectRef,
    relation: z.string(),
    subject: objectRef.extend({ relation: z.string().optional() }),
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
  if (eventType === 'ReplayOfParked') {
    const updates = tupleUpdatesSchema.safeParse((payload as { updates?: unknown }).updates);
    if (!updates.success) throw new UnprocessableEventError(`malformed ReplayOfParked updates: ${updates.error.message}`);
  }
  return payload as DomainEvent;
}

/**
 * The updates for one WriteRelationships call. SpiceDB rejects a request naming the same
 * relationship twice, so repeats collapse to the last one — what applying them in order would leave.
 */
export function eventUpdates(eventType: string, payload: unknown): TupleUpdate[] {
  const updates = translate(decodeEvent(eventType, payload));
  const byKey = new Map<string, TupleUpdate>();
  for (const update of updates) {
    const key = tupleKey(update.tuple);
    byKey.delete(key);
    byKey.set(key, update);
  }
  return [...byKey.values()];
}
