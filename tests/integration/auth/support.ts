export { captureLogs, type CapturedLogs } from '../../support/logs.js';
import type { TestDatabase } from '../../support/database.js';
import { ulid } from 'ulid';
import { nameKey } from '../../../src/shared/names.js';

export async function insertTenant(database: TestDatabase, name = `tenant-${ulid()}`): Promise<string> {
  const id = ulid();
  await database.pool.query('INSERT INTO tenants (id, name, name_key) VALUES ($1, $2, $3)', [id, name, nameKey(name)]);
  return id;
}

export async function insertUser(database: TestDatabase, username: string): Promise<string> {
  const id = ulid();
  await database.pool.query('INSERT INTO users (id, issuer, subject, username, username_key) VALUES ($1, $2, $3, $4, $5)', [
    id,
    'https://issuer.test',
    `sub-${id}`,
    username,
    nameKey(username),
  ]);
  return id;
}

export async function addTenantMember(database: TestDatabase, tenantId: string, userId: string): Promise<void> {
  await database.pool.query(`INSERT INTO tenant_members (tenant_id, user_id, role) VALUES ($1, $2, 'member')`, [tenantId, userId]);
}
