import type { CreateMutation } from './generated/operations-types.js';

/** GraphQL documents shared by the API tests; their response types are generated (codegen.ts). */
export const CREATE_WORKSPACE = /* GraphQL */ `mutation Create($parentId: ID!, $name: String!) {
  createWorkspace(input: { parentId: $parentId, name: $name }) {
    workspace { id name depth isRoot parent { id } tenant { id } viewerPermissions { view edit manage createChild } }
    authorizationSynced
  }
}`;

export const RENAME_WORKSPACE = /* GraphQL */ `mutation Rename($id: ID!, $name: String!) {
  renameWorkspace(input: { id: $id, name: $name }) { workspace { id name updatedAt } authorizationSynced }
}`;

export const DELETE_WORKSPACE = /* GraphQL */ `mutation Delete($id: ID!) {
  deleteWorkspace(input: { id: $id }) { deletedWorkspaceId authorizationSynced }
}`;

export const GET_WORKSPACE = /* GraphQL */ `query Get($id: ID!) {
  workspace(id: $id) { id name depth isRoot parent { id name } viewerPermissions { view edit manage createChild } }
}`;

export const CREATE_TENANT = /* GraphQL */ `mutation CreateTenant($name: String!) {
  createTenant(input: { name: $name }) {
    tenant { id name rootWorkspace { id name isRoot depth } viewerPermissions { view manage administrate createApiKey } }
    authorizationSynced
  }
}`;

export const DELETE_TENANT = /* GraphQL */ `mutation DeleteTenant($id: ID!) {
  deleteTenant(input: { id: $id }) { deletedTenantId authorizationSynced }
}`;

/** The response of CREATE_WORKSPACE, generated from the document (npm run codegen). */
export type CreatedWorkspace = CreateMutation;
