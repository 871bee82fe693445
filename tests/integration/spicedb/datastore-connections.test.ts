import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createLogger } from '../../../src/logger.js';
import { readSchemaFile, startEmbeddedSpiceDbProcess, type EmbeddedSpiceDb } from '../../../src/infra/spicedb/connect.js';
import { createTestDatabase, terminateSessions, type TestDatabase } from '../../support/database.js';

/*
 * The embedded SpiceDB's PostgreSQL datastore shares the service's database, so a PostgreSQL
 * restart, a failover or `pg_terminate_backend` kills SpiceDB's pooled connections too. A call
 * that lands on such a dead connection must be run again, not answered AUTHORIZATION_UNAVAILABLE.
 */
describe('the embedded SpiceDB after its datastore connections were killed', () => {
  let database: TestDatabase;
  let embedded: EmbeddedSpiceDb;
  let observer: pg.Client;
  let name: string;

  const terminateBackends = (): Promise<number> => terminateSessions(observer, name);

  beforeAll(async () => {
    database = await createTestDatabase();
    name = new URL(database.url).pathname.slice(1);
    observer = new pg.Client({ connectionString: inject('pgAdminUrl') });
    await observer.connect();
    embedded = await startEmbeddedSpiceDbProcess({ datastore: 'postgres', databaseUrl: database.url, logger: createLogger('silent') });
    await embedded.spicedb.writeSchema(await readSchemaFile());
  }, 60_000);
  afterAll(async () => {
    await embedded?.process.stop();
    await observer?.end();
    await database?.drop();
  });

  it('answers the first checks after every kill, and writes again', async () => {
    const subject = { type: 'user', id: 'u1' };
    const resource = { type: 'tenant', id: 't1' };
    const token = await embedded.spicedb.write([{ op: 'touch', tuple: { resource, relation: 'admin', subject } }]);
    let killed = 0;
    for (let round = 0; round < 5; round += 1) {
      // Several checks at once keep several pooled connections busy, so that many of them are fresh when killed.
      const warm = await Promise.all(
        Array.from({ length: 8 }, () => embedded.spicedb.checkBulk([{ resource, permission: 'view', subject }], null)),
      );
      expect(warm.flat()).toEqual(Array(8).fill(true));
      killed += await terminateBackends();
      const after = await Promise.all(
        Array.from({ length: 8 }, () => embedded.spicedb.checkBulk([{ resource, permission: 'view', subject }], token)),
      );
      expect(after.flat()).toEqual(Array(8).fill(true));
    }
    expect(killed).toBeGreaterThan(5);
    await embedded.spicedb.write([{ op: 'delete', tuple: { resource, relation: 'admin', subject } }]);
    expect(await embedded.spicedb.checkBulk([{ resource, permission: 'view', subject }], null)).toEqual([false]);
  });
});
