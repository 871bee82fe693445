import type { ApolloServerPlugin } from '@apollo/server';
import { unwrapResolverError } from '@apollo/server/errors';
import type { GraphQLContext } from '../context.js';
import { classifyError } from '../error-mapping.js';

/**
 * Tells the request's record (src/http/request-record.ts) what the GraphQL pipeline learnt: the
 * operation and the code of every error. Errors we did not expect go to the record's failures,
 * which the request log writes at error level with their cause.
 */
export function requestRecordPlugin(): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart({ contextValue, request }) {
      const record = contextValue.record;
      if (record) record.operationName = request.operationName ?? undefined;
      return {
        async didResolveOperation({ operationName }) {
          if (!record || operationName === null) return;
          record.operationName = operationName;
          record.operationResolved = true;
        },
        async didEncounterErrors({ errors }) {
          if (!record) return;
          for (const error of errors) {
            const verdict = classifyError(error);
            record.errorCodes.push(verdict.code);
            if (verdict.unexpected) record.failures.push({ err: unwrapResolverError(error), path: error.path });
          }
        },
      };
    },
  };
}
