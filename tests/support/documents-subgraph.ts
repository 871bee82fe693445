import type { IncomingHttpHeaders } from 'node:http';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { GraphQLError, parse } from 'graphql';

/** A second subgraph, as another team would write it: it extends our Workspace and refers to workspaces by id. */
export const DOCUMENTS_SDL = `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key"])

  type Workspace @key(fields: "id") {
    id: ID!
    "Stand-in for data this subgraph owns; derived from the id so tests can predict it."
    documentCount: Int!
  }

  type Document {
    id: ID!
    workspace: Workspace!
  }

  type Mutation {
    """
    Needs EDIT on the workspace, which this subgraph asks iam for itself: checkPermissions with the
    caller's own credentials, through the router, in every request (nothing cached across requests).
    """
    addDocument(workspaceId: ID!): Document!
  }

  type Query {
    "Workspace references by id only: the router asks the iam subgraph for everything else."
    pinnedWorkspaces: [Workspace]
    "Needs no caller: what a federated query keeps whatever the iam subgraph says."
    documentsStatus: String!
  }
`;

export function documentCountOf(workspaceId: string): number {
  let n = 0;
  for (const c of workspaceId) n = (n * 31 + c.charCodeAt(0)) % 997;
  return n;
}

export interface DocumentsSubgraph {
  url: string;
  /** The ids `pinnedWorkspaces` returns; tests set them. */
  pinned: string[];
  /** The headers of every request it received, oldest first (what a router or gateway forwarded). */
  received: IncomingHttpHeaders[];
  /** Where `addDocument` asks for permissions (the router's URL); tests set it once the router runs. */
  permissionsUrl: string;
  /** Every checkPermissions request `addDocument` made: the headers it sent and what iam answered. */
  checks: { headers: Record<string, string>; allowed: boolean | null }[];
  /** The documents added, by workspace id. */
  documents: Map<string, string[]>;
  stop(): Promise<void>;
}

/** The credentials a peer forwards when it asks iam on its caller's behalf: exactly the caller's, never its own. */
const FORWARDED = ['authorization', 'x-api-key', 'x-request-id'] as const;

const CHECK_EDIT = `query PeerCheck($checks: [PermissionCheckInput!]!) { checkPermissions(checks: $checks) { allowed } }`;

export async function startDocumentsSubgraph(): Promise<DocumentsSubgraph> {
  const pinned: string[] = [];
  const documents = new Map<string, string[]>();
  const checks: DocumentsSubgraph['checks'] = [];
  const state = { permissionsUrl: '' };
  /** Whether the caller may edit the workspace, as iam answers it now; every failure to know is a refusal. */
  const mayEdit = async (caller: IncomingHttpHeaders, workspaceId: string): Promise<boolean> => {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    for (const name of FORWARDED) {
      const value = caller[name];
      if (typeof value === 'string') headers[name] = value;
    }
    let allowed: boolean | null = null;
    try {
      const response = await fetch(state.permissionsUrl, {
        method: 'POST',
        headers,
        body: JSON.stringify({ query: CHECK_EDIT, variables: { checks: [{ resourceType: 'WORKSPACE', resourceId: workspaceId, permission: 'EDIT' }] } }),
      });
      const body = (await response.json()) as { data?: { checkPermissions: { allowed: boolean }[] } | null };
      allowed = body.data?.checkPermissions[0]?.allowed ?? null;
    } finally {
      checks.push({ headers, allowed });
    }
    return allowed === true;
  };
  const resolvers = {
    Query: { pinnedWorkspaces: () => pinned.map((id) => ({ id })), documentsStatus: () => 'ok' },
    Mutation: {
      addDocument: async (_: unknown, args: { workspaceId: string }, ctx: unknown) => {
        if (!(await mayEdit((ctx as { headers: IncomingHttpHeaders }).headers, args.workspaceId))) {
          throw new GraphQLError('You may not add documents to this workspace', { extensions: { code: 'FORBIDDEN' } });
        }
        const id = `doc-${checks.length}`;
        documents.set(args.workspaceId, [...(documents.get(args.workspaceId) ?? []), id]);
        return { id, workspace: { id: args.workspaceId } };
      },
    },
    Workspace: {
      __resolveReference: (reference: { id: string }) => ({ id: reference.id }),
      documentCount: (workspace: { id: string }) => documentCountOf(workspace.id),
    },
  };
  const server = new ApolloServer({
    schema: buildSubgraphSchema({ typeDefs: parse(DOCUMENTS_SDL), resolvers }),
    plugins: [ApolloServerPluginInlineTraceDisabled()],
  });
  const received: IncomingHttpHeaders[] = [];
  const { url } = await startStandaloneServer(server, {
    listen: { host: '127.0.0.1', port: 0 },
    context: async ({ req }) => {
      received.push(req.headers);
      return { headers: req.headers };
    },
  });
  return {
    url,
    pinned,
    received,
    checks,
    documents,
    get permissionsUrl() {
      return state.permissionsUrl;
    },
    set permissionsUrl(value: string) {
      state.permissionsUrl = value;
    },
    stop: () => server.stop(),
  };
}
