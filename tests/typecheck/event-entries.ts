/*
 * An event type is one entry (src/events/*-events.ts): its payload, aggregate, relationships and
 * log wording. An entry missing a piece does not compile; each `@ts-expect-error` line fails
 * `npm run typecheck` the moment it would.
 */
import { entry } from '../../src/events/event-entry.js';

type Renamed = { tenantId: string; apiKeyId: string; name: string };

export const withoutLog = entry<Renamed>(
  // @ts-expect-error no log wording
  {
    aggregate: (e) => ({ type: 'api_key', id: e.apiKeyId }),
    relationships: () => [],
  },
);

export const withoutRelationships = entry<Renamed>(
  // @ts-expect-error no decision about SpiceDB
  {
    aggregate: (e) => ({ type: 'api_key', id: e.apiKeyId }),
    log: { name: 'api_key_renamed', fields: (e) => ({ apiKeyId: e.apiKeyId }) },
  },
);

export const withoutAggregate = entry<Renamed>(
  // @ts-expect-error no aggregate
  {
    relationships: () => [],
    log: { name: 'api_key_renamed', fields: (e) => ({ apiKeyId: e.apiKeyId }) },
  },
);

export const fieldsOfAnotherPayload = entry<Renamed>({
  aggregate: (e) => ({ type: 'api_key', id: e.apiKeyId }),
  relationships: () => [],
  // @ts-expect-error the payload has no groupId
  log: { name: 'api_key_renamed', fields: (e) => ({ groupId: e.groupId }) },
});

// @ts-expect-error every event names the tenant it happened in
export const withoutTenant = entry<{ apiKeyId: string }>({
  aggregate: (e) => ({ type: 'api_key', id: e.apiKeyId }),
  relationships: () => [],
  log: { name: 'x', fields: () => ({}) },
});
