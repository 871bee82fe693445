import type { FastifyRequest } from 'fastify';
import { GraphQLError } from 'graphql';
import type { Authenticator } from '../auth/authenticate.js';
import { credentialsFrom, hasCredentials } from '../auth/credentials.js';
import { AnswerCache } from '../authz/answer-cache.js';
import { Concealment } from '../authz/concealment.js';
import type { RequestRecord } from '../http/request-record.js';
import type { Db } from '../infra/db/database.js';
import type { SpiceDb } from '../infra/spicedb/spicedb.js';
import { tenantsChangedBetween } from '../outbox/outbox.repository.js';
import { Caller } from '../request/caller.js';
import { RequestFreshness } from '../request/request-freshness.js';
import { RowBudget } from '../request/row-budget.js';
import type { Services } from '../services.js';
import type { GraphQLContext } from './context.js';
import { classifyError, requestFailureStatus } from './error-mapping.js';

export interface ContextDeps {
  db: Db;
  readDb: Db;
  spicedb: SpiceDb;
  authenticator: Authenticator;
  services: Services;
  /** Rows one request may load (GRAPHQL_MAX_ROWS). */
  maxRows: number;
  /** Permission answers kept across requests (AUTHZ_CACHE_MAX_ENTRIES). */
  answerCacheEntries: number;
}

/** Builds the per-request context: the authenticated caller (if any credentials came) and the services. */
export function createContextFactory(deps: ContextDeps): (request: FastifyRequest) => Promise<GraphQLContext> {
  // Shared by every request of the process.
  const shared = { concealment: new Concealment(), answers: new AnswerCache(deps.answerCacheEntries, (after, upTo) => tenantsChangedBetween(deps.db, after, upTo)) };
  return async (request) => {
    const record = request.graphqlRecord;
    const credentials = credentialsFrom(request.headers);
    let caller: Caller | undefined;
    if (hasCredentials(credentials)) {
      let authenticated;
      try {
        authenticated = await deps.authenticator.authenticateRequest(credentials);
      } catch (error) {
        throw contextFailure(error, record);
      }
      const { principal, freshness } = authenticated;
      if (record) record.principal = { userId: principal.userId, via: principal.via };
      caller = new Caller(principal, new RequestFreshness(deps.db, deps.readDb, freshness), deps.spicedb, shared, new RowBudget(deps.maxRows), request.id);
    }
    return { requestId: request.id, caller, services: deps.services, record };
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
  return new GraphQLError(verdict.message, {
    originalError: error instanceof Error ? error : undefined,
    extensions: { ...verdict.extensions, code: verdict.code, http: { status: requestFailureStatus(verdict) } },
  });
}
