import type DataLoader from 'dataloader';
import type { Caller } from '../request/caller.js';
import { loaderById } from '../request/loader.js';
import { findTenantsByIds } from './tenant.repository.js';
import type { Tenant } from './tenant.js';

export interface TenantLoaders {
  byId: DataLoader<string, Tenant | null>;
}

export const tenantLoaders = (caller: Caller): TenantLoaders => ({
  byId: loaderById(caller, async (ids) => findTenantsByIds(await caller.reads(), ids)),
});
