import type { Actor } from '../authz/actor.js';
import type { RequestAuthz } from '../authz/request-authz.js';
import type { Principal } from '../auth/principal.js';
import type { RequestRecord } from '../http/request-record.js';
import type { Db } from '../infra/db/database.js';
import type { Logger } from '../logger.js';
import { UnauthenticatedError } from '../shared/errors.js';
import type { TenantService } from '../tenants/tenant.service.js';
import type { WorkspaceService } from '../workspaces/workspace.service.js';
import type { Loaders } from './loaders.js';

export interface Services {
  tenants: TenantService;
  workspaces: WorkspaceService;
}

/** Everything a resolver may use; one per request. */
export interface GraphQLContext {
  requestId: string;
  logger: Logger;
  /** Undefined for anonymous requests; only schema introspection and `_service` work without it. */
  principal: Principal | undefined;
  authz: RequestAuthz | undefined;
  loaders: Loaders;
  services: Services;
  /** The database for this request's reads: the replica when it has caught up, else the primary. */
  reads: () => Promise<Db>;
  /** What the request log will say about this request; absent outside HTTP (e.g. executeOperation). */
  record?: RequestRecord | undefined;
}

export function requireActor(ctx: GraphQLContext): Actor {
  if (!ctx.principal || !ctx.authz) {
    throw new UnauthenticatedError('Authentication required: send a bearer token or an X-API-Key header', {
      reason: 'CREDENTIALS_MISSING',
    });
  }
  return { principal: ctx.principal, authz: ctx.authz };
}

/** Called after a successful mutation so later fields of the same response see its effects. */
export function afterMutation(ctx: GraphQLContext): void {
  ctx.loaders.clearAll();
  ctx.authz?.invalidate();
}
