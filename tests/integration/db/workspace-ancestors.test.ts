import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADVISORY_LOCKS } from '../../../src/infra/db/advisory-locks.js';
import { MIGRATIONS } from '../../../migrations/index.js';
import { migrate } from '../../../src/infra/db/migrator.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';

/**
 * workspace_ancestors (migration 0005) must always equal what parent_id implies: the backfill, every
 * insert, rename, delete and change of parent, and a create racing a move.
 */
const IMPLIED = `
  WITH RECURSIVE chain AS (
    SELECT id AS workspace_id, id AS ancestor_id, parent_id, name_key, 0 AS distance FROM workspaces
    UNION ALL
    SELECT c.workspace_id, p.id, p.parent_id, c.name_key, c.distance + 1 FROM chain c JOIN workspaces p ON p.id = c.parent_id
  )
  SELECT ancestor_id, workspace_id, name_key, distance FROM chain ORDER BY workspace_id, ancestor_id`;
const STORED = 'SELECT ancestor_id, workspace_id, name_key, distance FROM workspace_ancestors ORDER BY workspace_id, ancestor_id';

describe('workspace ancestry', () => {
  let database: TestDatabase;
  const q = (text: string, values: unknown[] = []) => database.pool.query(text, values);
  const expectInStep = async (): Promise<void> => {
    const [implied, stored] = await Promise.all([q(IMPLIED), q(STORED)]);
    expect(stored.rows).toEqual(implied.rows);
  };
  const add = (id: string, parentId: string | null, depth: number, tenantId = 'T1') =>
    q(`INSERT INTO workspaces (id, tenant_id, parent_id, name, name_key, depth) VALUES ($1, $2, $3, $1, lower($1), $4)`, [id, tenantId, parentId, depth]);

  beforeAll(async () => {
    database = await createTestDatabase({ migrateTo: '0004_user_keys' });
    await q(`INSERT INTO tenants (id, name, name_key) VALUES ('T1', 'one', 'one'), ('T2', 'two', 'two')`);
    for (const [id, parent, depth] of [['R', null, 0], ['A', 'R', 1], ['B', 'R', 1], ['A1', 'A', 2], ['A11', 'A1', 3], ['B1', 'B', 2]] as const) await add(id, parent, depth);
    await add('S', null, 0, 'T2');
    await migrate(database.pool, MIGRATIONS);
  });
  afterAll(async () => database.drop());

  it('the migration fills it for existing workspaces', async () => {
    const rows = await q(`SELECT ancestor_id, distance FROM workspace_ancestors WHERE workspace_id = 'A11' ORDER BY distance`);
    expect(rows.rows).toEqual([
      { ancestor_id: 'A11', distance: 0 },
      { ancestor_id: 'A1', distance: 1 },
      { ancestor_id: 'A', distance: 2 },
      { ancestor_id: 'R', distance: 3 },
    ]);
    await expectInStep();
  });

  it('follows inserts (several levels in one statement too), renames and deletes', async () => {
    await q(`INSERT INTO workspaces (id, tenant_id, parent_id, name, name_key, depth)
             VALUES ('C', 'T1', 'R', 'C', 'c', 1), ('C1', 'T1', 'C', 'C1', 'c1', 2), ('C11', 'T1', 'C1', 'C11', 'c11', 3)`);
    await expectInStep();
    await q(`UPDATE workspaces SET name = 'Zed', name_key = 'zed' WHERE id = 'C1'`);
    expect((await q(`SELECT DISTINCT name_key FROM workspace_ancestors WHERE workspace_id = 'C1'`)).rows).toEqual([{ name_key: 'zed' }]);
    await q(`DELETE FROM workspaces WHERE id = 'C11'`);
    await q(`DELETE FROM workspaces WHERE id = 'C1'`);
    expect((await q(`SELECT count(*)::int AS n FROM workspace_ancestors WHERE workspace_id IN ('C1', 'C11') OR ancestor_id IN ('C1', 'C11')`)).rows).toEqual([{ n: 0 }]);
    await expectInStep();
  });

  it('follows a change of parent and refuses a cycle', async () => {
    await q(`UPDATE workspaces SET parent_id = 'B1', depth = 3 WHERE id = 'A1'`);
    await expectInStep();
    expect((await q(`SELECT ancestor_id FROM workspace_ancestors WHERE workspace_id = 'A11' ORDER BY distance`)).rows.map((r) => r.ancestor_id)).toEqual(['A11', 'A1', 'B1', 'B', 'R']);
    await expect(q(`UPDATE workspaces SET parent_id = 'A11' WHERE id = 'B'`)).rejects.toMatchObject({ constraint: 'workspaces_no_cycle' });
    await q(`UPDATE workspaces SET parent_id = 'A', depth = 2 WHERE id = 'A1'`);
    await expectInStep();
  });

  it('takes the lock key that advisory-locks.ts names', async () => {
    const { rows } = await q(`SELECT prosrc FROM pg_proc WHERE proname IN ('workspace_ancestry_insert', 'workspace_ancestry_move')`);
    expect(rows).toHaveLength(2);
    for (const row of rows) expect(row.prosrc).toContain(`(${ADVISORY_LOCKS.workspaceTree}, hashtext(NEW.tenant_id))`);
  });

  describe('a create and a move at the same time', () => {
    let creator: pg.Client;
    let mover: pg.Client;
    beforeAll(async () => {
      creator = new pg.Client({ connectionString: database.url });
      mover = new pg.Client({ connectionString: database.url });
      await Promise.all([creator.connect(), mover.connect()]);
    });
    afterAll(async () => Promise.all([creator.end(), mover.end()]));

    /** Whether `pending` is still waiting after a while (on a lock, here). */
    const stillWaiting = async (pending: Promise<unknown>): Promise<boolean> =>
      Promise.race([pending.then(() => false), new Promise<boolean>((resolve) => setTimeout(() => resolve(true), 300))]);

    it('a move waits for a create below it to commit, then moves the new child too', async () => {
      await creator.query('BEGIN');
      await creator.query(`INSERT INTO workspaces (id, tenant_id, parent_id, name, name_key, depth) VALUES ('N1', 'T1', 'A11', 'N1', 'n1', 4)`);
      const move = mover.query(`UPDATE workspaces SET parent_id = 'B1', depth = 3 WHERE id = 'A1'`);
      expect(await stillWaiting(move)).toBe(true);
      await creator.query('COMMIT');
      await move;
      await expectInStep();
      expect((await q(`SELECT ancestor_id FROM workspace_ancestors WHERE workspace_id = 'N1' ORDER BY distance`)).rows.map((r) => r.ancestor_id)).toEqual(['N1', 'A11', 'A1', 'B1', 'B', 'R']);
    });

    it('a create waits for a move above its parent to commit, then copies the new ancestors', async () => {
      await mover.query('BEGIN');
      await mover.query(`UPDATE workspaces SET parent_id = 'A', depth = 2 WHERE id = 'A1'`);
      const create = creator.query(`INSERT INTO workspaces (id, tenant_id, parent_id, name, name_key, depth) VALUES ('N2', 'T1', 'A11', 'N2', 'n2', 4)`);
      expect(await stillWaiting(create)).toBe(true);
      await mover.query('COMMIT');
      await create;
      await expectInStep();
      expect((await q(`SELECT ancestor_id FROM workspace_ancestors WHERE workspace_id = 'N2' ORDER BY distance`)).rows.map((r) => r.ancestor_id)).toEqual(['N2', 'A11', 'A1', 'A', 'R']);
    });

    it('creates in another tenant do not wait for a move', async () => {
      await mover.query('BEGIN');
      await mover.query(`UPDATE workspaces SET parent_id = 'B1', depth = 3 WHERE id = 'A1'`);
      await add('S1', 'S', 1, 'T2');
      await mover.query('ROLLBACK');
      await expectInStep();
    });
  });
});
