import { permissionOf, type PermissionOf } from '../authz/permissions.js';
import type { WorkspaceRole } from '../events/roles.js';
import { BadInputError } from '../shared/errors.js';

export type WorkspacePermission = PermissionOf<'workspace'>;

/**
 * Which workspace roles give each workspace permission, on the workspace itself and (through
 * `parent->…`) on every workspace below it, read off schema.zed:
 *   manage = admin + parent->manage + tenant->administrate
 *   edit   = admin + editor + parent->edit + tenant->administrate
 *   view   = admin + editor + member + parent->view + tenant->administrate
 *   create_child = edit + creator_tenant->view   (creator_tenant: only on the root)
 * Every one of them also holds for tenant admins. tests/integration/api/permission-api.test.ts
 * compares what this derives from PostgreSQL with SpiceDB's own answers.
 */
export const ROLES_GIVING: Record<WorkspacePermission, readonly WorkspaceRole[]> = {
  manage: ['admin'],
  edit: ['admin', 'editor'],
  view: ['admin', 'editor', 'member'],
  create_child: ['admin', 'editor'],
};

/** Whether every member of the tenant holds `permission` on its root (creator_tenant->view; not inherited below it). */
export const tenantMembersHoldOnRoot = (permission: WorkspacePermission): boolean => permission === 'create_child';

/** A permission named by a client for a workspace: BAD_USER_INPUT `PERMISSION_NOT_DEFINED` naming `field` when a workspace defines no such permission. */
export function workspacePermission(field: string, name: string): WorkspacePermission {
  const permission = permissionOf('workspace', name);
  if (!permission) throw new BadInputError(field, `A workspace defines no permission ${name.toUpperCase()}`, 'PERMISSION_NOT_DEFINED');
  return permission;
}
