import type { IncomingHttpHeaders } from 'node:http';
import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';

interface GatewayContext {
  headers: IncomingHttpHeaders;
}

// What router.yaml propagates to subgraphs; the gateway stands in for the router in tests.
const FORWARDED = ['authorization', 'x-api-key', 'x-request-id'] as const;

class ForwardingDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  override willSendRequest({ request, context }: Parameters<NonNullable<RemoteGraphQLDataSource<GatewayContext>['willSendRequest']>>[0]): void {
    for (const name of FORWARDED) {
      const value = context.headers?.[name];
      if (typeof value === 'string') request.http?.headers.set(name, value);
    }
  }
}

export interface Gateway {
  url: string;
  stop(): Promise<void>;
}

/** Apollo Gateway serving a fixed supergraph on a real port, forwarding credentials to the subgraphs. */
export async function startGateway(supergraphSdl: string): Promise<Gateway> {
  const gateway = new ApolloGateway({ supergraphSdl, buildService: ({ url }) => new ForwardingDataSource({ url }) });
  const server = new ApolloServer<GatewayContext>({ gateway });
  const { url } = await startStandaloneServer(server, {
    listen: { host: '127.0.0.1', port: 0 },
    context: async ({ req }) => ({ headers: req.headers }),
  });
  return { url, stop: () => server.stop() };
}
