import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.js';
import { startRuntime, type Runtime } from '../../../src/runtime.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';
import { captureLogs, type CapturedLogs } from '../../support/logs.js';
import { postgresTuples, spiceDbTuples } from '../../support/outbox-relay.js';

/*
 * The embedded SpiceDB's PostgreSQL datastore keeps what the relay applied, so a restart needs no
 * rebuild (start-up time does not grow with the data); a datastore not seen before is reconciled
 * with PostgreSQL before the service serves.
 */
describe('start-up on the PostgreSQL datastore', () => {
  let database: TestDatabase;

  const start = async (): Promise<{ runtime: Runtime; logs: CapturedLogs }> => {
    const logs = captureLogs('info');
    const config = loadConfig({ NODE_ENV: 'test', PORT: '0', DATABASE_URL: database.url, LOG_LEVEL: 'info', OUTBOX_POLL_INTERVAL_MS: '200' });
    return { runtime: await startRuntime(config, logs.logger), logs };
  };
  const events = (logs: CapturedLogs): unknown[] => logs.lines.map((l) => l.event).filter((e) => e === 'spicedb_reconciled' || e === 'spicedb_datastore_known');

  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => database.drop());

  it('reconciles a new datastore, trusts a known one, and reconciles one that was replaced', async () => {
    const first = await start();
    expect(events(first.logs)).toEqual(['spicedb_reconciled']);
    await first.runtime.stop();

    const second = await start();
    expect(events(second.logs)).toEqual(['spicedb_datastore_known']);
    expect(await spiceDbTuples(second.runtime.spicedb)).toEqual(await postgresTuples(database.db));
    await second.runtime.stop();

    // Someone wipes SpiceDB's tables (or restores another backup of them): a new, empty datastore.
    await database.pool.query('DROP SCHEMA spicedb CASCADE');
    const third = await start();
    expect(events(third.logs)).toEqual(['spicedb_reconciled']);
    expect(await spiceDbTuples(third.runtime.spicedb)).toEqual(await postgresTuples(database.db));
    await third.runtime.stop();
  });
});
