/**
 * Every permission schema.zed defines, by resource type: all a check may ask of each type
 * (tests/unit/permissions.test.ts reads schema.zed and fails when the two differ). The door
 * (permission-door.ts) takes a permission of the resource's own type only, so asking a workspace
 * for `administrate`, a tenant-only permission, does not compile.
 */
export const PERMISSIONS = {
  tenant: ['administrate', 'manage', 'view', 'create_api_key', 'create_group'],
  group: ['member', 'manage', 'view'],
  workspace: ['manage', 'edit', 'view', 'create_child'],
  api_key: ['view', 'revoke'],
} as const;

export type ResourceType = keyof typeof PERMISSIONS;
export type PermissionOf<R extends ResourceType> = (typeof PERMISSIONS)[R][number];
/** Every permission name, each once, whatever type defines it. */
export type Permission = PermissionOf<ResourceType>;

/** What a check is about: the resource, and the tenant it lives in (an API key's scope and the tenant-admin shortcut need it). */
export interface Resource<R extends ResourceType = ResourceType> {
  readonly type: R;
  readonly id: string;
  readonly tenantId: string;
}

export const tenantResource = (id: string): Resource<'tenant'> => ({ type: 'tenant', id, tenantId: id });
export const workspaceResource = (w: { id: string; tenantId: string }): Resource<'workspace'> => ({ type: 'workspace', id: w.id, tenantId: w.tenantId });
export const groupResource = (g: { id: string; tenantId: string }): Resource<'group'> => ({ type: 'group', id: g.id, tenantId: g.tenantId });
export const apiKeyResource = (k: { id: string; tenantId: string }): Resource<'api_key'> => ({ type: 'api_key', id: k.id, tenantId: k.tenantId });

/** The permission `name` when `type` defines it, else null: for checks named at run time (a permission-check API). */
export function permissionOf<R extends ResourceType>(type: R, name: string): PermissionOf<R> | null {
  const names: readonly string[] = PERMISSIONS[type];
  return names.includes(name) ? (name as PermissionOf<R>) : null;
}
