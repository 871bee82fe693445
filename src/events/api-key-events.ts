import { apiKeyTuples } from '../relationships/relationship-tuples.js';
import { entry, remove, touch } from './event-entry.js';

const apiKey = (e: { apiKeyId: string }) => ({ type: 'api_key' as const, id: e.apiKeyId });

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
  }),
  /** Revoked by its owner, a tenant admin, or the owner's departure: the row stays, and so do its relationships. */
  ApiKeyRevoked: entry<Key & { prefix: string }>({
    aggregate: apiKey,
    relationships: 'postgresql-only',
    log: { name: 'api_key_revoked', message: 'API key revoked', fields: (e) => ({ apiKeyId: e.apiKeyId, prefix: e.prefix, tenantId: e.tenantId, ownerUserId: e.ownerUserId }) },
  }),
  /** Only with its tenant. */
  ApiKeyDeleted: entry<Key>({
    aggregate: apiKey,
    relationships: (e) => apiKeyTuples(e).map(remove),
    log: { name: 'api_key_deleted', message: 'API key deleted', fields: (e) => ({ apiKeyId: e.apiKeyId, tenantId: e.tenantId }) },
  }),
};
