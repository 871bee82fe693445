import { apiKeyStatus, DISPLAYED_PREFIX_LENGTH } from '../../api-keys/api-key.js';
import type { ApiKeyResolvers } from '../generated/resolvers-types.js';
import { callerOf } from '../context.js';

export const ApiKey: ApiKeyResolvers = {
  __resolveReference: (reference, ctx) => ctx.services.apiKeys.byReference(callerOf(ctx), reference.id),
  // The stored lookup handle is longer; clients see only enough to recognise the key.
  prefix: (key) => key.prefix.slice(0, DISPLAYED_PREFIX_LENGTH),
  owner: (key, _, ctx) => ctx.services.apiKeys.owner(callerOf(ctx), key),
  tenant: (key, _, ctx) => ctx.services.apiKeys.tenantOf(callerOf(ctx), key),
  status: (key) => apiKeyStatus(key),
};
