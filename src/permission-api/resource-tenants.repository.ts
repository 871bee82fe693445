import { sql } from 'kysely';
import type { ResourceType } from '../authz/permissions.js';
import type { Executor } from '../infra/db/database.js';
import { PREPARED } from '../infra/db/prepared-statements.js';

/** Ids of the resources a batch of checks is about, by type (tenants are their own tenant: no row needed). */
export type ResourceIds = Record<Exclude<ResourceType, 'tenant'>, readonly string[]>;

/**
 * The tenant of each existing resource, all types in one prepared statement of three index probes
 * per id: a check needs only that (an API key's scope, the tenant-admin shortcut), not the rows,
 * whose timestamps cost more to parse than the whole lookup. Trashed workspaces do not exist here.
 * Keys are `type:id`.
 */
export async function findResourceTenants(db: Executor, ids: ResourceIds): Promise<Map<string, string>> {
  if (ids.workspace.length + ids.group.length + ids.api_key.length === 0) return new Map();
  const { rows } = await sql<{ type: string; id: string; tenant_id: string }>`${sql.raw(PREPARED)}
    SELECT 'workspace' AS type, id, tenant_id FROM workspaces WHERE id = ANY(${[...ids.workspace]}::text[]) AND deleted_at IS NULL
    UNION ALL
    SELECT 'group', id, tenant_id FROM groups WHERE id = ANY(${[...ids.group]}::text[])
    UNION ALL
    SELECT 'api_key', id, tenant_id FROM api_keys WHERE id = ANY(${[...ids.api_key]}::text[])`.execute(db);
  return new Map(rows.map((r) => [`${r.type}:${r.id}`, r.tenant_id]));
}
