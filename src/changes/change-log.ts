import { actorFields, type Actor } from '../events/actor.js';
import { entryOf, type DomainEvent } from '../events/domain-events.js';
import type { Logger } from '../logger.js';

/** An event as a change recorded it: made by the change, or a consequence of it (what a deletion took along). */
export interface RecordedEvent {
  event: DomainEvent;
  consequence: boolean;
}

/**
 * The one log line of a committed change, written by the unit of work: worded by the change's
 * headline (its first event that is no consequence: the deletion, not the grants it took along),
 * with the actor and how many events of each type the change recorded. Nothing for a change that
 * recorded no event (e.g. a grant of the role already held).
 */
export function logChange(logger: Logger, actor: Actor, recorded: readonly RecordedEvent[]): void {
  const headline = recorded.find((r) => !r.consequence)?.event;
  if (!headline) return;
  const { log } = entryOf(headline);
  const name = typeof log.name === 'string' ? log.name : log.name(headline, actor);
  const events: Record<string, number> = {};
  for (const { event } of recorded) events[event.type] = (events[event.type] ?? 0) + 1;
  logger.info({ event: name, ...log.fields(headline), ...actorFields(actor), events }, log.message ?? name.replaceAll('_', ' '));
}
