import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import fastifyApollo, { fastifyApolloDrainPlugin } from '@as-integrations/fastify';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Authenticator } from './auth/authenticate.js';
import type { Config } from './config.js';
import type { Db } from './infra/db/database.js';
import type { SpiceDb } from './infra/spicedb/spicedb.js';
import type { Logger } from './logger.js';
import type { GraphQLContext, Services } from './graphql/context.js';
import { formatError } from './graphql/format-error.js';
import { requestLogPlugin } from './graphql/plugins/request-log.js';
import { createContextFactory } from './graphql/request-context.js';
import { buildSchema } from './graphql/schema.js';
import { registerGraphiQL } from './http/graphiql.js';
import { registerHealthRoutes } from './http/health.js';
import type { RequestMetrics } from './http/metrics.js';
import { requireRouterSecret } from './http/router-secret.js';
import { newId } from './shared/ids.js';
import { runWithCounters } from './shared/request-counters.js';

export const GRAPHQL_PATH = '/graphql';

export interface AppDeps {
  config: Config;
  logger: Logger;
  db: Db;
  readDb: Db;
  spicedb: SpiceDb;
  authenticator: Authenticator;
  services: Services;
  metrics: RequestMetrics;
  isStopping: () => boolean;
}

const REQUEST_ID = /^[\w.:-]{1,128}$/;

/** The HTTP server: GraphQL (Apollo on Fastify), GraphiQL, health and metrics. Not yet listening. */
export async function buildApp(deps: AppDeps): Promise<{ app: FastifyInstance; apollo: ApolloServer<GraphQLContext> }> {
  const app = Fastify({
    logger: false,
    bodyLimit: 1_000_000,
    trustProxy: true,
    genReqId: (request) => {
      const given = request.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : newId();
    },
  });
  // Every SQL statement and SpiceDB call made while serving this request is counted for its log line.
  app.addHook('onRequest', (request, reply, done) => {
    void reply.header('x-request-id', request.id);
    runWithCounters({ sql: 0, spicedb: 0 }, done);
  });
  if (deps.config.ROUTER_SECRET) requireRouterSecret(app, deps.config.ROUTER_SECRET, GRAPHQL_PATH);

  const apollo = new ApolloServer<GraphQLContext>({
    schema: buildSchema(),
    introspection: deps.config.introspectionEnabled,
    formatError,
    includeStacktraceInErrorResponses: false,
    // main.ts owns shutdown (drain HTTP, stop the relay, close pools); Apollo would re-raise the signal.
    stopOnTerminationSignals: false,
    plugins: [fastifyApolloDrainPlugin(app), requestLogPlugin(deps.metrics),
      ApolloServerPluginLandingPageDisabled(),
      // Federated traces only matter with GraphOS reporting; they cost time on every request.
      ApolloServerPluginInlineTraceDisabled(),
    ],
  });
  await apollo.start();

  registerHealthRoutes(app, deps);
  app.get('/metrics', async (_request, reply) =>
    reply.header('content-type', deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics()),
  );
  if (deps.config.graphiqlEnabled) await registerGraphiQL(app, GRAPHQL_PATH);
  await app.register(fastifyApollo(apollo), {
    path: GRAPHQL_PATH,
    context: createContextFactory(deps),
  });
  return { app, apollo };
}
