import type { Tx } from '../infra/db/database.js';

/** Hard-deletes a tenant's keys (tenant deletion only); returns what the outbox needs to drop their relationships. */
export async function deleteTenantApiKeys(trx: Tx, tenantId: string): Promise<{ id: string; ownerUserId: string }[]> {
  const rows = await trx.deleteFrom('api_keys').where('tenant_id', '=', tenantId).returning(['id', 'owner_user_id']).execute();
  return rows.map((r) => ({ id: r.id, ownerUserId: r.owner_user_id }));
}
