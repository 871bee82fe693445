/*
 * The permission door takes, for each resource type, only what schema.zed defines for it
 * (src/authz/permissions.ts, checked against schema.zed by tests/unit/permissions.test.ts).
 * Each `@ts-expect-error` line fails `npm run typecheck` the moment such a check would compile.
 */
import type { PermissionDoor } from '../../src/authz/permission-door.js';
import { apiKeyResource, groupResource, tenantResource, workspaceResource } from '../../src/authz/permissions.js';
import { permissionChecks } from '../../src/graphql/resolvers/permission-checks.js';

const workspace = workspaceResource({ id: 'W', tenantId: 'T' });

export function checks(door: PermissionDoor): Promise<boolean>[] {
  return [
    door.can(workspace, 'create_child'),
    door.can(tenantResource('T'), 'administrate'),
    // @ts-expect-error `administrate` is a tenant's permission: a workspace has none of that name.
    door.can(workspace, 'administrate'),
    // @ts-expect-error `create_group` is a tenant's permission too.
    door.can(workspace, 'create_group'),
    // @ts-expect-error a group cannot be revoked; only an API key can.
    door.can(groupResource({ id: 'G', tenantId: 'T' }), 'revoke'),
    // @ts-expect-error an API key has no `manage`.
    door.can(apiKeyResource({ id: 'K', tenantId: 'T' }), 'manage'),
  ];
}

// @ts-expect-error a WorkspacePermissions field may name workspace permissions only.
export const wrongField = permissionChecks({ view: 'view', administrate: 'administrate' }, () => workspace);
