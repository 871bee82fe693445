import { ApiKeyService } from './api-keys/api-key.service.js';
import type { Config } from './config.js';
import { GroupMemberService } from './groups/group-member.service.js';
import { GroupService } from './groups/group.service.js';
import type { Db } from './infra/db/database.js';
import { UnitOfWork, type OutboxPort } from './infra/db/unit-of-work.js';
import type { Logger } from './logger.js';
import { TenantMemberService } from './memberships/tenant-member.service.js';
import { WorkspaceMemberService } from './memberships/workspace-member.service.js';
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
  tenantMembers: TenantMemberService;
  workspaceMembers: WorkspaceMemberService;
  groups: GroupService;
  groupMembers: GroupMemberService;
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
  const workspaces = new WorkspaceService({ db, uow, tenants, maxDepth: settings.maxWorkspaceDepth, logger });
  const groups = new GroupService({ db, uow, tenants, logger });
  return {
    uow,
    tenants,
    workspaces,
    users: new UserService(),
    apiKeys: new ApiKeyService({ db, uow, tenants, logger }),
    tenantMembers: new TenantMemberService({ db, uow, tenants, logger }),
    workspaceMembers: new WorkspaceMemberService({ uow, workspaces, logger }),
    groups,
    groupMembers: new GroupMemberService({ uow, groups, logger }),
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
