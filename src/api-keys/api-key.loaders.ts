import type DataLoader from 'dataloader';
import type { Caller } from '../request/caller.js';
import { loaderById } from '../request/loader.js';
import { findApiKeysByIds } from './api-key.repository.js';
import type { ApiKey } from './api-key.js';

export interface ApiKeyLoaders {
  byId: DataLoader<string, ApiKey | null>;
}

export const apiKeyLoaders = (caller: Caller): ApiKeyLoaders => ({
  byId: loaderById(caller, async (ids) => findApiKeysByIds(await caller.reads(), ids)),
});
