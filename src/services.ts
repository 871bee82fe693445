import { ApiKeyService } from './api-keys/api-key.service.js';
import { AuditLogService } from './audit/audit-log.service.js';
import { UnitOfWork, type OutboxPort } from './changes/unit-of-work.js';
import type { Config } from './config.js';
import { GroupMemberService } from './groups/group-member.service.js';
import { GroupService } from './groups/group.service.js';
import type { Db } from './infra/db/database.js';
import { InvitationService } from './invitations/invitation.service.js';
import { GrantExpiry, memberExpiryHooks } from './lifecycle/grant-expiry.js';
import { GroupDeletion } from './lifecycle/group-deletion.js';
import { InvitationAcceptance } from './lifecycle/invitation-acceptance.js';
import { Retention } from './lifecycle/retention.js';
import { WorkspaceTrash } from './lifecycle/workspace-trash.js';
import { TenantCreation } from './lifecycle/tenant-creation.js';
import { TenantDeletion } from './lifecycle/tenant-deletion.js';
import { TenantDeparture } from './lifecycle/tenant-departure.js';
import { WorkspaceMove } from './lifecycle/workspace-move.js';
import type { Logger } from './logger.js';
import { PermissionCheckService } from './permission-api/permission-check.service.js';
import { TenantMemberService } from './tenants/tenant-member.service.js';
import { TenantService } from './tenants/tenant.service.js';
import { UserService } from './users/user.service.js';
import { AccessibleWorkspaces } from './workspaces/accessible-workspaces.service.js';
import { WorkspaceAccess } from './workspaces/workspace-access.service.js';
import { WorkspaceMemberService } from './workspaces/workspace-member.service.js';
import { WorkspaceNavigation } from './workspaces/workspace-navigation.service.js';
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
  /** Ancestors (breadcrumbs) and descendants (subtree listings). */
  workspaceNavigation: WorkspaceNavigation;
  /** Who holds a permission on a workspace and why (accessExplanation, usersWithAccess). */
  workspaceAccess: WorkspaceAccess;
  /** The workspaces of a tenant on which the caller holds a permission, in tree order. */
  accessibleWorkspaces: AccessibleWorkspaces;
  /** The permission API's batched checks (checkPermissions). */
  permissionChecks: PermissionCheckService;
  groups: GroupService;
  groupMembers: GroupMemberService;
  users: UserService;
  apiKeys: ApiKeyService;
  audit: AuditLogService;
  /** Invitations by email: invite, list, revoke, decline. */
  invitations: InvitationService;
  /** Workflows that change several aggregates (src/lifecycle/). */
  tenantCreation: TenantCreation;
  tenantDeletion: TenantDeletion;
  tenantDeparture: TenantDeparture;
  groupDeletion: GroupDeletion;
  workspaceMove: WorkspaceMove;
  /** acceptInvitation: the membership and the invited grants in one transaction. */
  invitationAcceptance: InvitationAcceptance;
  /** deleteWorkspace, restoreWorkspace, purgeWorkspace and the trash. */
  workspaceTrash: WorkspaceTrash;
  /** The retention purges the relay leader runs daily. */
  retention: Retention;
  /** The expired grants' sweeper the relay leader runs (access already ended without it). */
  grantExpiry: GrantExpiry;
}

export interface ServiceSettings {
  allowTenantCreation: boolean;
  /** MEMBERSHIP_REQUIRES_ACCEPTANCE (default false): addTenantMember refused, invitations only. */
  membershipRequiresAcceptance?: boolean;
  rootWorkspaceName: string;
  maxWorkspaceDepth: number;
  /** How long a mutation waits for SpiceDB before answering `authorizationSynced: false`. */
  authzSyncWaitMs: number;
  /** AUDIT_DENIED_PER_MINUTE (default 30). */
  auditDeniedPerMinute?: number;
  /** AUDIT_RETENTION_DAYS (default 400). */
  auditRetentionDays?: number;
  /** WORKSPACE_RETENTION_DAYS (default 30). */
  workspaceRetentionDays?: number;
  /** MAX_GRANT_DAYS (default 365). */
  maxGrantDays?: number;
  /** GRANT_EXPIRY_SWEEP_MS (default 5000; 0: never by itself). */
  grantExpirySweepMs?: number;
}

export function createServices(deps: { db: Db; outbox: OutboxPort; logger: Logger; settings: ServiceSettings; clock?: () => Date }): Services {
  const { db, settings } = deps;
  const uow = new UnitOfWork(db, deps.outbox, settings.authzSyncWaitMs, deps.logger);
  const tenants = new TenantService({ db });
  const maxGrantDays = settings.maxGrantDays ?? 365;
  const tenantMembers = new TenantMemberService({
    db,
    uow,
    tenants,
    maxGrantDays,
    memberExpiry: memberExpiryHooks,
    membershipRequiresAcceptance: settings.membershipRequiresAcceptance ?? false,
  });
  const workspaces = new WorkspaceService({ db, uow, tenants, maxDepth: settings.maxWorkspaceDepth, rootName: settings.rootWorkspaceName });
  const groups = new GroupService({ db, uow, tenants });
  const workspaceMembers = new WorkspaceMemberService({ uow, workspaces, maxGrantDays });
  const groupMembers = new GroupMemberService({ uow, groups, maxGrantDays });
  const invitations = new InvitationService({ db, uow, tenants, workspaces, groups, maxGrantDays });
  const workspaceTrash = new WorkspaceTrash({ db, uow, tenants, retentionDays: settings.workspaceRetentionDays ?? 30, maxDepth: settings.maxWorkspaceDepth });
  return {
    uow,
    tenants,
    tenantMembers,
    workspaces,
    workspaceMembers,
    workspaceNavigation: new WorkspaceNavigation(),
    workspaceAccess: new WorkspaceAccess(),
    accessibleWorkspaces: new AccessibleWorkspaces({ tenants }),
    permissionChecks: new PermissionCheckService(),
    groups,
    groupMembers,
    users: new UserService(),
    apiKeys: new ApiKeyService({ db, uow, tenants }),
    audit: new AuditLogService({ db, tenants, workspaces, deniedPerMinute: settings.auditDeniedPerMinute ?? 30, logger: deps.logger }),
    invitations,
    invitationAcceptance: new InvitationAcceptance({ uow, invitations, tenantMembers, workspaceMembers, groupMembers }),
    tenantCreation: new TenantCreation({ uow, workspaces, tenantMembers, allowTenantCreation: settings.allowTenantCreation }),
    tenantDeletion: new TenantDeletion({ uow, tenants }),
    tenantDeparture: new TenantDeparture({ uow, tenants }),
    groupDeletion: new GroupDeletion({ uow, groups }),
    workspaceMove: new WorkspaceMove({ db, uow, maxDepth: settings.maxWorkspaceDepth }),
    workspaceTrash,
    retention: new Retention({
      uow,
      auditRetentionDays: settings.auditRetentionDays ?? 400,
      purgeTrash: (now) => workspaceTrash.purgeExpired(now),
      logger: deps.logger,
      ...(deps.clock ? { clock: deps.clock } : {}),
    }),
    grantExpiry: new GrantExpiry({ db, uow, logger: deps.logger, intervalMs: settings.grantExpirySweepMs ?? 5000 }),
  };
}

export function serviceSettings(config: Config): ServiceSettings {
  return {
    allowTenantCreation: config.ALLOW_TENANT_CREATION,
    membershipRequiresAcceptance: config.MEMBERSHIP_REQUIRES_ACCEPTANCE,
    rootWorkspaceName: config.DEFAULT_WORKSPACE_NAME,
    maxWorkspaceDepth: config.MAX_WORKSPACE_DEPTH,
    authzSyncWaitMs: config.AUTHZ_SYNC_WAIT_MS,
    auditDeniedPerMinute: config.AUDIT_DENIED_PER_MINUTE,
    auditRetentionDays: config.AUDIT_RETENTION_DAYS,
    workspaceRetentionDays: config.WORKSPACE_RETENTION_DAYS,
    maxGrantDays: config.MAX_GRANT_DAYS,
    grantExpirySweepMs: config.GRANT_EXPIRY_SWEEP_MS,
  };
}
