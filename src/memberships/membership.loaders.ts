import type DataLoader from 'dataloader';
import type { Caller } from '../request/caller.js';
import { ListLoaders, loaderById } from '../request/loader.js';
import type { TenantRole } from './membership.table.js';
import { findRolesOf, listTenantMembersPage, type ListedTenantMember, type TenantMemberListShape } from './tenant-member.repository.js';
import type { WorkspaceMemberCursor } from './member-cursor.js';
import { listWorkspaceGrants, type GrantScope, type ListedWorkspaceMember } from './workspace-member.repository.js';

export interface WorkspaceMemberListShape {
  first: number;
  after: WorkspaceMemberCursor | null;
  includeInherited: boolean;
}

/** Where a listed workspace's grants come from differs with includeInherited, so both are part of the key. */
export const grantScopeKey = (workspaceId: string, includeInherited: boolean): string => `${workspaceId}:${includeInherited}`;

/** Per-request loaders of memberships: one statement per kind and page shape, whatever the number of parents. */
export class MembershipLoaders {
  /** The caller's own role, by tenant id. */
  readonly viewerRole: DataLoader<string, TenantRole | null>;
  readonly tenantMembers: ListLoaders<TenantMemberListShape, ListedTenantMember>;
  /** Where each listed workspace's members come from (grantScopeKey); set by the service before it loads the list. */
  readonly grantScopes = new Map<string, GrantScope[]>();
  readonly workspaceMembers: ListLoaders<WorkspaceMemberListShape, ListedWorkspaceMember>;

  constructor(caller: Caller) {
    this.viewerRole = loaderById(caller, async (tenantIds) => findRolesOf(await caller.reads(), caller.principal.userId, tenantIds));
    this.tenantMembers = new ListLoaders(caller, async (tenantIds, shape) => listTenantMembersPage(await caller.reads(), tenantIds, shape));
    this.workspaceMembers = new ListLoaders(caller, async (workspaceIds, shape) => {
      const scopes = workspaceIds.flatMap((id) => this.grantScopes.get(grantScopeKey(id, shape.includeInherited)) ?? []);
      return listWorkspaceGrants(await caller.reads(), scopes, shape);
    });
  }
}

export const membershipLoaders = (caller: Caller): MembershipLoaders => new MembershipLoaders(caller);
