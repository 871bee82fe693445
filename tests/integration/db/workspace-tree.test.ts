import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../../src/shared/ids.js';
import { insertTenant } from '../../../src/tenants/tenant.repository.js';
import { listChildLevels } from '../../../src/workspaces/workspace-tree.repository.js';
import { findWorkspacesByIds, insertWorkspace } from '../../../src/workspaces/workspace.repository.js';
import type { Workspace } from '../../../src/workspaces/workspace.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';

/** The several-levels children statement, against the repository's contract. */
describe('listChildLevels', () => {
  let database: TestDatabase;
  let root: Workspace;

  beforeAll(async () => {
    database = await createTestDatabase();
    root = await database.db.transaction().execute(async (trx) => {
      const tenant = await insertTenant(trx, { id: newId(), name: 'Tree tenant' });
      const top = await insertWorkspace(trx, { id: newId(), tenantId: tenant.id, parentId: null, name: 'Root', depth: 0 });
      // Three children (c, A, b: sorted A, b, c), each with two children of its own.
      for (const name of ['c', 'A', 'b']) {
        const child = await insertWorkspace(trx, { id: newId(), tenantId: tenant.id, parentId: top.id, name, depth: 1 });
        for (const leaf of ['2', '1']) await insertWorkspace(trx, { id: newId(), tenantId: tenant.id, parentId: child.id, name: `${name}${leaf}`, depth: 2 });
      }
      return top;
    });
  });
  afterAll(async () => database.drop());

  const names = (level: Map<string, { node: Workspace }[]> | undefined): Record<string, string[]> =>
    Object.fromEntries([...(level ?? new Map<string, { node: Workspace }[]>()).entries()].map(([id, rows]) => [id, rows.map((r) => r.node.name)]));

  it('reads each level under the items of the level above, in order, with one look-ahead row per parent', async () => {
    const page = { first: 2, after: null };
    const { levels, rows } = await listChildLevels(database.db, [root], [page, page], 100);
    expect(names(levels[0])).toEqual({ [root.id]: ['A', 'b', 'c'] });
    const [a, b] = levels[0]?.get(root.id)?.map((r) => r.node) ?? [];
    // c is the look-ahead row that says there is a next page: its children are not read.
    expect(names(levels[1])).toEqual({ [a?.id ?? '']: ['A1', 'A2'], [b?.id ?? '']: ['b1', 'b2'] });
    expect(rows).toBe(3 + 4);
  });

  it('gives children every field a read by id gives, timestamps parsed when read', async () => {
    const { levels } = await listChildLevels(database.db, [root], [{ first: 5, after: null }, { first: 5, after: null }], 100);
    const children = [...(levels[0]?.get(root.id) ?? []), ...[...(levels[1]?.values() ?? [])].flat()].map((r) => r.node);
    const stored = await findWorkspacesByIds(database.db, children.map((c) => c.id));
    for (const child of children) {
      const expected = stored.get(child.id);
      expect(pick(child)).toEqual(expected && pick(expected));
    }
  });

  it('reads no more than maxRows rows', async () => {
    const page = { first: 5, after: null };
    const { rows } = await listChildLevels(database.db, [root], [page, page], 4);
    expect(rows).toBe(4);
  });
});

function pick(w: Workspace) {
  return { id: w.id, tenantId: w.tenantId, parentId: w.parentId, name: w.name, depth: w.depth, isRoot: w.isRoot, createdAt: w.createdAt, updatedAt: w.updatedAt };
}
