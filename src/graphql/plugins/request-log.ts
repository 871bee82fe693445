import type { ApolloServerPlugin } from '@apollo/server';
import { unwrapResolverError } from '@apollo/server/errors';
import { AppError } from '../../shared/errors.js';
import { currentCounters } from '../../shared/request-counters.js';
import type { GraphQLContext } from '../context.js';
import type { RequestMetrics } from '../../http/metrics.js';

/**
 * One log line per GraphQL request: operation, duration, principal, error codes, and the SQL and
 * SpiceDB round trips it cost. Unexpected errors are logged here with their stack, once.
 */
export function requestLogPlugin(metrics: RequestMetrics): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart({ contextValue }) {
      const started = process.hrtime.bigint();
      const codes: string[] = [];
      return {
        async didEncounterErrors({ errors }) {
          for (const error of errors) {
            const original = unwrapResolverError(error);
            const code = original instanceof AppError ? original.code : String(error.extensions.code ?? 'INTERNAL_SERVER_ERROR');
            codes.push(code);
            if (code === 'INTERNAL_SERVER_ERROR') contextValue.logger.error({ err: original, path: error.path }, 'unexpected error');
          }
        },
        async willSendResponse({ operationName }) {
          const durationMs = Number(process.hrtime.bigint() - started) / 1e6;
          const counters = currentCounters();
          const operation = operationName ?? 'anonymous';
          metrics.observe(operation, codes.length === 0 ? 'ok' : codes[0] ?? 'error', durationMs / 1000);
          contextValue.logger.info(
            {
              event: 'graphql_request',
              operationName: operation,
              durationMs: Math.round(durationMs * 100) / 100,
              principalId: contextValue.principal?.userId,
              via: contextValue.principal?.via,
              errorCodes: codes.length > 0 ? [...new Set(codes)] : undefined,
              sql: counters?.sql,
              spicedb: counters?.spicedb,
            },
            'graphql request',
          );
        },
      };
    },
  };
}
