import { apiKeyTuples } from '../relationships/relationship-tuples.js';
import { change } from './audit-record.js';
import { entry, remove, touch } from './event-entry.js';

const apiKey = (e: { apiKeyId: string }) => ({ type: 'api_key' as const, id: e.apiKeyId });
const owner = (e: { ownerUserId: string }) => ({ type: 'user' as const, id: e.ownerUserId });

interface Key {
  tenantId: string;
  apiKeyId: string;
  ownerUserId: string;
}

/** API keys. The secret never appears in an event. */
export const apiKeyEvents = {
  ApiKeyCreated: entry<Key>({
    aggregate: apiKey,
    relationships: (e) => apiKeyTuples(e).map(touch),
    log: { name: 'api_key_created', message: 'API key created', fields: (e) => ({ apiKeyId: e.apiKeyId, tenantId: e.tenantId, ownerUserId: e.ownerUserId }) },
    audit: (e) => [{ action: 'API_KEY_CREATED', target: apiKey(e), subject: owner(e), changes: [change('owner', null, e.ownerUserId)] }],
  }),
  /** Revoked by its owner, a tenant admin, or the owner's departure: the row stays, and so do its relationships. */
  ApiKeyRevoked: entry<Key & { prefix: string }>({
    aggregate: apiKey,
    relationships: 'postgresql-only',
    log: { name: 'api_key_revoked', message: 'API key revoked', fields: (e) => ({ apiKeyId: e.apiKeyId, prefix: e.prefix, tenantId: e.tenantId, ownerUserId: e.ownerUserId }) },
    audit: (e) => [{ action: 'API_KEY_REVOKED', target: apiKey(e), subject: owner(e), changes: [change('revoked', 'false', 'true')] }],
  }),
  /** Only with its tenant. */
  ApiKeyDeleted: entry<Key & { name?: string }>({
    aggregate: apiKey,
    relationships: (e) => apiKeyTuples(e).map(remove),
    log: { name: 'api_key_deleted', message: 'API key deleted', fields: (e) => ({ apiKeyId: e.apiKeyId, tenantId: e.tenantId }) },
    audit: (e) => [{ action: 'API_KEY_DELETED', target: { ...apiKey(e), name: e.name ?? null }, subject: owner(e), changes: [change('owner', e.ownerUserId, null)] }],
  }),
};
