import type { FastifyInstance } from 'fastify';

/**
 * Caps the size of a GraphQL response. The operation limits keep almost every response small;
 * this is the last line: a response over the cap is replaced by a small error rather than sent
 * (and, behind a router, parsed and buffered again).
 */
export function registerResponseLimit(scope: FastifyInstance, maxBytes: number): void {
  scope.addHook('onSend', async (request, reply, payload) => {
    if (typeof payload !== 'string' && !Buffer.isBuffer(payload)) return payload;
    const size = typeof payload === 'string' ? Buffer.byteLength(payload) : payload.length;
    if (size <= maxBytes) return payload;
    request.graphqlRecord?.errorCodes.push('RESPONSE_TOO_LARGE');
    void reply.code(400).header('content-type', 'application/json; charset=utf-8');
    return JSON.stringify({
      errors: [
        {
          message: `The response would be ${size} bytes, over the limit of ${maxBytes}: ask for fewer fields or smaller pages.`,
          extensions: { code: 'RESPONSE_TOO_LARGE', limit: maxBytes },
        },
      ],
    });
  });
}
