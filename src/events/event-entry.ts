import type { Tuple, TupleUpdate } from '../infra/spicedb/relationships.js';
import type { Actor } from './actor.js';
import type { AuditRecord } from './audit-record.js';

/** Which aggregate an event belongs to; stored beside the payload for operators and replay. */
export interface AggregateRef {
  type: 'tenant' | 'workspace' | 'group' | 'api_key' | 'invitation' | 'outbox' | 'audit_log';
  id: string;
}

/** How an event reads in the log line of the change it heads (src/changes/change-log.ts). */
export interface EventLog<E> {
  /** The line's `event` (snake_case); the actor decides between words, e.g. a member left or was removed. */
  name: string | ((event: E, actor: Actor) => string);
  /** The line's message when it is not the name in words. */
  message?: string;
  /** What the line says of the event beside the actor. Never a secret. */
  fields(event: E): Record<string, unknown>;
}

/**
 * Everything the service knows about one type of event, in one place: its payload (E), its
 * aggregate, what it changes in SpiceDB and its log wording. A new event type is one entry; the
 * compiler refuses an entry without one of its pieces (tests/typecheck/event-entries.ts).
 */
export interface EventEntry<E> {
  aggregate(event: E): AggregateRef;
  /**
   * The relationship updates that make SpiceDB agree with the fact, for the relay, in order (an
   * event may need none: it is still appended, in commit order, for operators and replay).
   * `'postgresql-only'`: a fact no relationship reflects (a key's revocation: authentication
   * refuses the key in PostgreSQL); such an event is logged, never appended to the outbox.
   */
  relationships: ((event: E) => TupleUpdate[]) | 'postgresql-only';
  log: EventLog<E>;
  /**
   * The audit entries the event makes (src/changes/audit-entries.ts writes them in the change's
   * transaction): the first is the event's own, any further ones what it took along (a deleted
   * tenant's grants). `'not-audited'`: an operator's repair, not a change of a fact.
   */
  audit: ((event: E) => AuditRecord[]) | 'not-audited';
}

/** Declares the entry of events with payload E; every event names the tenant it happened in (null: none). */
export const entry = <E extends { tenantId: string | null }>(definition: EventEntry<E>): EventEntry<E> => definition;

export const touch = (tuple: Tuple): TupleUpdate => ({ op: 'touch', tuple });
export const remove = (tuple: Tuple): TupleUpdate => ({ op: 'delete', tuple });
