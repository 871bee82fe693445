/** GraphQL documents shared by the API tests. */
export const CREATE_WORKSPACE = `mutation Create($parentId: ID!, $name: String!) {
  createWorkspace(input: { parentId: $parentId, name: $name }) {
    workspace { id name depth isRoot parent { id } tenant { id } viewerPermissions { view edit manage createChild } }
    authorizationSynced
  }
}`;

export const RENAME_WORKSPACE = `mutation Rename($id: ID!, $name: String!) {
  renameWorkspace(input: { id: $id, name: $name }) { workspace { id name updatedAt } authorizationSynced }
}`;

export const DELETE_WORKSPACE = `mutation Delete($id: ID!) {
  deleteWorkspace(input: { id: $id }) { deletedWorkspaceId authorizationSynced }
}`;

export const GET_WORKSPACE = `query Get($id: ID!) {
  workspace(id: $id) { id name depth isRoot parent { id name } viewerPermissions { view edit manage createChild } }
}`;

export const CREATE_TENANT = `mutation CreateTenant($name: String!) {
  createTenant(input: { name: $name }) {
    tenant { id name rootWorkspace { id name isRoot depth } viewerPermissions { view manage administrate createApiKey } }
    authorizationSynced
  }
}`;

export const DELETE_TENANT = `mutation DeleteTenant($id: ID!) {
  deleteTenant(input: { id: $id }) { deletedTenantId authorizationSynced }
}`;

export interface CreatedWorkspace {
  createWorkspace: { workspace: { id: string; name: string; depth: number }; authorizationSynced: boolean };
}
