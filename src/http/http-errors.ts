import type { FastifyError, FastifyInstance } from 'fastify';

// Fastify's own codes for what a client got wrong, as stable reasons.
const REASONS: Record<string, string> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'BODY_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'EMPTY_BODY',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'INVALID_CONTENT_LENGTH',
};

/**
 * Errors Fastify raises before Apollo sees the request (a body over the limit, malformed JSON) are
 * answered in GraphQL's error shape, so clients and the router read them like any other.
 */
export function registerGraphQLHttpErrors(scope: FastifyInstance): void {
  scope.setErrorHandler((error: FastifyError, request, reply) => {
    const status = typeof error.statusCode === 'number' && error.statusCode >= 400 ? error.statusCode : 500;
    const clientError = status < 500;
    const code = clientError ? 'BAD_REQUEST' : 'INTERNAL_SERVER_ERROR';
    request.graphqlRecord?.errorCodes.push(code);
    if (!clientError) request.graphqlRecord?.failures.push({ err: error });
    const reason = REASONS[error.code] ?? (error instanceof SyntaxError ? 'MALFORMED_JSON' : undefined);
    return reply.code(status).send({
      errors: [
        {
          message: clientError ? error.message : 'Internal server error',
          extensions: { code, ...(clientError && reason ? { reason } : {}) },
        },
      ],
    });
  });
}
