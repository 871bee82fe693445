import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse, type GraphQLSchema } from 'graphql';
import { guardEntities } from './entities-guard.js';
import type { Resolvers } from './generated/resolvers-types.js';
import { ApiKey } from './resolvers/api-key.js';
import { AuditEntry } from './resolvers/audit-entry.js';
import { Group, GroupPermissions } from './resolvers/group.js';
import { GroupMember } from './resolvers/group-member.js';
import { Invitation, InvitedGroup, InvitedWorkspaceRole } from './resolvers/invitation.js';
import { Mutation } from './resolvers/mutation.js';
import { Query } from './resolvers/query.js';
import { DateTime } from './resolvers/scalars.js';
import { Tenant, TenantPermissions } from './resolvers/tenant.js';
import { TenantMember } from './resolvers/tenant-member.js';
import { User } from './resolvers/user.js';
import { Viewer } from './resolvers/viewer.js';
import { Workspace, WorkspacePermissions } from './resolvers/workspace.js';
import { WorkspaceMember, WorkspaceSubject } from './resolvers/workspace-member.js';

export const SCHEMA_GRAPHQL_PATH = fileURLToPath(new URL('../../schema.graphql', import.meta.url));

export function readTypeDefs(): string {
  return readFileSync(SCHEMA_GRAPHQL_PATH, 'utf8');
}

/** Checked against schema.graphql by the generated types: a resolver that drifts fails `npm run typecheck`. */
export const resolvers: Resolvers = {
  DateTime,
  Query,
  ApiKey,
  Mutation,
  Viewer,
  User,
  Tenant,
  TenantPermissions,
  TenantMember,
  Workspace,
  WorkspacePermissions,
  WorkspaceMember,
  WorkspaceSubject,
  Group,
  GroupPermissions,
  GroupMember,
  AuditEntry,
  Invitation,
  InvitedWorkspaceRole,
  InvitedGroup,
};

export function buildSchema(): GraphQLSchema {
  const schema = buildSubgraphSchema([{ typeDefs: parse(readTypeDefs()), resolvers }]);
  guardEntities(schema);
  return schema;
}
