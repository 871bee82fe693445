import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../../migrations/index.js';
import { migrate } from '../../../src/infra/db/migrator.js';
import { upsertUserFromIdentity } from '../../../src/users/user.repository.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';

describe('user keys (migration 0004 and provisioning)', () => {
  let database: TestDatabase;
  const keysOf = async (id: string) =>
    (await database.pool.query('SELECT username_key, name_key, email_key FROM users WHERE id = $1', [id])).rows[0] as Record<string, string | null>;

  beforeAll(async () => {
    database = await createTestDatabase({ migrateTo: '0003_membership_indexes.sql' });
    await database.pool.query(
      `INSERT INTO users (id, issuer, subject, username, name, email) VALUES
         ('U1', 'i', 'u1', 'Łukasz', 'Łukasz Straße', 'Lukasz@Example.COM'),
         ('U2', 'i', 'u2', 'ｂｏｂ', NULL, NULL)`,
    );
    await migrate(database.pool, MIGRATIONS);
  });
  afterAll(async () => database.drop());

  it('fills the keys of existing users, folded like names', async () => {
    expect(await keysOf('U1')).toEqual({ username_key: 'łukasz', name_key: 'łukasz strasse', email_key: 'lukasz@example.com' });
    expect(await keysOf('U2')).toEqual({ username_key: 'bob', name_key: null, email_key: null });
    await expect(database.pool.query(`INSERT INTO users (id, issuer, subject, username) VALUES ('U3', 'i', 'u3', 'x')`)).rejects.toThrow(/username_key/);
  });

  it('provisioning keeps them in step with the profile', async () => {
    const identity = { issuer: 'https://idp.test', subject: 's', username: 'Zoë', name: 'Zoë Q', email: 'ZOE@example.com' };
    const user = await upsertUserFromIdentity(database.db, identity);
    expect(await keysOf(user.id)).toEqual({ username_key: 'zoë', name_key: 'zoë q', email_key: 'zoe@example.com' });
    await upsertUserFromIdentity(database.db, { ...identity, email: 'Zoe.Q@Example.com', name: null });
    expect(await keysOf(user.id)).toEqual({ username_key: 'zoë', name_key: null, email_key: 'zoe.q@example.com' });
  });
});
