import { Kysely, PostgresDialect } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../../src/infra/db/database.js';
import { MAX_PAGE_BRANCHES } from '../../../src/infra/db/page-branches.js';
import { listGroupMembers } from '../../../src/groups/group-member.repository.js';
import { listTenantMembersPage } from '../../../src/tenants/tenant-member.repository.js';
import { listVisibleUsers } from '../../../src/users/user.repository.js';
import { userKeys } from '../../../src/users/user-keys.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';

/*
 * Pages of people (issue 21, goal 5): one ORDER BY … LIMIT per tenant, so a large tenant's page stops
 * after its rows. Each page must still be exactly the first members by (username_key, id) that
 * match, whatever the insertion order, with expired memberships absent, and one statement for any
 * number of tenants.
 */
describe('member pages', () => {
  let database: TestDatabase;
  let db: Kysely<Database>;
  let statements = 0;
  // Usernames: a tie on the key ("Ada"/"ada") is broken by id; inserted against sort order.
  const people: Record<string, { username: string; tenants: string[]; expiredIn?: string }> = {
    U9: { username: 'ada', tenants: ['T1', 'T2'] },
    U8: { username: 'Ada', tenants: ['T1'] },
    U7: { username: 'bob', tenants: ['T1'], expiredIn: 'T1' },
    U6: { username: 'carol', tenants: ['T2'] },
    U5: { username: 'dave', tenants: ['T1', 'T2'] },
    U4: { username: 'Éve', tenants: ['T1'] },
    U3: { username: 'grace', tenants: ['T3'] },
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    const log = () => {
      statements += 1;
    };
    db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: database.pool }), log });
    await database.pool.query(`INSERT INTO tenants (id, name, name_key) VALUES ('T1', 't1', 't1'), ('T2', 't2', 't2'), ('T3', 't3', 't3')`);
    for (const [id, p] of Object.entries(people)) {
      const keys = userKeys({ username: p.username, name: `${p.username} person`, email: null });
      await database.pool.query(
        `INSERT INTO users (id, issuer, subject, username, name, username_key, name_key) VALUES ($1, 'i', $1, $2, $3, $4, $5)`,
        [id, p.username, `${p.username} person`, keys.username_key, keys.name_key],
      );
      for (const t of p.tenants) {
        await database.pool.query(`INSERT INTO tenant_members (tenant_id, user_id, role, expires_at) VALUES ($1, $2, 'member', $3)`, [
          t,
          id,
          p.expiredIn === t ? new Date(Date.now() - 60_000) : null,
        ]);
      }
    }
  });
  afterAll(async () => {
    await database.drop();
  });

  const idsOf = (page: Map<string, { user: { id: string } }[]>) => Object.fromEntries([...page].map(([t, rows]) => [t, rows.map((r) => r.user.id)]));

  it('pages several tenants in one statement, each by (username_key, id), the expired member absent', async () => {
    statements = 0;
    const page = await listTenantMembersPage(db, ['T2', 'T1', 'T3', 'T1'], { page: { first: 3, after: null } });
    expect(statements).toBe(1);
    // first + 1 rows each: one more than the page, to tell whether there is a next page.
    expect(idsOf(page)).toEqual({ T2: ['U9', 'U6', 'U5'], T1: ['U8', 'U9', 'U5', 'U4'], T3: ['U3'] });
  });

  it('pages more tenants than get a branch each (MAX_PAGE_BRANCHES) the same way, still one statement', async () => {
    const others = Array.from({ length: MAX_PAGE_BRANCHES }, (_, i) => `T-none-${i}`);
    statements = 0;
    const page = await listTenantMembersPage(db, ['T2', 'T1', 'T3', ...others], { page: { first: 3, after: null } });
    expect(statements).toBe(1);
    expect(idsOf(page)).toEqual({ T2: ['U9', 'U6', 'U5'], T1: ['U8', 'U9', 'U5', 'U4'], T3: ['U3'], ...Object.fromEntries(others.map((t) => [t, []])) });
    const searched = await listTenantMembersPage(db, ['T1', 'T2', ...others], { page: { first: 5, after: { key: 'ada', id: 'U8' } }, searchKey: 'a' });
    expect(idsOf(searched)).toMatchObject({ T1: ['U9', 'U5'], T2: ['U9', 'U6', 'U5'] });
  });

  it('searches name keys and continues after a cursor', async () => {
    expect(idsOf(await listTenantMembersPage(db, ['T1', 'T2'], { page: { first: 5, after: null }, searchKey: 'a' }))).toEqual({ T1: ['U8', 'U9', 'U5'], T2: ['U9', 'U6', 'U5'] });
    const after = { key: 'ada', id: 'U8' };
    expect(idsOf(await listTenantMembersPage(db, ['T1'], { page: { first: 5, after } }))).toEqual({ T1: ['U9', 'U5', 'U4'] });
  });

  it('group pages: a branch per group or one ranking beyond MAX_PAGE_BRANCHES, the same pages', async () => {
    const groups = Array.from({ length: MAX_PAGE_BRANCHES + 1 }, (_, i) => `G${String(i).padStart(2, '0')}`);
    for (const [i, g] of groups.entries()) {
      await database.pool.query(`INSERT INTO groups (id, tenant_id, name, name_key) VALUES ($1, 'T1', $1, lower($1))`, [g]);
      // Each group: three of the people, rotating, plus bob, whose membership has ended.
      const ids = ['U9', 'U8', 'U5', 'U4'].filter((_, j) => j !== i % 4);
      for (const u of [...ids, 'U7']) {
        await database.pool.query(`INSERT INTO group_members (group_id, user_id, role, expires_at) VALUES ($1, $2, 'member', $3)`, [g, u, u === 'U7' ? new Date(Date.now() - 60_000) : null]);
      }
    }
    const expected = (i: number) => ['U8', 'U9', 'U5', 'U4'].filter((u) => u !== ['U9', 'U8', 'U5', 'U4'][i % 4]).slice(0, 2);
    statements = 0;
    const all = await listGroupMembers(db, groups, { first: 1, after: null });
    const few = await listGroupMembers(db, groups.slice(0, 2), { first: 1, after: null });
    expect(statements).toBe(2);
    expect(idsOf(all)).toEqual(Object.fromEntries(groups.map((g, i) => [g, expected(i)])));
    expect(idsOf(few)).toEqual({ G00: expected(0), G01: expected(1) });
  });

  it('users: the same visible people in the same order with or without a tenant scope', async () => {
    const ids = async (tenantScope?: string) => (await listVisibleUsers(db, { userId: 'U9', tenantScope }, { searchKey: 'person' }, { first: 10, after: null })).map((u) => u.node.id);
    expect(await ids()).toEqual(['U8', 'U9', 'U6', 'U5', 'U4']);
    expect(await ids('T2')).toEqual(['U9', 'U6', 'U5']);
    // A viewer outside the scope's tenant sees only themselves.
    expect(await ids('T3')).toEqual(['U9']);
    statements = 0;
    expect((await listVisibleUsers(db, { userId: 'U3', tenantScope: 'T3' }, {}, { first: 1, after: { key: 'a', id: '' } })).map((u) => u.node.id)).toEqual(['U3']);
    expect(statements).toBe(1);
  });
});
