import type { TupleUpdate } from '../infra/spicedb/relationships.js';
import { apiKeyEvents } from './api-key-events.js';
import { auditEvents } from './audit-events.js';
import type { AuditRecord } from './audit-record.js';
import type { AggregateRef, EventEntry } from './event-entry.js';
import { groupEvents } from './group-events.js';
import { invitationEvents } from './invitation-events.js';
import { outboxEvents } from './outbox-events.js';
import { tenantEvents } from './tenant-events.js';
import { workspaceEvents } from './workspace-events.js';

/**
 * Every event type, by name: the vocabulary every change is recorded in. A change's events are
 * written to the outbox in the same transaction as the change (src/changes/unit-of-work.ts), and
 * the relay turns each into its relationship updates; payloads are plain JSON.
 */
export const EVENTS = { ...tenantEvents, ...workspaceEvents, ...groupEvents, ...apiKeyEvents, ...invitationEvents, ...outboxEvents, ...auditEvents };

type Registry = typeof EVENTS;
type PayloadOf<T> = T extends EventEntry<infer E> ? E : never;

export type DomainEventType = keyof Registry;
export type DomainEvent = { [K in DomainEventType]: { type: K } & PayloadOf<Registry[K]> }[DomainEventType];
export type EventOf<K extends DomainEventType> = Extract<DomainEvent, { type: K }>;

export function isEventType(type: string): type is DomainEventType {
  return Object.hasOwn(EVENTS, type);
}

/** The entry of an event (the compiler cannot relate a union's member to its key, hence the one cast). */
export function entryOf(event: DomainEvent): EventEntry<DomainEvent> {
  return EVENTS[event.type] as EventEntry<never> as EventEntry<DomainEvent>;
}

/** The audit entries an event makes (none for an operator's repair). */
export function auditRecordsOf(event: DomainEvent): AuditRecord[] {
  const audit = entryOf(event).audit;
  return audit === 'not-audited' ? [] : audit(event);
}

export function aggregateOf(event: DomainEvent): AggregateRef {
  return entryOf(event).aggregate(event);
}

/** Whether the event goes to the outbox: every event but those only PostgreSQL reflects. */
export function isSynced(event: DomainEvent): boolean {
  return entryOf(event).relationships !== 'postgresql-only';
}

/** Pure: the SpiceDB updates that make the index agree with the fact an event records. */
export function relationshipsOf(event: DomainEvent): TupleUpdate[] {
  const relationships = entryOf(event).relationships;
  return relationships === 'postgresql-only' ? [] : relationships(event);
}
