import { ApiKeyService } from './api-keys/api-key.service.js';
import type { Config } from './config.js';
import type { Db } from './infra/db/database.js';
import { UnitOfWork, type OutboxPort } from './infra/db/unit-of-work.js';
import type { Logger } from './logger.js';
import { TenantService } from './tenants/tenant.service.js';
import { UserService } from './users/user.service.js';
import { WorkspaceService } from './workspaces/workspace.service.js';

/** Every feature's service, sharing one unit of work: what resolvers, the bootstrap and tests use. */
export interface Services {
  uow: UnitOfWork;
  tenants: TenantService;
  workspaces: WorkspaceService;
  users: UserService;
  apiKeys: ApiKeyService;
}

export interface ServiceSettings {
  allowTenantCreation: boolean;
  rootWorkspaceName: string;
  maxWorkspaceDepth: number;
  /** How long a mutation waits for SpiceDB before answering `authorizationSynced: false`. */
  authzSyncWaitMs: number;
}

export function createServices(deps: { db: Db; outbox: OutboxPort; logger: Logger; settings: ServiceSettings }): Services {
  const { db, logger, settings } = deps;
  const uow = new UnitOfWork(db, deps.outbox, settings.authzSyncWaitMs);
  const tenants = new TenantService({ db, uow, logger, allowTenantCreation: settings.allowTenantCreation, rootWorkspaceName: settings.rootWorkspaceName });
  return {
    uow,
    tenants,
    workspaces: new WorkspaceService({ db, uow, tenants, maxDepth: settings.maxWorkspaceDepth, logger }),
    users: new UserService(),
    apiKeys: new ApiKeyService({ db, uow, tenants, logger }),
  };
}

export function serviceSettings(config: Config): ServiceSettings {
  return {
    allowTenantCreation: config.ALLOW_TENANT_CREATION,
    rootWorkspaceName: config.DEFAULT_WORKSPACE_NAME,
    maxWorkspaceDepth: config.MAX_WORKSPACE_DEPTH,
    authzSyncWaitMs: config.AUTHZ_SYNC_WAIT_MS,
  };
}
