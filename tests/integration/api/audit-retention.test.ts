import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../../src/shared/ids.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { waitFor } from '../../support/wait-for.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/*
 * The retention purge: run by the relay leader at most daily, by an injectable clock; it removes
 * entries older than AUDIT_RETENTION_DAYS, the one deletion the table allows, and says so in a
 * SYSTEM entry.
 */
describe('audit retention', () => {
  let server: TestServer;
  let offsetMs = 0;
  const clock = () => new Date(Date.now() + offsetMs);

  const insertEntry = async (ageDays: number): Promise<string> => {
    const id = newId();
    await server.database.pool.query(
      `INSERT INTO audit_log (id, occurred_at, tenant_id, action, outcome, via, job, target_type, target_id)
       VALUES ($1, now() - make_interval(days => $2), $3, 'WORKSPACE_CREATED', 'SUCCEEDED', 'SYSTEM', 'test', 'workspace', $1)`,
      [id, ageDays, server.runtime.bootstrap.tenantId],
    );
    return id;
  };
  const exists = async (id: string) => (await server.database.pool.query('SELECT 1 FROM audit_log WHERE id = $1', [id])).rows.length === 1;
  const purges = async () =>
    (await server.database.pool.query<{ via: string; job: string; changes: { field: string; before: string; after: string }[] }>(
      `SELECT via, job, changes FROM audit_log WHERE action = 'AUDIT_LOG_PURGED' ORDER BY occurred_at, id`,
    )).rows;

  beforeAll(async () => {
    server = await startTestServer({ AUDIT_RETENTION_DAYS: '400' }, { clock });
  });
  afterAll(async () => server.stop());

  it('the relay leader runs it once at start, as SYSTEM, and not again within a day', async () => {
    await waitFor(async () => (await purges()).length === 1, 10_000);
    expect(await purges()).toEqual([{ via: 'SYSTEM', job: 'retention', changes: [{ field: 'entries', before: '0', after: '0' }, { field: 'before', before: null, after: expect.any(String) }] }]);
    expect(await server.runtime.services.retention.runIfDue()).toBeNull();
  });

  it('a day later it removes what is older than the retention, keeps the rest, and says how many', async () => {
    const old = [await insertEntry(401), await insertEntry(500)];
    const young = await insertEntry(398);
    // The leader asks again within a minute of its clock; a day later it is due.
    offsetMs = DAY_MS + 1000;
    await waitFor(async () => (await purges()).length === 2, 10_000);
    expect(await Promise.all(old.map(exists))).toEqual([false, false]);
    expect(await exists(young)).toBe(true);
    expect((await purges()).at(-1)?.changes[0]).toEqual({ field: 'entries', before: '2', after: '0' });
    // Not due again the same day, whichever process asks.
    expect(await server.runtime.services.retention.runIfDue()).toBeNull();
    // The clock moves on: the young entry's time comes.
    offsetMs = 2 * DAY_MS + 2000;
    await waitFor(async () => (await purges()).length === 3, 10_000);
    expect((await purges()).at(-1)?.changes[0]).toEqual({ field: 'entries', before: '1', after: '0' });
    expect(await exists(young)).toBe(false);
  });
});
