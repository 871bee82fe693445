import type { IncomingHttpHeaders } from 'node:http';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';

/** A second subgraph, as another team would write it: it extends our Workspace and refers to workspaces by id. */
export const DOCUMENTS_SDL = `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key"])

  type Workspace @key(fields: "id") {
    id: ID!
    "Stand-in for data this subgraph owns; derived from the id so tests can predict it."
    documentCount: Int!
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
  stop(): Promise<void>;
}

export async function startDocumentsSubgraph(): Promise<DocumentsSubgraph> {
  const pinned: string[] = [];
  const resolvers = {
    Query: { pinnedWorkspaces: () => pinned.map((id) => ({ id })), documentsStatus: () => 'ok' },
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
      return {};
    },
  });
  return { url, pinned, received, stop: () => server.stop() };
}
