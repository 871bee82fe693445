import { sql } from 'kysely';
import type { Executor, Tx } from '../infra/db/database.js';
import type { PageRequest, Sorted } from '../shared/pagination.js';
import { nameKey } from '../shared/names.js';
import type { ApiKey } from './api-key.js';
import type { ApiKeyRow } from './api-key.table.js';
import { unexpired } from '../infra/db/unexpired.js';

type ApiKeyFields = Omit<ApiKeyRow, 'secret_sha256' | 'name_key'>;

export function toApiKey(row: ApiKeyFields): ApiKey {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    ownerUserId: row.owner_user_id,
    name: row.name,
    prefix: row.prefix,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
    lastUsedAt: row.last_used_at,
  };
}

export interface NewApiKey {
  id: string;
  tenantId: string;
  ownerUserId: string;
  name: string;
  prefix: string;
  secretSha256: Buffer;
  expiresAt: Date;
}

export async function insertApiKey(trx: Tx, key: NewApiKey): Promise<ApiKey> {
  const row = await trx
    .insertInto('api_keys')
    .values({
      id: key.id,
      tenant_id: key.tenantId,
      owner_user_id: key.ownerUserId,
      name: key.name,
      name_key: nameKey(key.name),
      prefix: key.prefix,
      secret_sha256: key.secretSha256,
      expires_at: key.expiresAt,
    })
    .returning(['id', 'tenant_id', 'owner_user_id', 'name', 'prefix', 'created_at', 'expires_at', 'revoked_at', 'last_used_at'])
    .executeTakeFirstOrThrow();
  return toApiKey(row);
}

/** Hard-deletes a tenant's keys (tenant deletion only); returns what the outbox needs to drop their relationships. */
export async function deleteTenantApiKeys(trx: Tx, tenantId: string): Promise<{ id: string; ownerUserId: string; name: string }[]> {
  const rows = await trx.deleteFrom('api_keys').where('tenant_id', '=', tenantId).returning(['id', 'owner_user_id', 'name']).execute();
  return rows.map((r) => ({ id: r.id, ownerUserId: r.owner_user_id, name: r.name }));
}

const RETURNED = ['id', 'tenant_id', 'owner_user_id', 'name', 'prefix', 'created_at', 'expires_at', 'revoked_at', 'last_used_at'] as const;

export async function findApiKeysByIds(db: Executor, ids: readonly string[]): Promise<Map<string, ApiKey>> {
  if (ids.length === 0) return new Map();
  const rows = await db.selectFrom('api_keys').select(RETURNED).where('id', 'in', [...ids]).execute();
  return new Map(rows.map((r) => [r.id, toApiKey(r)]));
}

export type ApiKeyListFilter = ApiKeyTenants & {
  /** Keys of this owner only; all owners when undefined. */
  ownerUserId?: string | undefined;
  /** Only keys that still authenticate: not revoked, not expired (by the database clock). */
  activeOnly: boolean;
};

/** Keys of these tenants, or of the tenants this user belongs to (tenant_members). */
type ApiKeyTenants = { tenantIds: readonly string[] } | { tenantsOfMember: string };

/** A page of keys, newest first: ids are ULIDs, so id order is creation order. */
function selectedKeys(db: Executor, filter: ApiKeyListFilter) {
  let query = db.selectFrom('api_keys');
  if ('tenantIds' in filter) query = query.where('tenant_id', 'in', [...filter.tenantIds]);
  else {
    const userId = filter.tenantsOfMember;
    query = query.where('tenant_id', 'in', (eb) => eb.selectFrom('tenant_members').select('tenant_id').where('user_id', '=', userId).where(unexpired('expires_at')));
  }
  if (filter.ownerUserId !== undefined) query = query.where('owner_user_id', '=', filter.ownerUserId);
  if (filter.activeOnly) query = query.where('revoked_at', 'is', null).where('expires_at', '>', sql<Date>`now()`);
  return query;
}

/** How many keys the filter selects, ignoring the page. */
export async function countApiKeys(db: Executor, filter: ApiKeyListFilter): Promise<number> {
  if ('tenantIds' in filter && filter.tenantIds.length === 0) return 0;
  const row = await selectedKeys(db, filter)
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .executeTakeFirst();
  return Number(row?.count ?? 0);
}

export async function listApiKeys(db: Executor, filter: ApiKeyListFilter, page: PageRequest): Promise<Sorted<ApiKey>[]> {
  if ('tenantIds' in filter && filter.tenantIds.length === 0) return [];
  let query = selectedKeys(db, filter).select(RETURNED);
  if (page.after) query = query.where('id', '<', page.after.id);
  const rows = await query.orderBy('id', 'desc').limit(page.first + 1).execute();
  return rows.map((r) => ({ node: toApiKey(r), sortKey: '' }));
}

/** Revokes an active key; null when it was already revoked (so two revocations cannot both win). */
export async function revokeApiKeyRow(trx: Tx, id: string): Promise<ApiKey | null> {
  const row = await trx
    .updateTable('api_keys')
    .set({ revoked_at: sql<Date>`now()` })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .returning(RETURNED)
    .executeTakeFirst();
  return row ? toApiKey(row) : null;
}

/**
 * Revokes the user's active keys for a tenant (they are leaving it), so that re-adding them later
 * does not bring their keys back. Their relationships stay, as for any revoked key; returns the ids.
 */
export async function revokeMemberApiKeys(trx: Tx, tenantId: string, ownerUserId: string): Promise<{ id: string; prefix: string }[]> {
  const rows = await trx
    .updateTable('api_keys')
    .set({ revoked_at: sql<Date>`now()` })
    .where('tenant_id', '=', tenantId)
    .where('owner_user_id', '=', ownerUserId)
    .where('revoked_at', 'is', null)
    .returning(['id', 'prefix'])
    .execute();
  return rows.map((r) => ({ id: r.id, prefix: r.prefix }));
}
