import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import fastifyApollo, { fastifyApolloDrainPlugin } from '@as-integrations/fastify';
import Fastify from 'fastify';
import { registerGraphiQL } from '../http/graphiql.js';
import type { Logger } from '../logger.js';
import { localOrigin } from '../shared/local-address.js';
import { ForwardingDataSource, type GatewayContext } from './forwarding-data-source.js';

export interface GatewayOptions {
  supergraphSdl: string;
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** Inserted as `router-authorization` into every subgraph request, as router.yaml does. */
  routerSecret?: string | undefined;
  logger: Logger;
}

export interface GatewayServer {
  /** The GraphQL endpoint, as a process on this machine reaches it. */
  url: string;
  stop(): Promise<void>;
}

/** Same limit as router.yaml's http_max_request_bytes. */
const BODY_LIMIT_BYTES = 1_000_000;
const GRAPHQL_PATH = '/graphql';

/**
 * Apollo Gateway serving a fixed supergraph on Fastify: GraphQL and the offline GraphiQL page at
 * /graphql, a liveness probe at /health. For development: one process, no GraphOS, no router binary.
 */
export async function startGatewayServer(options: GatewayOptions): Promise<GatewayServer> {
  const { logger, routerSecret } = options;
  const app = Fastify({ logger: false, bodyLimit: BODY_LIMIT_BYTES });
  const gateway = new ApolloGateway({
    supergraphSdl: options.supergraphSdl,
    buildService: ({ url }) => {
      if (!url) throw new Error('a subgraph of the supergraph has no routing url');
      return new ForwardingDataSource(url, routerSecret);
    },
    logger: logger.child({ component: 'apollo-gateway' }),
  });
  const apollo = new ApolloServer<GatewayContext>({
    gateway,
    introspection: true,
    // Subgraph errors are the subgraphs' API (codes, reasons): passed through, as router.yaml does for iam.
    includeStacktraceInErrorResponses: false,
    stopOnTerminationSignals: false,
    plugins: [fastifyApolloDrainPlugin(app), ApolloServerPluginLandingPageDisabled()],
  });
  await apollo.start();
  app.get('/health', async () => ({ status: 'ok' }));
  await registerGraphiQL(app, GRAPHQL_PATH, { title: 'iam supergraph (gateway)', signIn: 'gateway' });
  await app.register(fastifyApollo(apollo), { path: GRAPHQL_PATH, context: async (request) => ({ headers: request.headers }) });
  await app.listen({ host: options.host, port: options.port });
  const { port } = app.server.address() as { port: number };
  const url = `${localOrigin(options.host, port)}${GRAPHQL_PATH}`;
  return {
    url,
    async stop() {
      await app.close();
      await apollo.stop();
    },
  };
}
