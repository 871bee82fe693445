import type DataLoader from 'dataloader';
import type { TenantRole } from '../events/roles.js';
import type { Caller } from '../request/caller.js';
import { ListLoaders, loaderById } from '../request/loader.js';
import { findRolesOf, listTenantMembersPage, type ListedTenantMember, type TenantMemberListShape } from './tenant-member.repository.js';

/** Per-request loaders of tenant memberships: one statement per kind and page shape, whatever the number of tenants. */
export class TenantMemberLoaders {
  /** The caller's own role, by tenant id. */
  readonly viewerRole: DataLoader<string, TenantRole | null>;
  readonly tenantMembers: ListLoaders<TenantMemberListShape, ListedTenantMember>;

  constructor(caller: Caller) {
    this.viewerRole = loaderById(caller, async (tenantIds) => findRolesOf(await caller.reads(), caller.principal.userId, tenantIds));
    this.tenantMembers = new ListLoaders(caller, async (tenantIds, shape) => listTenantMembersPage(await caller.reads(), tenantIds, shape));
  }
}

export const tenantMemberLoaders = (caller: Caller): TenantMemberLoaders => new TenantMemberLoaders(caller);
