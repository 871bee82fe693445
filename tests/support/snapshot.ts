import { tupleKey } from '../../src/infra/spicedb/relationships.js';
import type { TestServer } from './server.js';

/**
 * Everything a bad request could have changed: every table's rows (as JSON) and every relationship
 * in SpiceDB. Two equal snapshots mean nothing changed.
 */
export async function snapshot(server: TestServer): Promise<{ tables: Record<string, unknown[]>; relationships: string[] }> {
  const tables: Record<string, unknown[]> = {};
  for (const table of ['tenants', 'workspaces', 'tenant_members', 'workspace_members', 'groups', 'group_members', 'api_keys', 'outbox', 'users']) {
    const order = table === 'outbox' ? 'seq' : table.endsWith('members') ? '1, 2' : 'id';
    const columns = table === 'api_keys' ? 'id, tenant_id, owner_user_id, name, revoked_at' : '*';
    tables[table] = (await server.database.pool.query(`SELECT ${columns} FROM ${table} ORDER BY ${order}`)).rows;
  }
  const relationships: string[] = [];
  for (const resourceType of ['tenant', 'workspace', 'group', 'api_key']) {
    const tuples = await server.runtime.spicedb.readRelationships({ resourceType }, null);
    relationships.push(...tuples.map(tupleKey));
  }
  return { tables, relationships: relationships.sort() };
}
