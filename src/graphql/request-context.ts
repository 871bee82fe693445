import type { FastifyRequest } from 'fastify';
import { GraphQLError } from 'graphql';
import type { Authenticator } from '../auth/authenticate.js';
import type { Principal } from '../auth/principal.js';
import { RequestAuthz } from '../authz/request-authz.js';
import type { Db } from '../infra/db/database.js';
import { readFreshness, replicaCaughtUp, type FreshnessState } from '../infra/db/read-routing.js';
import type { SpiceDb } from '../infra/spicedb/spicedb.js';
import type { Logger } from '../logger.js';
import { AppError } from '../shared/errors.js';
import type { GraphQLContext, Services } from './context.js';
import { Loaders } from './loaders.js';

export interface ContextDeps {
  db: Db;
  readDb: Db;
  spicedb: SpiceDb;
  authenticator: Authenticator;
  services: Services;
  logger: Logger;
}

/** A blank header counts as absent: GraphiQL sends its prefilled `"X-API-Key": ""` before one is typed. */
function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

function once<T>(fn: () => Promise<T>): () => Promise<T> {
  let value: Promise<T> | undefined;
  return () => (value ??= fn());
}

/** Builds the per-request context: authentication, loaders, and batched permission checks. */
export function createContextFactory(deps: ContextDeps): (request: FastifyRequest) => Promise<GraphQLContext> {
  return async (request) => {
    const logger = deps.logger.child({ requestId: request.id });
    const authorization = header(request, 'authorization');
    const apiKey = header(request, 'x-api-key');
    let principal: Principal | undefined;
    if (authorization !== undefined || apiKey !== undefined) {
      try {
        principal = await deps.authenticator.authenticate({ authorization, apiKey });
      } catch (error) {
        if (error instanceof AppError) {
          throw new GraphQLError(error.message, { extensions: { ...error.extensions, http: { status: error.code === 'UNAUTHENTICATED' ? 401 : 500 } } });
        }
        throw error;
      }
    }
    let state: Promise<FreshnessState> | undefined;
    const freshness = (): Promise<FreshnessState> => (state ??= readFreshness(deps.db));
    // After this request's own write, the rest of it reads from the primary.
    let wrote = false;
    const routedReads = once(async () =>
      deps.readDb === deps.db || !(await replicaCaughtUp(deps.readDb, (await freshness()).lsn)) ? deps.db : deps.readDb,
    );
    const reads = async (): Promise<Db> => (wrote ? deps.db : routedReads());
    const authz = principal
      ? new RequestAuthz(
          deps.spicedb,
          { type: 'user', id: principal.userId },
          async () => (await freshness()).zedToken,
          () => {
            state = undefined;
            wrote = true;
          },
        )
      : undefined;
    return { requestId: request.id, logger, principal, authz, loaders: new Loaders(reads), services: deps.services, reads };
  };
}
