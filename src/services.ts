import { ApiKeyService } from './api-keys/api-key.service.js';
import { UnitOfWork, type OutboxPort } from './changes/unit-of-work.js';
import type { Config } from './config.js';
import { GroupMemberService } from './groups/group-member.service.js';
import { GroupService } from './groups/group.service.js';
import type { Db } from './infra/db/database.js';
import { GroupDeletion } from './lifecycle/group-deletion.js';
import { TenantCreation } from './lifecycle/tenant-creation.js';
import { TenantDeletion } from './lifecycle/tenant-deletion.js';
import { TenantDeparture } from './lifecycle/tenant-departure.js';
import type { Logger } from './logger.js';
import { TenantMemberService } from './tenants/tenant-member.service.js';
import { TenantService } from './tenants/tenant.service.js';
import { UserService } from './users/user.service.js';
import { WorkspaceMemberService } from './workspaces/workspace-member.service.js';
import { WorkspaceService } from './workspaces/workspace.service.js';

/**
 * Every feature's service and every workflow across them, sharing one unit of work: what
 * resolvers, the bootstrap and tests use.
 */
export interface Services {
  uow: UnitOfWork;
  tenants: TenantService;
  tenantMembers: TenantMemberService;
  workspaces: WorkspaceService;
  workspaceMembers: WorkspaceMemberService;
  groups: GroupService;
  groupMembers: GroupMemberService;
  users: UserService;
  apiKeys: ApiKeyService;
  /** Workflows that change several aggregates (src/lifecycle/). */
  tenantCreation: TenantCreation;
  tenantDeletion: TenantDeletion;
  tenantDeparture: TenantDeparture;
  groupDeletion: GroupDeletion;
}

export interface ServiceSettings {
  allowTenantCreation: boolean;
  rootWorkspaceName: string;
  maxWorkspaceDepth: number;
  /** How long a mutation waits for SpiceDB before answering `authorizationSynced: false`. */
  authzSyncWaitMs: number;
}

export function createServices(deps: { db: Db; outbox: OutboxPort; logger: Logger; settings: ServiceSettings }): Services {
  const { db, settings } = deps;
  const uow = new UnitOfWork(db, deps.outbox, settings.authzSyncWaitMs, deps.logger);
  const tenants = new TenantService({ db });
  const tenantMembers = new TenantMemberService({ db, uow, tenants });
  const workspaces = new WorkspaceService({ db, uow, tenants, maxDepth: settings.maxWorkspaceDepth, rootName: settings.rootWorkspaceName });
  const groups = new GroupService({ db, uow, tenants });
  return {
    uow,
    tenants,
    tenantMembers,
    workspaces,
    workspaceMembers: new WorkspaceMemberService({ uow, workspaces }),
    groups,
    groupMembers: new GroupMemberService({ uow, groups }),
    users: new UserService(),
    apiKeys: new ApiKeyService({ db, uow, tenants }),
    tenantCreation: new TenantCreation({ uow, workspaces, tenantMembers, allowTenantCreation: settings.allowTenantCreation }),
    tenantDeletion: new TenantDeletion({ uow, tenants }),
    tenantDeparture: new TenantDeparture({ uow, tenants }),
    groupDeletion: new GroupDeletion({ uow, groups }),
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
