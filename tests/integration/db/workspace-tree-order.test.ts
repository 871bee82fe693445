import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../../migrations/index.js';
import { migrate } from '../../../src/infra/db/migrator.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';
import { treeProblems } from '../../support/tree-consistency.js';

/**
 * Tree keys and subtree sizes (migration 0010): the backfill of an existing tree, then every writer
 * through SQL alone (the triggers, not the service), checked against what parent_id implies.
 */
describe('workspace tree order and sizes', () => {
  let database: TestDatabase;
  const q = (text: string, values: unknown[] = []) => database.pool.query(text, values);
  const add = (id: string, parentId: string | null, depth: number, name = id) =>
    q(`INSERT INTO workspaces (id, tenant_id, parent_id, name, name_key, depth) VALUES ($1, 'T1', $2, $3, lower($3), $4)`, [id, parentId, name, depth]);
  /** Live workspaces below R, as a page reads them. */
  const preOrder = async (): Promise<string[]> =>
    (await q(`SELECT id FROM workspaces WHERE deleted_at IS NULL AND parent_id IS NOT NULL ORDER BY left(tree_key, 512), tree_key`)).rows.map((r: { id: string }) => r.id);
  const size = async (id: string): Promise<number> => (await q(`SELECT live_descendants FROM workspace_sizes WHERE workspace_id = $1`, [id])).rows[0]?.live_descendants;

  beforeAll(async () => {
    database = await createTestDatabase({ migrateTo: '0009_workspace_moves.sql' });
    await q(`INSERT INTO tenants (id, name, name_key) VALUES ('T1', 'one', 'one')`);
    // Names chosen so that name order, id order and tree order differ: "ab" follows "a"'s subtree,
    // "B" (key "b") follows "ab", and X1/X2 share a name (one is in the trash) and sort by id.
    for (const [id, parent, depth, name] of [
      ['R', null, 0, 'Root'], ['N2', 'R', 1, 'ab'], ['N1', 'R', 1, 'a'], ['N3', 'R', 1, 'B'], ['N11', 'N1', 2, 'z'], ['N12', 'N1', 2, 'y'],
      ['X2', 'N3', 2, 'same'], ['X1', 'N3', 2, 'other'],
    ] as const) await add(id, parent, depth, name);
    await q(`UPDATE workspaces SET deleted_at = now(), name = 'same', name_key = 'same' WHERE id = 'X1'`);
    await migrate(database.pool, MIGRATIONS);
  });
  afterAll(async () => database.drop());

  it('the migration gives existing workspaces their keys and sizes', async () => {
    expect(await treeProblems({ database })).toEqual([]);
    expect(await preOrder()).toEqual(['N1', 'N12', 'N11', 'N2', 'N3', 'X2']);
    expect([await size('R'), await size('N1'), await size('N3'), await size('N11')]).toEqual([6, 2, 1, 0]);
  });

  it('follows inserts (one per statement and many), renames, moves, trash and restore', async () => {
    await add('N31', 'N3', 2, 'c');
    await q(`INSERT INTO workspaces (id, tenant_id, parent_id, name, name_key, depth) VALUES ('M1', 'T1', 'N31', 'm1', 'm1', 3), ('M2', 'T1', 'N31', 'm2', 'm2', 3)`);
    expect(await size('R')).toBe(9);
    // A rename that changes the order among siblings carries its subtree along.
    await q(`UPDATE workspaces SET name = 'zz', name_key = 'zz' WHERE id = 'N31'`);
    expect(await preOrder()).toEqual(['N1', 'N12', 'N11', 'N2', 'N3', 'X2', 'N31', 'M1', 'M2']);
    // A move: out from under N3 (3 live nodes leave its count) to under N12, depths rewritten.
    await q(`UPDATE workspaces SET parent_id = 'N12', depth = 3 WHERE id = 'N31'`);
    expect(await preOrder()).toEqual(['N1', 'N12', 'N31', 'M1', 'M2', 'N11', 'N2', 'N3', 'X2']);
    expect([await size('N3'), await size('N12'), await size('N1'), await size('R')]).toEqual([1, 3, 5, 9]);
    // Trash a leaf, then restore it under another name.
    await q(`UPDATE workspaces SET deleted_at = now() WHERE id = 'M2'`);
    expect([await size('N31'), await size('R')]).toEqual([1, 8]);
    await q(`UPDATE workspaces SET deleted_at = NULL, name = 'a-back', name_key = 'a-back' WHERE id = 'M2'`);
    expect(await preOrder()).toEqual(['N1', 'N12', 'N31', 'M2', 'M1', 'N11', 'N2', 'N3', 'X2']);
    expect(await size('R')).toBe(9);
    // Purging a trashed workspace changes no size: it was no longer counted.
    await q(`DELETE FROM workspaces WHERE id = 'X1'`);
    expect(await size('N3')).toBe(1);
    expect(await treeProblems({ database })).toEqual([]);
  });

  it('orders keys beyond the index’s 512 characters by the whole key', async () => {
    let parent = 'R';
    for (let depth = 1; depth <= 4; depth += 1) {
      const id = `L${depth}`;
      await add(id, parent, depth, `${'long name '.repeat(25)}${depth}`);
      parent = id;
    }
    // Under a chain of 1,000+ characters, siblings differ only past the index's prefix.
    for (const name of ['b', 'a', 'c']) await add(`L5${name}`, 'L4', 5, name);
    await add('L6', 'L5a', 6, 'child of a');
    const { rows } = await q(`SELECT id FROM workspaces WHERE tree_key > (SELECT tree_key FROM workspaces WHERE id = 'L4') AND deleted_at IS NULL
                               AND starts_with(tree_key, (SELECT tree_key FROM workspaces WHERE id = 'L4')) ORDER BY left(tree_key, 512), tree_key`);
    expect(rows.map((r: { id: string }) => r.id)).toEqual(['L5a', 'L6', 'L5b', 'L5c']);
    expect(await treeProblems({ database })).toEqual([]);
  });
});
