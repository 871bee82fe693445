import type { ApolloServerPlugin } from '@apollo/server';
import type { GraphQLContext } from '../context.js';
import { checkDocumentLimits } from './document-limits.js';
import { LimitExceededError, type OperationLimits } from './operation-limits.js';
import { estimateCost } from './query-cost.js';

/**
 * Enforces the operation limits before anything expensive runs (the token limit is the parser's
 * own `maxTokens`, set in app.ts):
 * - structure (aliases, depth, directives, fields) once per new document, before validation;
 * - cost on every request, since it depends on the variables, before execution.
 */
export function operationLimitsPlugin(limits: OperationLimits): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart() {
      return {
        async validationDidStart({ schema, document }) {
          const violation = checkDocumentLimits(schema, document, limits);
          // Apollo has no early exit before validation; a throw here ends the request, and
          // unexpectedErrorProcessingRequest below turns it into a normal 400 response.
          if (violation) throw violation;
        },
        async didResolveOperation({ schema, document, operation, request }) {
          if (!operation) return;
          const cost = estimateCost(schema, document, operation, request.variables);
          if (cost > limits.maxCost) {
            throw new LimitExceededError(
              'MAX_COST_EXCEEDED',
              `Query cost limit of ${limits.maxCost} exceeded, estimated ${cost}: ask for smaller pages (first) or fewer fields.`,
              limits.maxCost,
              Math.round(Math.min(cost, Number.MAX_SAFE_INTEGER)),
            );
          }
        },
      };
    },
    async unexpectedErrorProcessingRequest({ requestContext, error }) {
      if (!(error instanceof LimitExceededError)) return;
      requestContext.contextValue.record?.errorCodes.push(String(error.extensions.code));
      // Rethrown, it reaches Apollo's HTTP layer as a GraphQL error with its own status, not a 500.
      throw error;
    },
  };
}
