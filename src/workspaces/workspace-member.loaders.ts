import type { Caller } from '../request/caller.js';
import { ListLoaders } from '../request/loader.js';
import type { WorkspaceMemberCursor } from './workspace-member-cursor.js';
import { listWorkspaceGrants, type GrantScope, type ListedWorkspaceMember } from './workspace-member.repository.js';

export interface WorkspaceMemberListShape {
  first: number;
  after: WorkspaceMemberCursor | null;
  includeInherited: boolean;
}

/** Where a listed workspace's grants come from differs with includeInherited, so both are part of the key. */
export const grantScopeKey = (workspaceId: string, includeInherited: boolean): string => `${workspaceId}:${includeInherited}`;

/** Per-request loaders of workspace grants: one statement per page shape, whatever the number of workspaces. */
export class WorkspaceMemberLoaders {
  /** Where each listed workspace's members come from (grantScopeKey); set by the service before it loads the list. */
  readonly grantScopes = new Map<string, GrantScope[]>();
  readonly workspaceMembers: ListLoaders<WorkspaceMemberListShape, ListedWorkspaceMember>;

  constructor(caller: Caller) {
    this.workspaceMembers = new ListLoaders(caller, async (workspaceIds, shape) => {
      const scopes = workspaceIds.flatMap((id) => this.grantScopes.get(grantScopeKey(id, shape.includeInherited)) ?? []);
      return listWorkspaceGrants(await caller.reads(), scopes, shape);
    });
  }
}

export const workspaceMemberLoaders = (caller: Caller): WorkspaceMemberLoaders => new WorkspaceMemberLoaders(caller);
