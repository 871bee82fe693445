import { createServer } from 'node:http';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginInlineTraceDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import fastifyApollo, { fastifyApolloDrainPlugin } from '@as-integrations/fastify';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Authenticator } from './auth/authenticate.js';
import { registerLocalIssuerRoutes } from './auth/local-sign-in/routes.js';
import type { LocalSigningKey } from './auth/local-sign-in/signing-key.js';
import type { Config } from './config.js';
import type { Db } from './infra/db/database.js';
import type { SpiceDb } from './infra/spicedb/spicedb.js';
import type { Logger } from './logger.js';
import type { GraphQLContext } from './graphql/context.js';
import type { Services } from './services.js';
import { documentStore, persistedQueryCache } from './graphql/document-caches.js';
import { createFormatError } from './graphql/format-error.js';
import { operationLimitsPlugin } from './graphql/limits/limits-plugin.js';
import { operationLimits } from './graphql/limits/operation-limits.js';
import { requestRecordPlugin } from './graphql/plugins/request-record.js';
import { createContextFactory } from './graphql/context-factory.js';
import { buildSchema } from './graphql/schema.js';
import { registerGraphiQL, registerGraphiQLDisabled } from './http/graphiql.js';
import { registerHealthRoutes } from './http/health.js';
import { registerGraphQLHttpErrors } from './http/http-errors.js';
import type { RequestMetrics } from './http/metrics.js';
import { registerRequestLog } from './http/request-log.js';
import { registerResponseLimit } from './http/response-limit.js';
import { requireRouterSecret } from './http/router-secret.js';
import { newId } from './shared/ids.js';

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
  /** Set when local sign-in is on: its discovery document and key set are served here. */
  localSigningKey?: LocalSigningKey | undefined;
}

const REQUEST_ID = /^[\w.:-]{1,128}$/;
// How often Node looks for connections past their header or request deadline.
const CONNECTION_CHECK_INTERVAL_MS = 1000;

/** The HTTP server: GraphQL (Apollo on Fastify), GraphiQL, health and metrics. Not yet listening. */
export async function buildApp(deps: AppDeps): Promise<{ app: FastifyInstance; apollo: ApolloServer<GraphQLContext> }> {
  const { config } = deps;
  const app = Fastify({
    logger: false,
    bodyLimit: config.HTTP_BODY_LIMIT_BYTES,
    trustProxy: true,
    // Slow clients must not hold sockets: unfinished headers and bodies have deadlines.
    serverFactory: (handler) =>
      createServer(
        {
          headersTimeout: config.HTTP_HEADERS_TIMEOUT_MS,
          requestTimeout: config.HTTP_REQUEST_TIMEOUT_MS,
          keepAliveTimeout: config.HTTP_KEEP_ALIVE_TIMEOUT_MS,
          connectionsCheckingInterval: CONNECTION_CHECK_INTERVAL_MS,
        },
        handler,
      ),
    genReqId: (request) => {
      const given = request.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : newId();
    },
  });
  app.addHook('onRequest', async (request, reply) => {
    void reply.header('x-request-id', request.id);
  });

  const limits = operationLimits(config);
  const apollo = new ApolloServer<GraphQLContext>({
    schema: buildSchema(),
    introspection: config.introspectionEnabled,
    formatError: createFormatError({ suggestions: config.suggestionsEnabled }),
    includeStacktraceInErrorResponses: false,
    parseOptions: { maxTokens: limits.maxTokens },
    documentStore: config.GRAPHQL_DOCUMENT_CACHE_BYTES > 0 ? documentStore(config.GRAPHQL_DOCUMENT_CACHE_BYTES) : null,
    persistedQueries: config.GRAPHQL_APQ_CACHE_BYTES > 0 ? { cache: persistedQueryCache(config.GRAPHQL_APQ_CACHE_BYTES) } : false,
    // main.ts owns shutdown (drain HTTP, stop the relay, close pools); Apollo would re-raise the signal.
    stopOnTerminationSignals: false,
    plugins: [
      fastifyApolloDrainPlugin(app),
      requestRecordPlugin(),
      operationLimitsPlugin(limits),
      ApolloServerPluginLandingPageDisabled(),
      // Federated traces only matter with GraphOS reporting; they cost time on every request.
      ApolloServerPluginInlineTraceDisabled(),
      // No @cacheControl in the schema and no cache in front of it; the plugin would still wrap every
      // field in a willResolveField hook (about 6 % of a 1,111-node response's CPU).
      ApolloServerPluginCacheControlDisabled(),
    ],
  });
  await apollo.start();

  registerHealthRoutes(app, deps);
  app.get('/metrics', async (_request, reply) =>
    reply.header('content-type', deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics()),
  );
  if (deps.localSigningKey) registerLocalIssuerRoutes(app, deps.localSigningKey);
  const signIn = deps.localSigningKey ? 'local' : config.OIDC_ISSUER ? 'oidc' : 'api-key';
  if (config.graphiqlEnabled) await registerGraphiQL(app, GRAPHQL_PATH, { title: 'iam-subgraph', signIn });
  else registerGraphiQLDisabled(app, GRAPHQL_PATH);
  // The GraphQL route in a scope of its own: its hooks apply to it whatever URL reached it.
  await app.register(async (scope) => {
    registerRequestLog(scope, deps);
    registerGraphQLHttpErrors(scope);
    if (config.ROUTER_SECRET) requireRouterSecret(scope, config.ROUTER_SECRET);
    registerResponseLimit(scope, config.GRAPHQL_MAX_RESPONSE_BYTES);
    await scope.register(fastifyApollo(apollo), { path: GRAPHQL_PATH, context: createContextFactory({ ...deps, maxRows: config.GRAPHQL_MAX_ROWS, answerCacheEntries: config.AUTHZ_CACHE_MAX_ENTRIES }) });
  });
  return { app, apollo };
}
