import { expect } from 'vitest';
import type { TestOidcProvider } from './oidc-provider.js';
import type { GraphQLResponse, TestServer } from './server.js';

/** Documents and helpers for the access-management tests: people who sign in, and the mutations they run. */

export const ADD_TENANT_MEMBER = /* GraphQL */ `mutation AddTenantMember($input: AddTenantMemberInput!) {
  addTenantMember(input: $input) { member { user { id username } role addedAt } authorizationSynced }
}`;
export const CHANGE_TENANT_MEMBER_ROLE = /* GraphQL */ `mutation ChangeTenantMemberRole($input: ChangeTenantMemberRoleInput!) {
  changeTenantMemberRole(input: $input) { member { user { id } role } authorizationSynced }
}`;
export const REMOVE_TENANT_MEMBER = /* GraphQL */ `mutation RemoveTenantMember($input: RemoveTenantMemberInput!) {
  removeTenantMember(input: $input) { removedUserId authorizationSynced }
}`;
export const CREATE_GROUP = /* GraphQL */ `mutation CreateGroup($input: CreateGroupInput!) {
  createGroup(input: $input) { group { id name tenant { id } viewerPermissions { view manage } } authorizationSynced }
}`;
export const RENAME_GROUP = /* GraphQL */ `mutation RenameGroup($input: RenameGroupInput!) {
  renameGroup(input: $input) { group { id name } authorizationSynced }
}`;
export const DELETE_GROUP = /* GraphQL */ `mutation DeleteGroup($input: DeleteGroupInput!) {
  deleteGroup(input: $input) { deletedGroupId authorizationSynced }
}`;
export const ADD_GROUP_MEMBER = /* GraphQL */ `mutation AddGroupMember($input: AddGroupMemberInput!) {
  addGroupMember(input: $input) { member { user { id } role } group { id } authorizationSynced }
}`;
export const CHANGE_GROUP_MEMBER_ROLE = /* GraphQL */ `mutation ChangeGroupMemberRole($input: ChangeGroupMemberRoleInput!) {
  changeGroupMemberRole(input: $input) { member { user { id } role } group { id } authorizationSynced }
}`;
export const REMOVE_GROUP_MEMBER = /* GraphQL */ `mutation RemoveGroupMember($input: RemoveGroupMemberInput!) {
  removeGroupMember(input: $input) { group { id } authorizationSynced }
}`;
export const GRANT_WORKSPACE_ROLE = /* GraphQL */ `mutation GrantWorkspaceRole($input: GrantWorkspaceRoleInput!) {
  grantWorkspaceRole(input: $input) {
    member { subject { __typename ... on User { id } ... on Group { id } } role grantedOn { id } inherited }
    workspace { id }
    authorizationSynced
  }
}`;
export const REVOKE_WORKSPACE_ROLE = /* GraphQL */ `mutation RevokeWorkspaceRole($input: RevokeWorkspaceRoleInput!) {
  revokeWorkspaceRole(input: $input) { workspace { id } authorizationSynced }
}`;
export const WORKSPACE_PERMISSIONS = /* GraphQL */ `query WorkspacePermissions($id: ID!) {
  workspace(id: $id) { id viewerPermissions { view edit manage createChild } }
}`;

export interface Person {
  id: string;
  username: string;
  /** Bearer credentials of this person. */
  headers: Record<string, string>;
}

export type Role = 'ADMIN' | 'MEMBER';
export type WorkspaceRoleName = 'ADMIN' | 'EDITOR' | 'MEMBER';

/** Someone signing in through the test OIDC provider: the first request provisions them, as in production. */
export async function signIn(server: TestServer, oidc: TestOidcProvider, username: string, claims: { email?: string; name?: string } = {}): Promise<Person> {
  const headers = { authorization: `Bearer ${await oidc.sign({ sub: `sub-${username}`, preferred_username: username, ...claims }, { expiresIn: 3600 })}` };
  const me = await server.gql<{ viewer: { user: { id: string } } }>('{ viewer { user { id } } }', {}, headers);
  const id = me.data?.viewer.user.id;
  if (!id) throw new Error(`sign-in of ${username} failed: ${JSON.stringify(me.errors)}`);
  return { id, username, headers };
}

/** Sends a mutation as `headers` and returns its data, failing the test on any error. */
export async function ok<T = Record<string, unknown>>(server: TestServer, headers: Record<string, string>, query: string, variables: Record<string, unknown>): Promise<T> {
  const response = await server.gql<T>(query, variables, headers);
  expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
  if (!response.data) throw new Error('no data');
  return response.data;
}

/** The first error's code and reason (and field, when it names one). */
export function refusal(response: GraphQLResponse): { code?: string; reason?: string; field?: string } {
  const extensions = response.errors?.[0]?.extensions;
  return { code: extensions?.code, reason: extensions?.reason, ...(extensions?.field ? { field: extensions.field } : {}) };
}

/** A small access-management vocabulary over real HTTP. */
export class Access {
  constructor(private readonly server: TestServer) {}

  addTenantMember(as: Record<string, string>, tenantId: string, who: { userId: string } | { email: string }, role: Role = 'MEMBER') {
    return ok(this.server, as, ADD_TENANT_MEMBER, { input: { tenantId, ...who, role } });
  }

  removeTenantMember(as: Record<string, string>, tenantId: string, userId: string) {
    return ok(this.server, as, REMOVE_TENANT_MEMBER, { input: { tenantId, userId } });
  }

  async createGroup(as: Record<string, string>, tenantId: string, name: string): Promise<string> {
    const data = await ok<{ createGroup: { group: { id: string } } }>(this.server, as, CREATE_GROUP, { input: { tenantId, name } });
    return data.createGroup.group.id;
  }

  addGroupMember(as: Record<string, string>, groupId: string, userId: string, role: Role = 'MEMBER') {
    return ok(this.server, as, ADD_GROUP_MEMBER, { input: { groupId, userId, role } });
  }

  grant(as: Record<string, string>, workspaceId: string, subject: { userId: string } | { groupId: string }, role: WorkspaceRoleName) {
    return ok(this.server, as, GRANT_WORKSPACE_ROLE, { input: { workspaceId, ...subject, role } });
  }

  revoke(as: Record<string, string>, workspaceId: string, subject: { userId: string } | { groupId: string }) {
    return ok(this.server, as, REVOKE_WORKSPACE_ROLE, { input: { workspaceId, ...subject } });
  }

  async createWorkspace(as: Record<string, string>, parentId: string, name: string): Promise<string> {
    const data = await ok<{ createWorkspace: { workspace: { id: string } } }>(
      this.server,
      as,
      'mutation($p: ID!, $n: String!) { createWorkspace(input: { parentId: $p, name: $n }) { workspace { id } } }',
      { p: parentId, n: name },
    );
    return data.createWorkspace.workspace.id;
  }

  /** What `as` may do on a workspace; null when they cannot see it. */
  async permissions(as: Record<string, string>, workspaceId: string): Promise<{ view: boolean; edit: boolean; manage: boolean; createChild: boolean } | null> {
    const data = await ok<{ workspace: { viewerPermissions: { view: boolean; edit: boolean; manage: boolean; createChild: boolean } } | null }>(
      this.server,
      as,
      WORKSPACE_PERMISSIONS,
      { id: workspaceId },
    );
    return data.workspace?.viewerPermissions ?? null;
  }
}
