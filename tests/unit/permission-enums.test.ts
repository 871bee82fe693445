import { buildSchema as buildGraphQLSchema, isEnumType, type GraphQLSchema } from 'graphql';
import { describe, expect, it } from 'vitest';
import { PERMISSIONS } from '../../src/authz/permissions.js';
import { readTypeDefs } from '../../src/graphql/schema.js';
import { fromGraphQLPermission, fromGraphQLResourceType } from '../../src/graphql/resolvers/permission-names.js';
import type { Permission, ResourceType } from '../../src/graphql/generated/resolvers-types.js';

/** The permission API's enums against permissions.ts (which tests/unit/permissions.test.ts holds to schema.zed). */
function enumValues(schema: GraphQLSchema, name: string): string[] {
  const type = schema.getType(name);
  if (!isEnumType(type)) throw new Error(`${name} is not an enum`);
  return type.getValues().map((v) => v.name);
}

describe('the Permission and ResourceType enums', () => {
  const schema = buildGraphQLSchema(`directive @link(url: String, import: [String]) repeatable on SCHEMA\ndirective @key(fields: String!) repeatable on OBJECT | INTERFACE\ndirective @shareable on OBJECT | FIELD_DEFINITION\nscalar _Any\n${readTypeDefs()}`, {
    assumeValidSDL: true,
  });

  it('name every resource type schema.zed defines, and nothing else', () => {
    expect(enumValues(schema, 'ResourceType').map((t) => fromGraphQLResourceType(t as ResourceType)).sort()).toEqual(Object.keys(PERMISSIONS).sort());
  });

  it('name every permission schema.zed defines exactly once, whatever type defines it', () => {
    const values = enumValues(schema, 'Permission');
    expect(new Set(values).size).toBe(values.length);
    const every = new Set(Object.values(PERMISSIONS).flat());
    expect(values.map((p) => fromGraphQLPermission(p as Permission)).sort()).toEqual([...every].sort());
  });
});
