import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PERMISSIONS, permissionOf } from '../../src/authz/permissions.js';
import { SCHEMA_PATH } from '../../src/infra/spicedb/connect.js';

/** Every definition of schema.zed with the permissions it defines (comments stripped). */
function schemaPermissions(): Record<string, string[]> {
  const schema = readFileSync(SCHEMA_PATH, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '');
  const found: Record<string, string[]> = {};
  for (const [, name, body] of schema.matchAll(/definition (\w+) \{([^}]*)\}/g)) {
    const permissions = [...(body ?? '').matchAll(/^\s*permission (\w+) =/gm)].map((m) => m[1] ?? '');
    if (name && permissions.length > 0) found[name] = permissions.sort();
  }
  return found;
}

describe('the permission door against schema.zed', () => {
  it('names exactly the permissions each definition has, for every definition that has any', () => {
    const ours = Object.fromEntries(Object.entries(PERMISSIONS).map(([type, names]) => [type, [...names].sort()]));
    expect(ours).toEqual(schemaPermissions());
  });

  it('finds a permission named at run time only on the type that defines it', () => {
    expect(permissionOf('workspace', 'create_child')).toBe('create_child');
    expect(permissionOf('workspace', 'administrate')).toBeNull();
    expect(permissionOf('tenant', 'administrate')).toBe('administrate');
    expect(permissionOf('api_key', 'manage')).toBeNull();
  });
});
