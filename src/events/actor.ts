/**
 * Who makes a change, as the unit of work records it: a user through a credential (an OIDC token,
 * or an API key acting as its owner), or the service itself (SYSTEM: the bootstrap, the coming
 * retention and expiry jobs). Everything an audit entry says about its actor is here, as it was
 * at the time: the username is kept, since the user may later be renamed or gone.
 */
export type Actor = UserActor | SystemActor;

export interface UserActor {
  readonly via: 'oidc' | 'api_key';
  readonly userId: string;
  readonly username: string;
  /** The API key the request authenticated with (via `api_key`), else null. */
  readonly apiKeyId: string | null;
  /** The request's id (the client's `x-request-id` when sane), shared by everything it changed. */
  readonly requestId: string | null;
}

export interface SystemActor {
  readonly via: 'system';
  /** Which of the service's own jobs, e.g. `bootstrap`. */
  readonly job: string;
  readonly requestId: null;
}

export const systemActor = (job: string): SystemActor => ({ via: 'system', job, requestId: null });

/**
 * The actor's fields of a log line: who (`principalId`, as request lines name them), how (the key as
 * `viaApiKeyId`, apart from an event's own `apiKeyId`), in which request.
 */
export function actorFields(actor: Actor): Record<string, unknown> {
  if (actor.via === 'system') return { via: 'system', job: actor.job };
  return { principalId: actor.userId, via: actor.via, ...(actor.apiKeyId ? { viaApiKeyId: actor.apiKeyId } : {}), requestId: actor.requestId };
}
