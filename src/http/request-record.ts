import type { RequestCounters } from '../shared/request-counters.js';

/**
 * What one GraphQL HTTP request did, filled in by whichever layer learns it (authentication, the
 * Apollo pipeline, the limits) and written out once, as one log line, when the response is sent.
 * Keeping it on the HTTP request means requests that never reach a resolver (a bad credential, a
 * refused document, a database outage during authentication) are logged like every other.
 */
export interface RequestRecord {
  counters: RequestCounters;
  /** As resolved from the document, or as the client named it when resolution failed. */
  operationName?: string | undefined;
  /** True when `operationName` names an operation of the document (a bounded set of names). */
  operationResolved: boolean;
  principal?: { userId: string; via: string } | undefined;
  errorCodes: string[];
  /** Errors nobody expected; each becomes one error-level log line with its cause. */
  failures: { err: unknown; path?: readonly (string | number)[] | undefined }[];
  /** The client went away before its response was written (request-log.ts). */
  clientClosed: boolean;
  /** The response is ready to be written (Fastify's onSend ran). */
  responseReady: boolean;
  /** Written out already: one line per request, whichever hook comes first. */
  logged: boolean;
}

export function newRequestRecord(): RequestRecord {
  return { counters: { sql: 0, spicedb: 0 }, operationResolved: false, errorCodes: [], failures: [], clientClosed: false, responseReady: false, logged: false };
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set for requests on the GraphQL route; see request-log.ts. */
    graphqlRecord?: RequestRecord;
  }
}
