import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../../migrations/index.js';
import { migrate } from '../../../src/infra/db/migrator.js';
import type { SpiceDb } from '../../../src/infra/spicedb/spicedb.js';
import { reconcileSpiceDb } from '../../../src/relationships/reconcile.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';
import { captureLogs } from '../../support/logs.js';
import { pendingCount, spiceDbTuples, startRelayProcess } from '../../support/outbox-relay.js';
import { startTestSpiceDb } from '../../support/spicedb.js';
import { waitFor } from '../../support/wait-for.js';

/** One transaction, as the old createTenant and bootstrap wrote: tenant, root, tenant ADMIN and a root ADMIN grant. */
const OLD_CREATE_TENANT = (tenant: string, root: string, user: string) => `
  BEGIN;
  INSERT INTO tenants (id, name, name_key) VALUES ('${tenant}', '${tenant}', '${tenant.toLowerCase()}');
  INSERT INTO workspaces (id, tenant_id, parent_id, name, name_key, depth) VALUES ('${root}', '${tenant}', NULL, 'Root', 'root', 0);
  INSERT INTO tenant_members (tenant_id, user_id, role) VALUES ('${tenant}', '${user}', 'admin');
  INSERT INTO workspace_members (workspace_id, user_id, role) VALUES ('${root}', '${user}', 'admin');
  COMMIT;`;

const rootGrants = async (database: TestDatabase): Promise<string[]> =>
  (
    await database.pool.query<{ g: string }>(
      `SELECT m.workspace_id || ':' || m.user_id || ':' || m.role AS g FROM workspace_members m JOIN workspaces w ON w.id = m.workspace_id
       WHERE w.parent_id IS NULL ORDER BY 1`,
    )
  ).rows.map((r) => r.g);

describe('migration 0006: root grants written with the tenant admin role', () => {
  let database: TestDatabase;
  let spicedb: SpiceDb;

  beforeAll(async () => {
    database = await createTestDatabase({ migrateTo: '0004_user_keys' });
    spicedb = await startTestSpiceDb();
    const q = (text: string) => database.pool.query(text);
    for (const u of ['creator', 'demoted', 'later', 'regranted', 'booted']) {
      await q(`INSERT INTO users (id, issuer, subject, username, username_key) VALUES ('${u}', 'https://idp', '${u}', '${u}', '${u}')`);
    }
    await q(OLD_CREATE_TENANT('T1', 'R1', 'creator'));
    await q(OLD_CREATE_TENANT('T2', 'R2', 'demoted'));
    await q(`UPDATE tenant_members SET role = 'member' WHERE user_id = 'demoted'`);
    // A tenant admin given a root grant later, in a transaction of its own, keeps it.
    await q(`INSERT INTO tenant_members (tenant_id, user_id, role) VALUES ('T1', 'later', 'admin')`);
    await q(`INSERT INTO workspace_members (workspace_id, user_id, role) VALUES ('R1', 'later', 'admin')`);
    // So does a member granted ADMIN on the root by grantWorkspaceRole.
    await q(`INSERT INTO tenant_members (tenant_id, user_id, role) VALUES ('T2', 'regranted', 'member')`);
    await q(`INSERT INTO workspace_members (workspace_id, user_id, role) VALUES ('R2', 'regranted', 'admin')`);
    // The bootstrap on an existing tenant without admins: membership and root grant in one transaction.
    await q(`INSERT INTO tenants (id, name, name_key) VALUES ('T3', 'T3', 't3')`);
    await q(`INSERT INTO workspaces (id, tenant_id, parent_id, name, name_key, depth) VALUES ('R3', 'T3', NULL, 'Root', 'root', 0)`);
    await q(`BEGIN; INSERT INTO tenant_members (tenant_id, user_id, role) VALUES ('T3', 'booted', 'admin');
             INSERT INTO workspace_members (workspace_id, user_id, role) VALUES ('R3', 'booted', 'admin'); COMMIT;`);
    // SpiceDB as it stood before the upgrade: everything PostgreSQL implied. Today's reconcile
    // derives it, and reads columns later migrations add (the trash of 0008, the ends of 0012, the
    // count of writes outside the outbox of 0013): stand-ins for them, dropped again.
    const standIns = [
      ['workspaces', 'deleted_at', 'timestamptz'],
      ['workspace_members', 'expires_at', 'timestamptz'],
      ['group_members', 'expires_at', 'timestamptz'],
      ['tenant_members', 'expires_at', 'timestamptz'],
      ['authz_state', 'outside_writes', 'bigint NOT NULL DEFAULT 0'],
    ];
    for (const [table, column, type] of standIns) await q(`ALTER TABLE ${table} ADD COLUMN ${column} ${type}`);
    await reconcileSpiceDb(database.db, spicedb, captureLogs('silent').logger, { connectionString: database.url });
    for (const [table, column] of standIns) await q(`ALTER TABLE ${table} DROP COLUMN ${column}`);
  });
  afterAll(async () => {
    spicedb.close();
    await database.drop();
  });

  it('removes exactly the creation-time grants, with outbox events that take them out of SpiceDB', async () => {
    expect(await spiceDbTuples(spicedb)).toContain('workspace:R1#admin@user:creator');
    const { logger, lines } = captureLogs('info');
    expect(await migrate(database.pool, MIGRATIONS, { logger })).toContain('0006_creator_root_grants');

    expect(await rootGrants(database)).toEqual(['R1:later:admin', 'R2:regranted:admin']);
    const events = await database.pool.query<{ event_type: string; payload: { workspaceId: string; subject: { id: string } } }>(
      `SELECT event_type, payload FROM outbox ORDER BY seq`,
    );
    expect(events.rows.map((r) => `${r.event_type} ${r.payload.workspaceId} ${r.payload.subject.id}`).sort()).toEqual([
      'WorkspaceMemberRemoved R1 creator',
      'WorkspaceMemberRemoved R2 demoted',
      'WorkspaceMemberRemoved R3 booted',
    ]);
    expect(lines.filter((l) => l.event === 'creator_root_grants_removed')).toMatchObject([{ count: 3 }]);

    const relay = await startRelayProcess({ url: database.url, spicedb });
    try {
      await waitFor(async () => (await pendingCount(database.pool)) === 0, { message: 'the relay to apply the removals' });
    } finally {
      await relay.close();
    }
    const held = await spiceDbTuples(spicedb);
    expect(held).not.toContain('workspace:R1#admin@user:creator');
    expect(held).not.toContain('workspace:R2#admin@user:demoted');
    expect(held).not.toContain('workspace:R3#admin@user:booted');
    expect(held).toEqual(expect.arrayContaining(['workspace:R1#admin@user:later', 'workspace:R2#admin@user:regranted', 'tenant:T1#admin@user:creator']));
    const dry = await reconcileSpiceDb(database.db, spicedb, captureLogs('silent').logger, { connectionString: database.url, dryRun: true });
    expect(dry).toMatchObject({ missing: 0, extra: 0 });
  });
});
