import { sql, type Expression, type SqlBool } from 'kysely';
import type { Executor, Tx } from '../infra/db/database.js';
import { containsPattern } from '../infra/db/like.js';
import { PREPARED, PREPARED_RAW_TIMESTAMPS } from '../infra/db/prepared-statements.js';
import { nameKey } from '../shared/names.js';
import type { Cursor, PageRequest, Sorted } from '../shared/pagination.js';
import { StoredWorkspace, type RawTimestamp } from './stored-workspace.js';
import type { WorkspaceRow } from './workspace.table.js';
import type { Workspace } from './workspace.js';

export function toWorkspace(row: WorkspaceRow): Workspace {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    parentId: row.parent_id,
    name: row.name,
    depth: row.depth,
    isRoot: row.parent_id === null,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/**
 * `= ANY($1)` with one array parameter instead of `IN ($1, …, $n)`: one statement text whatever the
 * batch size, and far less for PostgreSQL to parse and plan (a level of 100 parents was 100 parameters).
 */
function anyOf(ids: readonly string[]): Expression<string> {
  return sql<string>`ANY(${[...ids]}::text[])`;
}

const prepared = sql.raw(PREPARED);

function afterCursor(after: Cursor): Expression<SqlBool> {
  return sql<SqlBool>`(name_key, id) > (${after.key} COLLATE "C", ${after.id})`;
}

export async function findWorkspacesByIds(db: Executor, ids: readonly string[]): Promise<Map<string, Workspace>> {
  if (ids.length === 0) return new Map();
  const rows = await db.selectFrom('workspaces').selectAll().where('id', '=', anyOf(ids)).where('deleted_at', 'is', null).execute();
  return new Map(rows.map((r) => [r.id, toWorkspace(r)]));
}

/** Every ancestor of each given workspace (parent first), for all of them in one recursive statement. */
export async function findAncestors(db: Executor, ids: readonly string[]): Promise<Map<string, Workspace[]>> {
  const found = await findWithAncestors(db, ids);
  return new Map(ids.map((id) => [id, found.get(id)?.ancestors ?? []]));
}

export interface WorkspaceLineage {
  workspace: Workspace;
  /** Parent first, up to the root. */
  ancestors: Workspace[];
}

/** Each given workspace with all its ancestors, in one recursive statement; missing ids are absent. */
export async function findWithAncestors(db: Executor, ids: readonly string[]): Promise<Map<string, WorkspaceLineage>> {
  const result = new Map<string, WorkspaceLineage>();
  if (ids.length === 0) return result;
  const rows = await sql<WorkspaceRow & { start_id: string }>`${prepared}
    WITH RECURSIVE chain AS (
      SELECT w.id AS start_id, ${sql.raw('w.id, w.tenant_id, w.parent_id, w.name, w.name_key, w.depth, w.created_at, w.updated_at')}
        FROM workspaces w WHERE w.id = ANY(${[...ids]}::text[]) AND w.deleted_at IS NULL
      UNION ALL
      SELECT c.start_id, ${sql.raw('p.id, p.tenant_id, p.parent_id, p.name, p.name_key, p.depth, p.created_at, p.updated_at')}
        FROM chain c JOIN workspaces p ON p.id = c.parent_id
    )
    SELECT * FROM chain ORDER BY start_id, depth DESC`.execute(db);
  // Deepest first within each start: the workspace itself, then its parent, up to the root.
  for (const row of rows.rows) {
    if (row.id === row.start_id) result.set(row.start_id, { workspace: toWorkspace(row), ancestors: [] });
    else result.get(row.start_id)?.ancestors.push(toWorkspace(row));
  }
  return result;
}

export async function findRootWorkspaces(db: Executor, tenantIds: readonly string[]): Promise<Map<string, Workspace>> {
  if (tenantIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('workspaces')
    .selectAll()
    .where('tenant_id', 'in', [...tenantIds])
    .where('parent_id', 'is', null)
    .execute();
  return new Map(rows.map((r) => [r.tenant_id, toWorkspace(r)]));
}

export interface TenantWorkspaceFilter {
  tenantId: string;
  /** A name key (nameFilterKey) that the workspace's name key must contain. */
  nameKeyContains?: string | undefined;
}

/**
 * A page of all of a tenant's workspaces by name (what its admins list; others:
 * viewable-workspaces.repository.ts). A prepared statement per combination of filters (cursor, name
 * filter): each reads its own index range, so each keeps its own plan. Timestamps are parsed when
 * read (StoredWorkspace).
 */
export async function listTenantWorkspaces(db: Executor, filter: TenantWorkspaceFilter, page: PageRequest): Promise<Sorted<Workspace>[]> {
  const conditions: Expression<SqlBool>[] = [sql<SqlBool>`tenant_id = ${filter.tenantId}`, sql<SqlBool>`deleted_at IS NULL`];
  if (page.after) conditions.push(afterCursor(page.after));
  if (filter.nameKeyContains) conditions.push(sql<SqlBool>`name_key LIKE ${containsPattern(filter.nameKeyContains)}`);
  const { rows } = await sql<Omit<WorkspaceRow, 'created_at' | 'updated_at'> & { created_at: RawTimestamp; updated_at: RawTimestamp }>`${sql.raw(PREPARED_RAW_TIMESTAMPS)}
    SELECT id, tenant_id, parent_id, name, name_key, depth, created_at, updated_at FROM workspaces
     WHERE ${sql.join(conditions, sql` AND `)}
     ORDER BY name_key, id LIMIT ${page.first + 1}`.execute(db);
  return rows.map((r) => ({ node: new StoredWorkspace(r.id, r.tenant_id, r.parent_id, r.name, r.depth, r.created_at, r.updated_at), sortKey: r.name_key }));
}

/** A live workspace, locked FOR UPDATE (re-read after the wait: one trashed meanwhile is not found). */
export async function lockWorkspace(trx: Tx, id: string): Promise<Workspace | undefined> {
  const row = await trx.selectFrom('workspaces').selectAll().where('id', '=', id).where('deleted_at', 'is', null).forUpdate().executeTakeFirst();
  return row ? toWorkspace(row) : undefined;
}

/**
 * The parent of a child about to be inserted, locked FOR KEY SHARE until commit: the lock the
 * child's foreign key would take anyway, taken before the insert so that a deletion of the parent
 * (FOR UPDATE) and this insert queue in one order instead of deadlocking.
 */
export async function holdParentWorkspace(trx: Tx, id: string): Promise<Workspace | undefined> {
  const row = await trx.selectFrom('workspaces').selectAll().where('id', '=', id).where('deleted_at', 'is', null).forKeyShare().executeTakeFirst();
  return row ? toWorkspace(row) : undefined;
}

/** Whether a live child exists (children in the trash do not keep a parent from the trash). */
export async function hasChildren(trx: Tx, id: string): Promise<boolean> {
  const row = await trx.selectFrom('workspaces').select('id').where('parent_id', '=', id).where('deleted_at', 'is', null).limit(1).executeTakeFirst();
  return row !== undefined;
}

export async function insertWorkspace(
  trx: Tx,
  w: { id: string; tenantId: string; parentId: string | null; name: string; depth: number },
): Promise<Workspace> {
  const row = await trx
    .insertInto('workspaces')
    .values({ id: w.id, tenant_id: w.tenantId, parent_id: w.parentId, name: w.name, name_key: nameKey(w.name), depth: w.depth })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toWorkspace(row);
}

export async function renameWorkspace(trx: Tx, id: string, name: string): Promise<Workspace> {
  const row = await trx
    .updateTable('workspaces')
    .set({ name, name_key: nameKey(name), updated_at: sql<Date>`now()` })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
  return toWorkspace(row);
}

/**
 * Deletes every workspace of a tenant, after their grants, in one statement (the parent key's
 * RESTRICT is checked at its end, when children and parents are gone alike); returns what it deleted.
 */
export async function deleteTenantWorkspaces(trx: Tx, tenantId: string): Promise<{ id: string; parentId: string | null; name: string }[]> {
  const rows = await trx.deleteFrom('workspaces').where('tenant_id', '=', tenantId).returning(['id', 'parent_id', 'name']).execute();
  return rows.map((r) => ({ id: r.id, parentId: r.parent_id, name: r.name })).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/**
 * Locks a workspace for a change of its grants: grants on one workspace are written one at a time,
 * so "one direct role per subject" replaces instead of racing. FOR NO KEY UPDATE leaves inserts that
 * merely reference the workspace (children, grants elsewhere) unblocked; deletion waits.
 */
export async function lockWorkspaceForMemberChange(trx: Tx, id: string): Promise<Workspace | undefined> {
  const row = await trx.selectFrom('workspaces').selectAll().where('id', '=', id).where('deleted_at', 'is', null).forNoKeyUpdate().executeTakeFirst();
  return row ? toWorkspace(row) : undefined;
}

/** How many children a workspace has: one range of workspaces_children_order_idx. */
export async function countChildren(db: Executor, parentId: string): Promise<number> {
  const row = await db
    .selectFrom('workspaces')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('parent_id', '=', parentId)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  return Number(row?.count ?? 0);
}

/** How many workspaces a tenant has that match the filter: what its admins' listing counts. */
export async function countTenantWorkspaces(db: Executor, filter: TenantWorkspaceFilter): Promise<number> {
  let query = db
    .selectFrom('workspaces')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('tenant_id', '=', filter.tenantId)
    .where('deleted_at', 'is', null);
  if (filter.nameKeyContains) query = query.where(sql<SqlBool>`name_key LIKE ${containsPattern(filter.nameKeyContains)}`);
  const row = await query.executeTakeFirst();
  return Number(row?.count ?? 0);
}

/**
 * Puts a workspace under a new parent at the depth below it. The move trigger
 * (migrations/0007_workspace_moves.sql) rewrites the subtree's ancestry and depths in the same
 * statement, under the tenant's tree lock.
 */
export async function reparentWorkspace(trx: Tx, id: string, parent: { id: string; depth: number }): Promise<Workspace> {
  const row = await trx
    .updateTable('workspaces')
    .set({ parent_id: parent.id, depth: parent.depth + 1, updated_at: sql<Date>`now()` })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
  return toWorkspace(row);
}

/** Whether `ancestorId` is `id` or lies above it: a move of `ancestorId` under `id` would close a cycle. */
export async function isAncestorOrSelf(db: Executor, ancestorId: string, id: string): Promise<boolean> {
  const row = await db.selectFrom('workspace_ancestors').select('distance').where('workspace_id', '=', id).where('ancestor_id', '=', ancestorId).executeTakeFirst();
  return row !== undefined;
}

/** Whether a child of `parentId` already has this name's key (other than `exceptId`). */
export async function siblingNameTaken(db: Executor, parentId: string, name: string, exceptId: string): Promise<boolean> {
  const row = await db
    .selectFrom('workspaces')
    .select('id')
    .where('parent_id', '=', parentId)
    .where('name_key', '=', nameKey(name))
    .where('id', '!=', exceptId)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  return row !== undefined;
}
