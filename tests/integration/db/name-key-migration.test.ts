import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../../migrations/index.js';
import { migrate } from '../../../src/infra/db/migrator.js';
import { nameKey } from '../../../src/shared/names.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';
import { captureLogs } from '../../support/logs.js';

const NAMED_TABLES = ['tenants', 'workspaces', 'groups', 'api_keys'] as const;
const FULLWIDTH_X = 'ｘ'.repeat(255);

/**
 * Rows the schema before 0002 accepted as distinct on any server locale (its lower(name) never
 * equates them) but that are one name under the name key. Each is [table, id, name, created second].
 */
const SEED: [string, string, string, number][] = [
  ['tenants', 'T1', 'École', 1],
  ['tenants', 'T2', 'e\u0301cole', 2], // NFD, lower case: "école (2)" is taken by T3, so it becomes "école (3)"
  ['tenants', 'T3', 'ÉCOLE (2)', 3],
  ['tenants', 'T4', 'Σ', 4],
  ['tenants', 'T5', 'ς', 5],
  ['tenants', 'T6', 'Caf\u00e9', 6],
  ['tenants', 'T7', 'Cafe\u0301', 7],
  ['tenants', 'T8', 'Straße', 9],
  ['tenants', 'T9', 'STRASSE', 8], // older than T8: it keeps its name
  ['workspaces', 'R1', 'Root', 1],
  ['workspaces', 'R4', 'ROOT', 1], // roots of different tenants are not siblings
  ['workspaces', 'W1', 'Team', 2],
  ['workspaces', 'W2', 'Ｔｅａｍ', 3],
  ['workspaces', 'W3', 'TE\u200bAM', 4],
  ['workspaces', 'W4', 'Ｔｅａｍ', 5], // a child of W1: no sibling of W2
  ['workspaces', 'W5', 'Cre\u0300me', 6],
  ['workspaces', 'W6', 'x'.repeat(255), 7],
  ['workspaces', 'W7', FULLWIDTH_X, 8],
  ['groups', 'G1', 'Ops', 1],
  ['groups', 'G2', 'ＯＰＳ', 2],
  ['api_keys', 'K1', 'Deploy', 1],
  ['api_keys', 'K2', 'ｄｅｐｌｏｙ', 2],
  ['api_keys', 'K3', 'ＤＥＰＬＯＹ', 3], // revoked: outside the uniqueness of active keys
  ['api_keys', 'K4', 'ｄｅｐｌｏｙ', 4], // another owner
];

const EXPECTED_NAMES: Record<string, string> = {
  T1: 'École',
  T2: 'école (3)',
  T3: 'ÉCOLE (2)',
  T4: 'Σ',
  T5: 'ς (2)',
  T6: 'Café',
  T7: 'Café (2)',
  T8: 'Straße (2)',
  T9: 'STRASSE',
  R1: 'Root',
  R4: 'ROOT',
  W1: 'Team',
  W2: 'Ｔｅａｍ (2)',
  W3: 'TE\u200bAM (3)',
  W4: 'Ｔｅａｍ',
  W5: 'Crème',
  W6: 'x'.repeat(255),
  W7: `${'ｘ'.repeat(251)} (2)`,
  G1: 'Ops',
  G2: 'ＯＰＳ (2)',
  K1: 'Deploy',
  K2: 'ｄｅｐｌｏｙ (2)',
  K3: 'ＤＥＰＬＯＹ',
  K4: 'ｄｅｐｌｏｙ',
};
const RENAMED = ['T2', 'T5', 'T7', 'T8', 'W2', 'W3', 'W7', 'G2', 'K2'];

describe('migration 0002_name_keys on a database with names that now collide', () => {
  let database: TestDatabase;
  const logs = captureLogs('info');
  let applied: string[];
  let before: Map<string, { name: string; updated_at?: Date }>;

  const rows = async (schema: 'old' | 'new' = 'new') => {
    const all = new Map<string, { name: string; name_key: string; updated_at?: Date }>();
    for (const table of NAMED_TABLES) {
      const columns = `id, name${schema === 'new' ? ', name_key' : ''}${table === 'api_keys' ? '' : ', updated_at'}`;
      for (const row of (await database.pool.query(`SELECT ${columns} FROM ${table}`)).rows) all.set(row.id as string, row);
    }
    return all;
  };

  beforeAll(async () => {
    database = await createTestDatabase({ migrateTo: '0001_init.sql' });
    const q = (text: string, values: unknown[] = []) => database.pool.query(text, values);
    await q(`INSERT INTO users (id, issuer, subject, username) VALUES ('U1', 'i', 'u1', 'u1'), ('U2', 'i', 'u2', 'u2')`);
    const at = (second: number) => new Date(Date.UTC(2024, 0, 1, 0, 0, second));
    for (const [table, id, name, second] of SEED) {
      if (table === 'tenants') await q('INSERT INTO tenants (id, name, created_at, updated_at) VALUES ($1, $2, $3, $3)', [id, name, at(second)]);
    }
    const workspace = (id: string, tenant: string, parent: string | null, depth: number) => {
      const [, , name, second] = SEED.find((s) => s[1] === id) ?? [];
      return q('INSERT INTO workspaces (id, tenant_id, parent_id, name, depth, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6)', [
        id, tenant, parent, name, depth, at(second ?? 0),
      ]);
    };
    await workspace('R1', 'T1', null, 0);
    await workspace('R4', 'T4', null, 0);
    for (const id of ['W1', 'W2', 'W3', 'W5', 'W6', 'W7']) await workspace(id, 'T1', 'R1', 1);
    await workspace('W4', 'T1', 'W1', 2);
    for (const id of ['G1', 'G2']) {
      const [, , name, second] = SEED.find((s) => s[1] === id) ?? [];
      await q('INSERT INTO groups (id, tenant_id, name, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)', [id, 'T1', name, at(second ?? 0)]);
    }
    for (const [id, owner, revoked] of [['K1', 'U1', false], ['K2', 'U1', false], ['K3', 'U1', true], ['K4', 'U2', false]] as const) {
      const [, , name, second] = SEED.find((s) => s[1] === id) ?? [];
      await q(
        `INSERT INTO api_keys (id, tenant_id, owner_user_id, name, prefix, secret_sha256, created_at, revoked_at)
         VALUES ($1, 'T1', $2, $3, 'karto_x', $4, $5, $6)`,
        [id, owner, name, Buffer.alloc(32), at(second ?? 0), revoked ? at(60) : null],
      );
    }
    before = await rows('old');
    applied = await migrate(database.pool, MIGRATIONS, { logger: logs.logger });
  });
  afterAll(async () => database.drop());

  it('applies the rest of the migrations without failing', () => {
    expect(applied).toContain('0002_name_keys');
  });

  it('keeps the oldest name, gives each later one the first free " (n)", and stores names in NFC', async () => {
    const after = await rows();
    expect(Object.fromEntries([...after].map(([id, row]) => [id, row.name]))).toEqual(EXPECTED_NAMES);
    for (const [id, row] of after) {
      expect(row.name_key, id).toBe(nameKey(row.name));
      const previous = before.get(id)?.updated_at;
      // A renamed row says so in updated_at; a row only brought to NFC is the same name and does not.
      if (previous && RENAMED.includes(id)) expect(row.updated_at?.getTime(), id).toBeGreaterThan(previous.getTime());
      if (previous && !RENAMED.includes(id)) expect(row.updated_at, id).toEqual(previous);
    }
  });

  it('logs every rename with the row, both names and the row that kept the name', () => {
    const renames = logs.lines.filter((l) => l.event === 'name_collision_renamed');
    expect(renames.map((l) => l.id).sort()).toEqual([...RENAMED].sort());
    expect(renames.every((l) => l.level === 40)).toBe(true);
    expect(renames.find((l) => l.id === 'T2')).toMatchObject({ table: 'tenants', previousName: 'école', name: 'école (3)', keptId: 'T1' });
    expect(renames.find((l) => l.id === 'K2')).toMatchObject({ table: 'api_keys', previousName: 'ｄｅｐｌｏｙ', name: 'ｄｅｐｌｏｙ (2)', keptId: 'K1' });
  });

  it('then enforces uniqueness on the key, under the constraint names the API maps', async () => {
    const insert = (table: string, columns: string, values: unknown[]) =>
      database.pool.query(`INSERT INTO ${table} (${columns}) VALUES (${values.map((_, i) => `$${i + 1}`).join(', ')})`, values);
    await expect(insert('tenants', 'id, name, name_key', ['T10', 'ÉCOLE', nameKey('ÉCOLE')])).rejects.toMatchObject({ constraint: 'tenants_name_key' });
    await expect(insert('workspaces', 'id, tenant_id, parent_id, name, name_key, depth', ['W8', 'T1', 'R1', 'team', 'team', 1])).rejects.toMatchObject({
      constraint: 'workspaces_sibling_name_key',
    });
    await expect(insert('groups', 'id, tenant_id, name, name_key', ['G3', 'T1', 'ops', 'ops'])).rejects.toMatchObject({ constraint: 'groups_name_key' });
    await expect(
      insert('api_keys', 'id, tenant_id, owner_user_id, name, name_key, prefix, secret_sha256, expires_at', ['K5', 'T1', 'U1', 'deploy', 'deploy', 'karto_x', Buffer.alloc(32), new Date(Date.now() + 86_400_000)]),
    ).rejects.toMatchObject({ constraint: 'api_keys_name_key' });
    await expect(insert('tenants', 'id, name', ['T11', 'No key'])).rejects.toMatchObject({ code: '23502', column: 'name_key' });
  });
});
