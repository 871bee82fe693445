import { sql } from 'kysely';
import type { WorkspaceRole, WorkspaceSubject } from '../events/roles.js';
import type { Executor, Tx } from '../infra/db/database.js';
import { nameKey } from '../shared/names.js';
import type { PageRequest, Sorted } from '../shared/pagination.js';
import { toWorkspace } from './workspace.repository.js';
import type { WorkspaceRow } from './workspace.table.js';
import type { Workspace } from './workspace.js';

/** The trash: workspaces with `deleted_at` set, their rows and grants kept (migrations/0008_workspace_trash.sql). */

function toTrashed(row: WorkspaceRow): Workspace {
  return { ...toWorkspace(row), deletedAt: row.deleted_at, deletedById: row.deleted_by };
}

export interface Held {
  subject: WorkspaceSubject;
  role: WorkspaceRole;
  /** A restore writes the grant back with its end (an already passed one counts for nothing in SpiceDB). */
  expiresAt: string | null;
}

/** The direct grants on a workspace, in a stable order (the workspace row is locked by the caller). */
export async function grantsOn(trx: Tx, workspaceId: string): Promise<Held[]> {
  // FOR KEY SHARE: a group deletion or a departure deleting one of these grants right now either
  // commits first (the row is skipped here, so a restore does not write it back to SpiceDB after
  // the deletion removed it) or waits for this change to commit and then removes it.
  const rows = await trx
    .selectFrom('workspace_members')
    .select(['user_id', 'group_id', 'role', 'expires_at'])
    .where('workspace_id', '=', workspaceId)
    .orderBy('user_id')
    .orderBy('group_id')
    .forKeyShare()
    .execute();
  return rows.map((r) => ({
    subject: r.user_id !== null ? { type: 'user', id: r.user_id } : { type: 'group', id: r.group_id ?? '' },
    role: r.role,
    expiresAt: r.expires_at ? r.expires_at.toISOString() : null,
  }));
}

export async function trashWorkspaceRow(trx: Tx, id: string, deletedBy: string | null): Promise<void> {
  await trx.updateTable('workspaces').set({ deleted_at: sql<Date>`now()`, deleted_by: deletedBy }).where('id', '=', id).execute();
}

/** A workspace in the trash; with `retentionDays`, not older than that (older ones are as good as purged). */
export async function findTrashedWorkspace(db: Executor, id: string, retentionDays: number | null): Promise<Workspace | undefined> {
  let query = db.selectFrom('workspaces').selectAll().where('id', '=', id).where('deleted_at', 'is not', null);
  if (retentionDays !== null) query = query.where('deleted_at', '>', sql<Date>`now() - make_interval(days => ${retentionDays})`);
  const row = await query.executeTakeFirst();
  return row ? toTrashed(row) : undefined;
}

/** As findTrashedWorkspace, locked FOR UPDATE until commit (restore and purge serialise on it). */
export async function lockTrashedWorkspace(trx: Tx, id: string): Promise<Workspace | undefined> {
  const row = await trx.selectFrom('workspaces').selectAll().where('id', '=', id).where('deleted_at', 'is not', null).forUpdate().executeTakeFirst();
  return row ? toTrashed(row) : undefined;
}

/** Back from the trash, under a new name if given; the sibling index refuses a name taken meanwhile (WORKSPACE_NAME_TAKEN). */
export async function restoreWorkspaceRow(trx: Tx, id: string, name: string): Promise<Workspace> {
  const row = await trx
    .updateTable('workspaces')
    .set({ deleted_at: null, deleted_by: null, name, name_key: nameKey(name), updated_at: sql<Date>`now()` })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
  return toTrashed(row);
}

/** Whether a workspace is in the trash (a parent a restore would need). */
export async function isTrashed(trx: Tx, id: string): Promise<boolean> {
  const row = await trx.selectFrom('workspaces').select('id').where('id', '=', id).where('deleted_at', 'is not', null).executeTakeFirst();
  return row !== undefined;
}

export interface PurgedWorkspace {
  id: string;
  name: string;
  parentId: string | null;
  grants: Held[];
}

/**
 * Erases a trashed workspace with everything below it (all in the trash: no live child can be
 * under a trashed parent) and their grants, from DELETE … RETURNING; deepest first in the answer.
 */
export async function purgeSubtree(trx: Tx, id: string): Promise<PurgedWorkspace[]> {
  const subtree = (eb: { selectFrom: Tx['selectFrom'] }) => eb.selectFrom('workspace_ancestors').select('workspace_id').where('ancestor_id', '=', id);
  const grants = await trx
    .deleteFrom('workspace_members')
    .where('workspace_id', 'in', subtree(trx))
    .returning(['workspace_id', 'user_id', 'group_id', 'role', 'expires_at'])
    .execute();
  const rows = await trx
    .deleteFrom('workspaces')
    .where('id', 'in', subtree(trx))
    .where('deleted_at', 'is not', null)
    .returning(['id', 'name', 'parent_id', 'depth'])
    .execute();
  const grantsOf = new Map<string, Held[]>();
  for (const g of grants) {
    const held: Held = {
      subject: g.user_id !== null ? { type: 'user', id: g.user_id } : { type: 'group', id: g.group_id ?? '' },
      role: g.role,
      expiresAt: g.expires_at ? g.expires_at.toISOString() : null,
    };
    grantsOf.set(g.workspace_id, [...(grantsOf.get(g.workspace_id) ?? []), held]);
  }
  return rows
    .sort((a, b) => b.depth - a.depth || (a.id < b.id ? -1 : 1))
    .map((r) => ({ id: r.id, name: r.name, parentId: r.parent_id, grants: grantsOf.get(r.id) ?? [] }));
}

/** A page of a tenant's trash, newest first; the cursor's key is `deleted_at` as PostgreSQL prints it. */
export async function listTrash(db: Executor, tenantId: string, page: PageRequest): Promise<Sorted<Workspace>[]> {
  let query = db
    .selectFrom('workspaces')
    .selectAll()
    .select(sql<string>`deleted_at::text`.as('deleted_key'))
    .where('tenant_id', '=', tenantId)
    .where('deleted_at', 'is not', null);
  if (page.after) query = query.where(sql<boolean>`(deleted_at, id) < (${page.after.key}::timestamptz, ${page.after.id})`);
  const rows = await query.orderBy('deleted_at', 'desc').orderBy('id', 'desc').limit(page.first + 1).execute();
  return rows.map((r) => ({ node: toTrashed(r), sortKey: r.deleted_key }));
}

/** How many workspaces of the tenant are in the trash. */
export async function countTrash(db: Executor, tenantId: string): Promise<number> {
  const row = await db
    .selectFrom('workspaces')
    .where('tenant_id', '=', tenantId)
    .where('deleted_at', 'is not', null)
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .executeTakeFirst();
  return Number(row?.count ?? 0);
}

/** Trashed workspaces deleted before `before`, oldest first (children went to the trash before their parents). */
export async function expiredTrash(db: Executor, before: Date, limit: number): Promise<{ id: string; tenantId: string }[]> {
  const rows = await db
    .selectFrom('workspaces')
    .select(['id', 'tenant_id'])
    .where('deleted_at', 'is not', null)
    .where('deleted_at', '<', before)
    .orderBy('deleted_at')
    .orderBy('id')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ id: r.id, tenantId: r.tenant_id }));
}
