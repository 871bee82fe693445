import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';
import type { GraphQLSchema } from 'graphql';
import { parse } from 'graphql';
import { guardEntities } from './entities-guard.js';
import { Mutation } from './resolvers/mutation.js';
import { Query } from './resolvers/query.js';
import { DateTime } from './resolvers/scalars.js';
import { TenantPermissions, TenantResolvers } from './resolvers/tenant.js';
import { UserResolvers } from './resolvers/user.js';
import { Viewer } from './resolvers/viewer.js';
import { WorkspacePermissions, WorkspaceResolvers } from './resolvers/workspace.js';

export const SCHEMA_GRAPHQL_PATH = fileURLToPath(new URL('../../schema.graphql', import.meta.url));

export function readTypeDefs(): string {
  return readFileSync(SCHEMA_GRAPHQL_PATH, 'utf8');
}

export function buildSchema(): GraphQLSchema {
  const resolvers = {
    DateTime,
    Query,
    Mutation,
    Viewer,
    User: UserResolvers,
    Tenant: TenantResolvers,
    TenantPermissions,
    Workspace: WorkspaceResolvers,
    WorkspacePermissions,
  } as unknown as GraphQLResolverMap<unknown>;
  const schema = buildSubgraphSchema({ typeDefs: parse(readTypeDefs()), resolvers });
  guardEntities(schema);
  return schema;
}
