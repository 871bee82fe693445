/*
 * Resolvers are checked against schema.graphql through the generated types (npm run codegen).
 * Each resolver below breaks the schema, so `npm run typecheck` must report it: the
 * `@ts-expect-error` lines fail the typecheck the moment such a mistake would compile.
 */
import type { MutationResolvers, QueryResolvers, WorkspaceResolvers } from '../../src/graphql/generated/resolvers-types.js';

export const wrongFieldType: WorkspaceResolvers = {
  // @ts-expect-error Workspace.depth is Int!, not a string.
  depth: () => 'deep',
};

export const nullForNonNull: WorkspaceResolvers = {
  // @ts-expect-error Workspace.tenant is Tenant!: a resolver may not answer null.
  tenant: () => null,
};

export const unknownArgument: QueryResolvers = {
  // @ts-expect-error Query.workspace takes `id`, not `name`.
  workspace: (_, args: { name: string }) => (args.name ? null : null),
};

export const missingPayloadField: MutationResolvers = {
  // @ts-expect-error DeleteWorkspacePayload needs authorizationSynced.
  deleteWorkspace: () => ({ deletedWorkspaceId: 'x' }),
};
