import type { ApiKey } from '../api-keys/api-key.js';
import type { Group, GroupMember } from '../groups/group.js';
import type { TenantMember, WorkspaceMember } from '../memberships/membership.js';
import type { Tenant } from '../tenants/tenant.js';
import type { User } from '../users/user.js';
import type { Workspace } from '../workspaces/workspace.js';
import type { Connection } from './connection.js';

/** What resolvers pass down for the types below; codegen.ts maps the schema types to these. */
export interface TenantPermissionsParent {
  tenantId: string;
}
export interface WorkspacePermissionsParent {
  workspaceId: string;
}
export interface GroupPermissionsParent {
  groupId: string;
}
export type TenantConnectionParent = Connection<Tenant>;
export type WorkspaceConnectionParent = Connection<Workspace>;
export type ApiKeyConnectionParent = Connection<ApiKey>;
export type UserConnectionParent = Connection<User>;
export type TenantMemberConnectionParent = Connection<TenantMember>;
export type GroupConnectionParent = Connection<Group>;
export type GroupMemberConnectionParent = Connection<GroupMember>;
export type WorkspaceMemberConnectionParent = Connection<WorkspaceMember>;
