import { unwrapResolverError } from '@apollo/server/errors';
import type { GraphQLFormattedError } from 'graphql';
import { SpiceDbError } from '../infra/spicedb/spicedb-errors.js';
import { AppError } from '../shared/errors.js';

const MASKED = 'Internal server error';

/**
 * What a client may see of an error. Our own errors pass with their code; GraphQL validation and
 * parse errors pass as Apollo formats them; anything else is masked (the request log has details).
 */
export function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const original = unwrapResolverError(error);
  const { stacktrace: _stacktrace, ...extensions } = formatted.extensions ?? {};
  if (original instanceof AppError && original.code !== 'INTERNAL_SERVER_ERROR') {
    return { ...formatted, extensions };
  }
  if (original instanceof SpiceDbError && original.transient) {
    return {
      message: 'Authorization is temporarily unavailable; retry shortly',
      ...(formatted.path ? { path: formatted.path } : {}),
      extensions: { code: 'INTERNAL_SERVER_ERROR', reason: 'AUTHORIZATION_UNAVAILABLE' },
    };
  }
  if (original instanceof AppError || original instanceof Error) {
    const isOurs = original instanceof AppError;
    // graphql-js errors without a resolver origin (syntax, validation) carry no originalError.
    if (!isOurs && error === original && typeof extensions.code === 'string' && extensions.code !== 'INTERNAL_SERVER_ERROR') {
      return { ...formatted, extensions };
    }
    return {
      message: MASKED,
      ...(formatted.path ? { path: formatted.path } : {}),
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    };
  }
  return { ...formatted, extensions };
}
