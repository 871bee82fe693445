import type { FastifyRequest } from 'fastify';
import { GraphQLError } from 'graphql';
import type { Authenticator } from '../auth/authenticate.js';
import type { Principal } from '../auth/principal.js';
import { Concealment } from '../authz/concealment.js';
import { RequestAuthz } from '../authz/request-authz.js';
import type { Db } from '../infra/db/database.js';
import { readFreshness, replicaCaughtUp, type FreshnessState } from '../infra/db/read-routing.js';
import type { SpiceDb } from '../infra/spicedb/spicedb.js';
import type { Logger } from '../logger.js';
import type { RequestRecord } from '../http/request-record.js';
import type { GraphQLContext, Services } from './context.js';
import { classifyError, MASKED_MESSAGE } from './error-mapping.js';
import { Loaders } from './loaders.js';
import { RowBudget } from './row-budget.js';

export interface ContextDeps {
  db: Db;
  readDb: Db;
  spicedb: SpiceDb;
  authenticator: Authenticator;
  services: Services;
  logger: Logger;
  /** Rows one request may load (GRAPHQL_MAX_ROWS). */
  maxRows: number;
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
  const concealment = new Concealment();
  return async (request) => {
    const logger = deps.logger.child({ requestId: request.id });
    const authorization = header(request, 'authorization');
    const apiKey = header(request, 'x-api-key');
    const record = request.graphqlRecord;
    let principal: Principal | undefined;
    if (authorization !== undefined || apiKey !== undefined) {
      try {
        principal = await deps.authenticator.authenticate({ authorization, apiKey });
      } catch (error) {
        throw contextFailure(error, record);
      }
      if (record) record.principal = { userId: principal.userId, via: principal.via };
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
          concealment,
        )
      : undefined;
    return { requestId: request.id, logger, principal, authz, loaders: new Loaders(reads, new RowBudget(deps.maxRows)), services: deps.services, reads, record };
  };
}

/**
 * Authentication failed before any resolver could run: a 401 for bad credentials, otherwise (the
 * database or the identity provider is down) a 5xx whose cause the request log writes at error level.
 */
function contextFailure(error: unknown, record: RequestRecord | undefined): GraphQLError {
  const verdict = classifyError(error);
  record?.errorCodes.push(verdict.code);
  if (verdict.unexpected) record?.failures.push({ err: error });
  const status = verdict.code === 'UNAUTHENTICATED' ? 401 : verdict.unexpected ? (verdict.message === MASKED_MESSAGE ? 500 : 503) : 400;
  return new GraphQLError(verdict.message, {
    originalError: error instanceof Error ? error : undefined,
    extensions: { ...verdict.extensions, code: verdict.code, http: { status } },
  });
}
