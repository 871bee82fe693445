import type { ApiKey } from '../api-keys/api-key.js';
import type { AuditEntry } from '../audit/audit-entry.js';
import type { Resource } from '../authz/permissions.js';
import type { Group, GroupMember } from '../groups/group.js';
import type { Invitation } from '../invitations/invitation.js';
import type { Tenant, TenantMember } from '../tenants/tenant.js';
import type { User } from '../users/user.js';
import type { WorkspaceMember } from '../workspaces/workspace-member.js';
import type { Workspace } from '../workspaces/workspace.js';
import type { Connection } from './connection.js';

/**
 * What resolvers pass down for the types below; codegen.ts maps the schema types to these. A
 * `…Permissions` parent is the resource the caller asks about (the permission door needs its tenant too).
 */
export type TenantPermissionsParent = Resource<'tenant'>;
export type WorkspacePermissionsParent = Resource<'workspace'>;
export type GroupPermissionsParent = Resource<'group'>;
export type TenantConnectionParent = Connection<Tenant>;
export type WorkspaceConnectionParent = Connection<Workspace>;
export type ApiKeyConnectionParent = Connection<ApiKey>;
export type UserConnectionParent = Connection<User>;
export type TenantMemberConnectionParent = Connection<TenantMember>;
export type GroupConnectionParent = Connection<Group>;
export type GroupMemberConnectionParent = Connection<GroupMember>;
export type WorkspaceMemberConnectionParent = Connection<WorkspaceMember>;
export type AuditEntryConnectionParent = Connection<AuditEntry>;
export type InvitationConnectionParent = Connection<Invitation>;
