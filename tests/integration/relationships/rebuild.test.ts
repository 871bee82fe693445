import { daysFromNow } from '../../../src/api-keys/api-key.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ulid } from 'ulid';
import type { SpiceDb } from '../../../src/infra/spicedb/spicedb.js';
import { rebuildSpiceDb, REBUILD_CHUNK_SIZE } from '../../../src/relationships/rebuild.js';
import { runWithCounters } from '../../../src/shared/request-counters.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';
import { OutboxScenario } from '../../support/outbox-scenario.js';
import { captureLogger, postgresTuples, spiceDbTuples, startRelayProcess, statusCounts } from '../../support/outbox-relay.js';
import { startTestSpiceDb } from '../../support/spicedb.js';

describe('rebuildSpiceDb', () => {
  let database: TestDatabase;
  const spicedbs: SpiceDb[] = [];
  const silent = captureLogger('silent').logger;

  async function freshSpiceDb(): Promise<SpiceDb> {
    const spicedb = await startTestSpiceDb();
    spicedbs.push(spicedb);
    return spicedb;
  }

  /** Applies every pending event to `spicedb` the way production does. */
  async function relayInto(spicedb: SpiceDb): Promise<void> {
    const p = await startRelayProcess({ url: database.url, spicedb, start: false });
    await p.relay.drain();
    await p.close();
  }

  beforeEach(async () => {
    database = await createTestDatabase();
  });
  afterEach(async () => {
    for (const s of spicedbs.splice(0)) s.close();
    await database.drop();
  });

  it('writes exactly the relationships the events produce', async () => {
    const scenario = new OutboxScenario(database.db);
    await scenario.mixedHistory();
    await scenario.mixedHistory(3);

    const rebuilt = await freshSpiceDb();
    const result = await rebuildSpiceDb(database.db, rebuilt, silent);

    const fromEvents = await freshSpiceDb();
    await relayInto(fromEvents);
    const expected = await spiceDbTuples(fromEvents);
    expect(expected.length).toBeGreaterThan(10);
    expect(await spiceDbTuples(rebuilt)).toEqual(expected);
    expect(result).toMatchObject({ relationships: expected.length, skipped: 0, zedToken: expect.any(String) });
  });

  it('agrees with the relay on access management: groups, role changes, grants to groups, a member leaving', async () => {
    const scenario = new OutboxScenario(database.db);
    await scenario.accessHistory();
    const fromEvents = await freshSpiceDb();
    await relayInto(fromEvents);
    const rebuilt = await freshSpiceDb();
    await rebuildSpiceDb(database.db, rebuilt, silent);
    const expected = await postgresTuples(database.db);
    expect(expected.some((k) => k.startsWith('group:') && k.includes('#direct_member@'))).toBe(true);
    expect(expected.some((k) => k.includes('@group:') && k.endsWith('#member'))).toBe(true);
    expect(await spiceDbTuples(fromEvents)).toEqual(expected);
    expect(await spiceDbTuples(rebuilt)).toEqual(expected);
  });

  it('stores its own token, or none when there is nothing to write', async () => {
    const empty = await rebuildSpiceDb(database.db, await freshSpiceDb(), silent);
    expect(empty).toEqual({ relationships: 0, zedToken: null, skipped: 0 });
    expect((await database.pool.query('SELECT zed_token FROM authz_state')).rows[0]).toEqual({ zed_token: null });

    const scenario = new OutboxScenario(database.db);
    await scenario.tenant(await scenario.user());
    const result = await rebuildSpiceDb(database.db, await freshSpiceDb(), silent);
    expect((await database.pool.query('SELECT zed_token FROM authz_state')).rows[0]).toEqual({ zed_token: result.zedToken });
  });

  it('ends in the same state when the pending events are applied after it', async () => {
    const scenario = new OutboxScenario(database.db);
    await scenario.mixedHistory(5);
    const spicedb = await freshSpiceDb();
    await rebuildSpiceDb(database.db, spicedb, silent);
    await relayInto(spicedb); // every event was still pending: the whole history replays over the rebuild
    expect(await statusCounts(database.pool)).toEqual({ applied: expect.any(Number) });
    expect(await spiceDbTuples(spicedb)).toEqual(await postgresTuples(database.db));
  });

  it('covers groups and group subjects, and writes at most 1000 updates per call', async () => {
    const scenario = new OutboxScenario(database.db);
    const admin = await scenario.user();
    const member = await scenario.user();
    const { tenantId, rootId } = await scenario.tenant(admin);
    const groupId = ulid();
    await database.db.insertInto('groups').values({ id: groupId, tenant_id: tenantId, name: 'g', name_key: 'g' }).execute();
    await database.db
      .insertInto('group_members')
      .values([
        { group_id: groupId, user_id: admin, role: 'admin' },
        { group_id: groupId, user_id: member, role: 'member' },
      ])
      .execute();
    await database.db.insertInto('workspace_members').values({ workspace_id: rootId, user_id: null, group_id: groupId, role: 'editor' }).execute();
    await database.db
      .insertInto('api_keys')
      .values(Array.from({ length: 1100 }, (_, i) => ({ id: ulid(), tenant_id: tenantId, owner_user_id: admin, name: `k${i}`, name_key: `k${i}`, prefix: 'karto_x', secret_sha256: Buffer.alloc(32), expires_at: daysFromNow(30) })))
      .execute();

    const spicedb = await freshSpiceDb();
    const counters = { sql: 0, spicedb: 0 };
    const result = await runWithCounters(counters, () => rebuildSpiceDb(database.db, spicedb, silent));

    const tuples = await spiceDbTuples(spicedb);
    expect(tuples).toEqual(await postgresTuples(database.db));
    expect(tuples).toEqual(
      expect.arrayContaining([
        `group:${groupId}#tenant@tenant:${tenantId}`,
        `group:${groupId}#admin@user:${admin}`,
        `group:${groupId}#direct_member@user:${member}`,
        `workspace:${rootId}#editor@group:${groupId}#member`,
        `workspace:${rootId}#creator_tenant@tenant:${tenantId}`,
      ]),
    );
    expect(result.relationships).toBe(tuples.length);
    expect(tuples.length).toBeGreaterThan(2 * REBUILD_CHUNK_SIZE);
    expect(counters.spicedb).toBe(Math.ceil(tuples.length / REBUILD_CHUNK_SIZE));
  });

  it('skips a relationship SpiceDB rejects instead of failing the whole start-up', async () => {
    const scenario = new OutboxScenario(database.db);
    const admin = await scenario.user();
    const { tenantId } = await scenario.tenant(admin);
    // Not a valid SpiceDB object id; PostgreSQL has no opinion about it.
    await database.db.insertInto('users').values({ id: 'not valid!', issuer: 'x', subject: 'x', username: 'x', username_key: 'x' }).execute();
    await database.db.insertInto('tenant_members').values({ tenant_id: tenantId, user_id: 'not valid!', role: 'member' }).execute();

    const { logger, lines } = captureLogger();
    const spicedb = await freshSpiceDb();
    const result = await rebuildSpiceDb(database.db, spicedb, logger);

    expect(result.skipped).toBe(1);
    const wanted = (await postgresTuples(database.db)).filter((t) => !t.includes('not valid!'));
    expect(await spiceDbTuples(spicedb)).toEqual(wanted);
    expect(lines.filter((l) => l.level === 50).map((l) => l.relationship)).toEqual([`tenant:${tenantId}#member@user:not valid!`]);
  });
});
