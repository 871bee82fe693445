import { writeDenial } from '../changes/audit-writer.js';
import type { AuditAction } from '../events/audit-record.js';
import type { Db } from '../infra/db/database.js';
import type { Logger } from '../logger.js';
import type { Caller } from '../request/caller.js';
import { BadInputError, type Refusal } from '../shared/errors.js';
import { requireId } from '../shared/input.js';
import { pageRequest, toPage, type Page, type PageArgs, type PageRequest, type Sorted } from '../shared/pagination.js';
import type { TenantService } from '../tenants/tenant.service.js';
import type { Tenant } from '../tenants/tenant.js';
import type { WorkspaceService } from '../workspaces/workspace.service.js';
import type { Workspace } from '../workspaces/workspace.js';
import type { AuditEntry, AuditFilter } from './audit-entry.js';
import { listTenantEntries, listWorkspaceEntries } from './audit-log.repository.js';

export interface AuditLogServiceDeps {
  db: Db;
  tenants: TenantService;
  workspaces: WorkspaceService;
  /** AUDIT_DENIED_PER_MINUTE. */
  deniedPerMinute: number;
  logger: Logger;
}

export type AuditArgs = PageArgs & Omit<AuditFilter, 'actorId' | 'targetId'> & { actorId?: string | null; targetId?: string | null };

// As PostgreSQL prints a timestamptz (`occurred_at::text`): a cursor's key is compared as one.
const TIMESTAMP_KEY = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?[+-]\d{2}(:\d{2}){0,2}$/;

function auditPage(args: PageArgs): PageRequest {
  const page = pageRequest(args.first, args.after);
  if (page.after && !TIMESTAMP_KEY.test(page.after.key)) throw new BadInputError('after', 'after is not a cursor returned by this API', 'INVALID_CURSOR');
  return page;
}

function filterOf(args: AuditArgs): AuditFilter {
  if (args.since && args.until && args.since >= args.until) throw new BadInputError('until', 'until must be after since', 'INVALID_TIME_RANGE');
  return {
    action: args.action ?? null,
    outcome: args.outcome ?? null,
    since: args.since ?? null,
    until: args.until ?? null,
    actorId: args.actorId ? requireId('actorId', args.actorId) : null,
    targetId: args.targetId ? requireId('targetId', args.targetId) : null,
  };
}

/**
 * Reading the audit log (its entries are written by the unit of work, src/changes/audit-writer.ts),
 * and recording refusals. A page is one statement on the primary: the log is read by people
 * checking what just happened, and a replica may lag behind it.
 */
export class AuditLogService {
  constructor(private readonly deps: AuditLogServiceDeps) {}

  /** The tenant's log, for its admins: FORBIDDEN for other members, NOT_FOUND for whoever cannot view the tenant. */
  async tenantLog(caller: Caller, tenant: Tenant, args: AuditArgs): Promise<Page<Sorted<AuditEntry>>> {
    const page = auditPage(args);
    const filter = filterOf(args);
    await this.deps.tenants.authorize(caller, tenant.id, 'administrate');
    const rows = await listTenantEntries(this.deps.db, tenant.id, filter, page);
    caller.budget.spend(rows.length);
    return toPage(rows, page.first);
  }

  /** The log of a workspace and its subtree, for whoever may `manage` it. */
  async workspaceLog(caller: Caller, workspace: Workspace, args: AuditArgs): Promise<Page<Sorted<AuditEntry>>> {
    const page = auditPage(args);
    const filter = filterOf({ ...args, targetId: null });
    await this.deps.workspaces.authorize(caller, workspace.id, 'manage');
    const rows = await listWorkspaceEntries(this.deps.db, workspace, filter, page);
    caller.budget.spend(rows.length);
    return toPage(rows, page.first);
  }

  /**
   * The DENIED entry of a mutation refused with FORBIDDEN, in its own transaction (the refused one
   * wrote nothing); bounded per principal. Failing to write it must not change the refusal the
   * caller gets, so errors are left to the caller's log.
   */
  async recordDenial(caller: Caller, action: AuditAction, refusal: Refusal): Promise<boolean> {
    const denial = { action, tenantId: refusal.tenantId, target: { type: refusal.resourceType, id: refusal.resourceId }, permission: refusal.permission };
    try {
      return await writeDenial(this.deps.db, caller.actor, denial, this.deps.deniedPerMinute);
    } catch (error) {
      this.deps.logger.error({ err: error, action, requestId: caller.actor.requestId }, 'DENIED audit entry not written');
      return false;
    }
  }
}
