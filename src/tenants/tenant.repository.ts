import { sql } from 'kysely';
import type { Executor, Tx } from '../infra/db/database.js';
import { nameKey } from '../shared/names.js';
import type { PageRequest, Sorted } from '../shared/pagination.js';
import type { TenantRow } from './tenant.table.js';
import type { Tenant } from './tenant.js';
import { unexpired } from '../infra/db/unexpired.js';

function toTenant(row: TenantRow): Tenant {
  return { id: row.id, name: row.name, createdAt: row.created_at, updatedAt: row.updated_at };
}

export async function findTenantsByIds(db: Executor, ids: readonly string[]): Promise<Map<string, Tenant>> {
  if (ids.length === 0) return new Map();
  const rows = await db.selectFrom('tenants').selectAll().where('id', 'in', [...ids]).execute();
  return new Map(rows.map((r) => [r.id, toTenant(r)]));
}

export async function findTenantByName(db: Executor, name: string): Promise<Tenant | undefined> {
  const row = await db
    .selectFrom('tenants')
    .selectAll()
    .where('name_key', '=', nameKey(name))
    .executeTakeFirst();
  return row ? toTenant(row) : undefined;
}

export async function insertTenant(trx: Tx, tenant: { id: string; name: string }): Promise<Tenant> {
  const row = await trx
    .insertInto('tenants')
    .values({ ...tenant, name_key: nameKey(tenant.name) })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toTenant(row);
}

/** Deletes the tenant's row; returns its name (for the audit entry), or null when it was gone. */
export async function deleteTenantRow(trx: Tx, id: string): Promise<string | null> {
  const row = await trx.deleteFrom('tenants').where('id', '=', id).returning('name').executeTakeFirst();
  return row?.name ?? null;
}

/** Which tenants a page lists: one (an API key's), or every tenant the user belongs to. */
export type TenantListFilter = { id: string } | { memberUserId: string };

/**
 * A page of tenants in name-key order (name_key is COLLATE "C": the same order on every server).
 * A user's are those with their tenant_members row: schema.zed's tenant `view` (`admin + member`),
 * read from their own memberships (tenant_members_user_idx).
 */
/** How many tenants the filter selects: the caller's memberships (one index range), or the scope's one. */
export async function countTenants(db: Executor, filter: TenantListFilter): Promise<number> {
  const row =
    'id' in filter
      ? await db.selectFrom('tenants').where('id', '=', filter.id).select((eb) => eb.fn.countAll<number>().as('count')).executeTakeFirst()
      : await db.selectFrom('tenant_members').where('user_id', '=', filter.memberUserId).where(unexpired('expires_at')).select((eb) => eb.fn.countAll<number>().as('count')).executeTakeFirst();
  return Number(row?.count ?? 0);
}

export async function listTenantsPage(db: Executor, filter: TenantListFilter, page: PageRequest): Promise<Sorted<Tenant>[]> {
  let query = db.selectFrom('tenants').selectAll();
  if ('id' in filter) query = query.where('id', '=', filter.id);
  else query = query.where('id', 'in', (eb) => eb.selectFrom('tenant_members').select('tenant_id').where('user_id', '=', filter.memberUserId).where(unexpired('expires_at')));
  if (page.after) query = query.where(sql<boolean>`(name_key, id) > (${page.after.key} COLLATE "C", ${page.after.id})`);
  const rows = await query.orderBy('name_key').orderBy('id').limit(page.first + 1).execute();
  return rows.map((r) => ({ node: toTenant(r), sortKey: r.name_key }));
}
