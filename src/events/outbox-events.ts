import type { TupleUpdate } from '../infra/spicedb/relationships.js';
import { entry } from './event-entry.js';

/** Events about the outbox itself. */
export const outboxEvents = {
  /** Written only by the replay of parked events (src/outbox/parked-events.ts): what is left of a parked event's updates, re-appended at the tail. */
  ReplayOfParked: entry<{ tenantId: string | null; replayOf: string; updates: TupleUpdate[] }>({
    aggregate: (e) => ({ type: 'outbox', id: e.replayOf }),
    relationships: (e) => e.updates,
    log: { name: 'parked_event_replayed', fields: (e) => ({ replayOf: e.replayOf, updates: e.updates.length }) },
    audit: 'not-audited',
  }),
};
