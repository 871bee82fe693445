import { authenticationRequired } from '../auth/credentials.js';
import type { RequestRecord } from '../http/request-record.js';
import type { Caller } from '../request/caller.js';
import type { Services } from '../services.js';

/** Everything a resolver may use; one per request. */
export interface GraphQLContext {
  requestId: string;
  /** Undefined for anonymous requests; only schema introspection and `_service` work without one. */
  caller: Caller | undefined;
  services: Services;
  /** What the request log will say about this request; absent outside HTTP (e.g. executeOperation). */
  record?: RequestRecord | undefined;
}

/** The authenticated caller, or UNAUTHENTICATED for fields that need one. */
export function callerOf(ctx: GraphQLContext): Caller {
  if (!ctx.caller) throw authenticationRequired();
  return ctx.caller;
}
