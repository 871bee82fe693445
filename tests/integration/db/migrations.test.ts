import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../../migrations/index.js';
import { migrate } from '../../../src/infra/db/migrator.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';

describe('migrations', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => database.drop());

  it('records every migration once and is a no-op when run again, also concurrently', async () => {
    const again = await Promise.all([migrate(database.pool, MIGRATIONS), migrate(database.pool, MIGRATIONS)]);
    expect(again).toEqual([[], []]);
    const rows = await database.pool.query<{ name: string }>('SELECT name FROM schema_migrations ORDER BY name');
    expect(rows.rows.map((r) => r.name)).toContain('0001_init.sql');
  });

  it('allows exactly one root workspace per tenant', async () => {
    await database.pool.query(`INSERT INTO tenants (id, name, name_key) VALUES ('T1', 'one', 'one')`);
    await database.pool.query(`INSERT INTO workspaces (id, tenant_id, parent_id, name, name_key, depth) VALUES ('W1', 'T1', NULL, 'Root', 'root', 0)`);
    await expect(
      database.pool.query(`INSERT INTO workspaces (id, tenant_id, parent_id, name, name_key, depth) VALUES ('W2', 'T1', NULL, 'Other', 'other', 0)`),
    ).rejects.toMatchObject({ constraint: 'workspaces_one_root_per_tenant' });
  });
});
