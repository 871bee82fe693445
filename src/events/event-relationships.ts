import { z } from 'zod';
import { tupleKey, type TupleUpdate } from '../infra/spicedb/relationships.js';
import { isEventType, isSynced, relationshipsOf, type DomainEvent } from './domain-events.js';

/** An event the relay can never apply as stored: retrying the same bytes cannot help. */
export class UnprocessableEventError extends Error {
  override name = 'UnprocessableEventError';
}

const name = z.string().min(1);
const objectRef = z.object({ type: name, id: name });
const tupleUpdate = z.object({
  op: z.enum(['touch', 'delete']),
  tuple: z.object({
    resource: objectRef,
    relation: name,
    subject: objectRef.extend({ relation: name.optional() }),
    expiresAt: z.string().datetime({ offset: true }).optional(),
  }),
});
export const tupleUpdatesSchema = z.array(tupleUpdate);

/** Reads a stored outbox row back as a DomainEvent; throws UnprocessableEventError when it is not one. */
export function decodeEvent(eventType: string, payload: unknown): DomainEvent {
  if (!isEventType(eventType)) throw new UnprocessableEventError(`unknown event type ${eventType}`);
  if (typeof payload !== 'object' || payload === null || (payload as { type?: unknown }).type !== eventType) {
    throw new UnprocessableEventError(`payload of ${eventType} does not carry its type`);
  }
  const event = payload as DomainEvent;
  // Such events are never appended; one found in the outbox was written by something else.
  if (!isSynced(event)) throw new UnprocessableEventError(`${eventType} is not an outbox event`);
  return event;
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
    translated = relationshipsOf(decodeEvent(eventType, payload));
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
