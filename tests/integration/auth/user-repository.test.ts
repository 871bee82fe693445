import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findUserByIdentity, findUsersByIds, upsertUserFromIdentity } from '../../../src/users/user.repository.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';

describe('user repository', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => database.drop());

  const identity = (subject: string, username = 'someone') => ({ issuer: 'https://idp.test', subject, username, name: null, email: null });

  it('provisions exactly one user when the same new subject arrives concurrently', async () => {
    // Concurrent first sights race past each other's snapshot; the loser must still return the winner's row.
    for (let round = 0; round < 5; round++) {
      const users = await Promise.all(Array.from({ length: 8 }, () => upsertUserFromIdentity(database.db, identity(`race-${round}`))));
      expect(new Set(users.map((u) => u.id)).size).toBe(1);
      const count = await database.pool.query('SELECT count(*)::int AS n FROM users WHERE subject = $1', [`race-${round}`]);
      expect(count.rows[0]).toEqual({ n: 1 });
    }
  });

  it('keeps identities apart by issuer and allows duplicate usernames', async () => {
    const a = await upsertUserFromIdentity(database.db, { ...identity('same-sub', 'sam'), issuer: 'https://a.test' });
    const b = await upsertUserFromIdentity(database.db, { ...identity('same-sub', 'sam'), issuer: 'https://b.test' });
    expect(a.id).not.toBe(b.id);
    expect(a.username).toBe(b.username);
    expect(await findUserByIdentity(database.db, 'https://b.test', 'same-sub')).toEqual(b);
    expect(await findUserByIdentity(database.db, 'https://c.test', 'same-sub')).toBeNull();
  });

  it('loads users by id in one query, ignoring unknown and repeated ids', async () => {
    const x = await upsertUserFromIdentity(database.db, identity('x', 'x'));
    const y = await upsertUserFromIdentity(database.db, identity('y', 'y'));
    const found = await findUsersByIds(database.db, [x.id, y.id, x.id, '01ARZ3NDEKTSV4RRFFQ69G5FAV']);
    expect([...found.keys()].sort()).toEqual([x.id, y.id].sort());
    expect(found.get(y.id)).toEqual(y);
    expect(await findUsersByIds(database.db, [])).toEqual(new Map());
  });
});
