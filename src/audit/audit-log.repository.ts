import { sql, type SelectQueryBuilder } from 'kysely';
import type { AuditAction } from '../events/audit-record.js';
import type { Database, Executor } from '../infra/db/database.js';
import type { PageRequest, Sorted } from '../shared/pagination.js';
import type { AuditEntry, AuditFilter, AuditOutcome, AuditVia } from './audit-entry.js';

type Query = SelectQueryBuilder<Database, 'audit_log', object>;

const COLUMNS = [
  'id', 'occurred_at', 'tenant_id', 'action', 'outcome', 'actor_id', 'actor_username', 'via', 'api_key_id', 'job', 'target_type', 'target_id',
  'target_name', 'subject_type', 'subject_id', 'request_id', 'headline_id', 'permission', 'changes',
] as const;

/** The filters and the cursor, newest first: each filter is one of the indexes' leading columns, each ends in (occurred_at, id). */
function narrowed(query: Query, filter: AuditFilter, page: PageRequest | null): Query {
  let q = query;
  if (filter.action) q = q.where('action', '=', filter.action);
  if (filter.actorId) q = q.where('actor_id', '=', filter.actorId);
  if (filter.targetId) q = q.where('target_id', '=', filter.targetId);
  if (filter.outcome) q = q.where('outcome', '=', filter.outcome);
  if (filter.since) q = q.where('occurred_at', '>=', filter.since);
  if (filter.until) q = q.where('occurred_at', '<', filter.until);
  if (page?.after) q = q.where(sql<boolean>`(occurred_at, id) < (${page.after.key}::timestamptz, ${page.after.id})`);
  return q;
}

async function pageOf(query: Query, filter: AuditFilter, page: PageRequest): Promise<Sorted<AuditEntry>[]> {
  const rows = await narrowed(query, filter, page)
    .select([...COLUMNS, sql<string>`occurred_at::text`.as('occurred_key')])
    .orderBy('occurred_at', 'desc')
    .orderBy('id', 'desc')
    .limit(page.first + 1)
    .execute();
  return rows.map((r) => ({ node: toEntry(r), sortKey: r.occurred_key }));
}

/** A page of a tenant's log: one statement, one index range (audit_log_tenant*_idx, or the actor's or target's). */
export function listTenantEntries(db: Executor, tenantId: string, filter: AuditFilter, page: PageRequest): Promise<Sorted<AuditEntry>[]> {
  return pageOf(db.selectFrom('audit_log').where('tenant_id', '=', tenantId), filter, page);
}

/**
 * A page of a workspace's log: entries about it or any workspace below it (the workspace_ancestors
 * range of its subtree, trashed workspaces included), in one statement.
 */
export function listWorkspaceEntries(db: Executor, workspace: { id: string; tenantId: string }, filter: AuditFilter, page: PageRequest): Promise<Sorted<AuditEntry>[]> {
  const query = db
    .selectFrom('audit_log')
    .where('tenant_id', '=', workspace.tenantId)
    .where('target_type', '=', 'workspace')
    .where('target_id', 'in', (sub) => sub.selectFrom('workspace_ancestors').select('workspace_id').where('ancestor_id', '=', workspace.id));
  return pageOf(query, filter, page);
}

/** Every entry in the window, oldest first, in batches of `batch` (the export): keyset-paged, so memory stays flat. */
export async function* exportEntries(db: Executor, options: { tenantId?: string; since?: Date; until?: Date; batch?: number }): AsyncGenerator<AuditEntry> {
  const batch = options.batch ?? 1000;
  let after: { key: string; id: string } | null = null;
  for (;;) {
    let q = db.selectFrom('audit_log').select([...COLUMNS, sql<string>`occurred_at::text`.as('occurred_key')]);
    if (options.tenantId) q = q.where('tenant_id', '=', options.tenantId);
    if (options.since) q = q.where('occurred_at', '>=', options.since);
    if (options.until) q = q.where('occurred_at', '<', options.until);
    if (after) q = q.where(sql<boolean>`(occurred_at, id) > (${after.key}::timestamptz, ${after.id})`);
    const rows = await q.orderBy('occurred_at', 'asc').orderBy('id', 'asc').limit(batch).execute();
    for (const r of rows) yield toEntry(r);
    const last = rows.at(-1);
    if (!last || rows.length < batch) return;
    after = { key: last.occurred_key, id: last.id };
  }
}

interface EntryRow {
  id: string;
  occurred_at: Date;
  tenant_id: string | null;
  action: string;
  outcome: string;
  actor_id: string | null;
  actor_username: string | null;
  via: string;
  api_key_id: string | null;
  job: string | null;
  target_type: string;
  target_id: string;
  target_name: string | null;
  subject_type: string | null;
  subject_id: string | null;
  request_id: string | null;
  headline_id: string | null;
  permission: string | null;
  changes: AuditEntry['changes'];
}

function toEntry(r: EntryRow): AuditEntry {
  return {
    id: r.id,
    occurredAt: r.occurred_at,
    tenantId: r.tenant_id,
    // Written only from AuditRecord values (audit-writer.ts) and the table's CHECKs.
    action: r.action as AuditAction,
    outcome: r.outcome as AuditOutcome,
    actorId: r.actor_id,
    actorUsername: r.actor_username,
    via: r.via as AuditVia,
    apiKeyId: r.api_key_id,
    job: r.job,
    targetType: r.target_type,
    targetId: r.target_id,
    targetName: r.target_name,
    subjectType: r.subject_type,
    subjectId: r.subject_id,
    requestId: r.request_id,
    headlineId: r.headline_id,
    permission: r.permission,
    changes: r.changes,
  };
}
