import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tuple } from '../../../src/infra/spicedb/relationships.js';
import { reconcileSpiceDb } from '../../../src/relationships/reconcile.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';
import { OutboxScenario } from '../../support/outbox-scenario.js';
import { captureLogger, postgresTuples, spiceDbTuples } from '../../support/outbox-relay.js';
import { startSpiceDbBridge, type SpiceDbBridge } from '../../support/spicedb-grpc-bridge.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const run = promisify(execFile);

/** Drift of every kind, injected straight into SpiceDB behind PostgreSQL's back. */
async function injectDrift(bridge: SpiceDbBridge, db: TestDatabase): Promise<void> {
  const parents = await db.pool.query<{ id: string; parent_id: string }>('SELECT id, parent_id FROM workspaces WHERE parent_id IS NOT NULL ORDER BY id LIMIT 1');
  const member = await db.pool.query<{ tenant_id: string; user_id: string; role: string }>('SELECT tenant_id, user_id, role FROM tenant_members ORDER BY tenant_id LIMIT 1');
  const child = parents.rows[0];
  const grant = member.rows[0];
  if (!child || !grant) throw new Error('scenario too small');
  const rel = (resource: string, relation: string, subject: string): Tuple => {
    const [rt = '', ri = ''] = resource.split(':');
    const [st = '', si = ''] = subject.split(':');
    return { resource: { type: rt, id: ri }, relation, subject: { type: st, id: si } };
  };
  await bridge.spicedb.write([
    // extra: a grant PostgreSQL knows nothing about
    { op: 'touch', tuple: rel(`tenant:${grant.tenant_id}`, 'admin', 'user:intruder') },
    // missing: a membership PostgreSQL has
    { op: 'delete', tuple: rel(`tenant:${grant.tenant_id}`, grant.role, `user:${grant.user_id}`) },
    // wrong: a workspace under another parent (one missing, one extra)
    { op: 'delete', tuple: rel(`workspace:${child.id}`, 'parent', `workspace:${child.parent_id}`) },
    { op: 'touch', tuple: rel(`workspace:${child.id}`, 'parent', `workspace:elsewhere`) },
  ]);
}

describe('reconciling SpiceDB with PostgreSQL', () => {
  let database: TestDatabase;
  let bridge: SpiceDbBridge;
  const silent = captureLogger('silent').logger;

  beforeAll(async () => {
    database = await createTestDatabase();
    bridge = await startSpiceDbBridge();
    await new OutboxScenario(database.db).mixedHistory(3);
  }, 60_000);
  afterAll(async () => {
    await bridge.close();
    await database.drop();
  });

  it('fills an empty SpiceDB, then finds nothing to do', async () => {
    const first = await reconcileSpiceDb(database.db, bridge.spicedb, silent, { connectionString: database.url });
    expect(first).toMatchObject({ held: 0, extra: 0, missing: first.desired, zedToken: expect.any(String) });
    expect(await spiceDbTuples(bridge.spicedb)).toEqual(await postgresTuples(database.db));
    const state = await database.pool.query('SELECT zed_token FROM authz_state');
    expect(state.rows[0]).toEqual({ zed_token: first.zedToken });
    expect(await reconcileSpiceDb(database.db, bridge.spicedb, silent, { connectionString: database.url })).toMatchObject({ missing: 0, extra: 0, zedToken: null });
  });

  it('repairs one extra, one missing and one wrong relationship; a dry run only counts them', async () => {
    await injectDrift(bridge, database);
    const drifted = await spiceDbTuples(bridge.spicedb);
    const dry = await reconcileSpiceDb(database.db, bridge.spicedb, silent, { connectionString: database.url, dryRun: true });
    expect(dry).toMatchObject({ missing: 2, extra: 2, dryRun: true, zedToken: null });
    expect(await spiceDbTuples(bridge.spicedb)).toEqual(drifted);

    const fixed = await reconcileSpiceDb(database.db, bridge.spicedb, silent, { connectionString: database.url });
    expect(fixed).toMatchObject({ missing: 2, extra: 2, dryRun: false });
    expect(await spiceDbTuples(bridge.spicedb)).toEqual(await postgresTuples(database.db));
  });

  it('npm run reconcile does the same against a SpiceDB server, and prints the counts', async () => {
    await injectDrift(bridge, database);
    const env = { ...process.env, DATABASE_URL: database.url, SPICEDB_ENDPOINT: bridge.endpoint, SPICEDB_TOKEN: 'test', SPICEDB_INSECURE: 'true', LOG_LEVEL: 'silent' };
    const cli = ['--import', 'tsx', 'src/cli/reconcile.ts'];
    const dry = await run(process.execPath, [...cli, '--dry-run'], { cwd: ROOT, env });
    expect(dry.stdout).toMatch(/Missing: 2 \(would write them\)\. Extra: 2 \(would delete them\)/);
    const real = await run(process.execPath, cli, { cwd: ROOT, env });
    expect(real.stdout).toMatch(/Missing: 2 \(wrote them\)\. Extra: 2 \(deleted them\)/);
    expect(await spiceDbTuples(bridge.spicedb)).toEqual(await postgresTuples(database.db));
  });

  it('compares ends too, and never brings an expired grant back', async () => {
    const grants = await database.pool.query<{ workspace_id: string; user_id: string; role: string }>(
      'SELECT workspace_id, user_id, role FROM workspace_members WHERE user_id IS NOT NULL ORDER BY workspace_id, user_id LIMIT 2',
    );
    const [ending, ended] = grants.rows;
    if (!ending || !ended) throw new Error('scenario too small');
    const at = new Date(Date.now() + 86_400_000);
    // PostgreSQL says: one grant ends tomorrow, one ended a second ago (not yet swept). SpiceDB holds both without an end.
    await database.pool.query('UPDATE workspace_members SET expires_at = $3 WHERE workspace_id = $1 AND user_id = $2', [ending.workspace_id, ending.user_id, at]);
    await database.pool.query("UPDATE workspace_members SET expires_at = now() - interval '1 second' WHERE workspace_id = $1 AND user_id = $2", [ended.workspace_id, ended.user_id]);
    const held = (w: string, u: string) =>
      bridge.spicedb.readRelationships({ resourceType: 'workspace', resourceId: w }, null).then((ts) => ts.filter((x) => x.subject.id === u));

    const dry = await reconcileSpiceDb(database.db, bridge.spicedb, silent, { connectionString: database.url, dryRun: true });
    expect(dry).toMatchObject({ missing: 0, changed: 1, extra: 1 });
    const fixed = await reconcileSpiceDb(database.db, bridge.spicedb, silent, { connectionString: database.url });
    expect(fixed).toMatchObject({ missing: 0, changed: 1, extra: 1 });
    expect((await held(ending.workspace_id, ending.user_id)).map((x) => x.expiresAt)).toEqual([at.toISOString()]);
    expect(await held(ended.workspace_id, ended.user_id)).toEqual([]);
    // Nothing left to do: the expired row is not desired, the held end is PostgreSQL's.
    expect(await reconcileSpiceDb(database.db, bridge.spicedb, silent, { connectionString: database.url })).toMatchObject({ missing: 0, changed: 0, extra: 0 });
    expect(await spiceDbTuples(bridge.spicedb)).toEqual(await postgresTuples(database.db));
  });
});
