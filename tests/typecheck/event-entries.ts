/*
 * An event type is one entry (src/events/*-events.ts): its payload, aggregate, relationships,
 * log wording and audit entries. An entry missing a piece does not compile; each `@ts-expect-error` line fails
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
  audit: 'not-audited',
});

export const withoutAudit = entry<Renamed>(
  // @ts-expect-error no decision about the audit log
  {
    aggregate: (e) => ({ type: 'api_key', id: e.apiKeyId }),
    relationships: () => [],
    log: { name: 'api_key_renamed', fields: (e) => ({ apiKeyId: e.apiKeyId }) },
  },
);

export const auditOfAnUnknownAction = entry<Renamed>({
  aggregate: (e) => ({ type: 'api_key', id: e.apiKeyId }),
  relationships: () => [],
  log: { name: 'api_key_renamed', fields: (e) => ({ apiKeyId: e.apiKeyId }) },
  // @ts-expect-error an action the audit log does not name
  audit: (e) => [{ action: 'API_KEY_RENAMED', target: { type: 'api_key', id: e.apiKeyId }, changes: [] }],
});

// @ts-expect-error every event names the tenant it happened in
export const withoutTenant = entry<{ apiKeyId: string }>({
  aggregate: (e) => ({ type: 'api_key', id: e.apiKeyId }),
  relationships: () => [],
  log: { name: 'x', fields: () => ({}) },
  audit: 'not-audited',
});
