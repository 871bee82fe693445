import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SpiceDb } from '../../../src/infra/spicedb/spicedb.js';
import type { TupleUpdate } from '../../../src/infra/spicedb/relationships.js';
import { runWithCounters } from '../../../src/shared/request-counters.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';
import { OutboxScenario } from '../../support/outbox-scenario.js';
import {
  captureLogger,
  expectedWrites,
  pendingCount,
  postgresTuples,
  recordingSpiceDb,
  spiceDbTuples,
  startRelayProcess,
  type RelayProcess,
} from '../../support/outbox-relay.js';
import { startTestSpiceDb } from '../../support/spicedb.js';
import { waitFor } from '../../support/wait-for.js';

describe('outbox relay', () => {
  let database: TestDatabase;
  let spicedb: SpiceDb;
  let scenario: OutboxScenario;
  const processes: RelayProcess[] = [];

  beforeEach(async () => {
    database = await createTestDatabase();
    spicedb = await startTestSpiceDb();
    scenario = new OutboxScenario(database.db);
  });
  afterEach(async () => {
    for (const p of processes.splice(0)) await p.close();
    spicedb.close();
    await database.drop();
  });

  it('applies events in seq order, one WriteRelationships per event, and records the newest token', async () => {
    const history = await scenario.mixedHistory();
    const recorder = recordingSpiceDb(spicedb);
    const p = await startRelayProcess({ url: database.url, spicedb: recorder, start: false });
    processes.push(p);

    const counters = { sql: 0, spicedb: 0 };
    const settled = await runWithCounters(counters, () => p.relay.drain());

    expect(settled).toBe(history.seqs.length);
    const expected = await expectedWrites(database.pool);
    expect(recorder.calls).toEqual(expected);
    expect(counters.spicedb).toBe(expected.length);

    const rows = await database.pool.query<{ seq: string; status: string; zed_token: string | null; event_type: string }>(
      'SELECT seq::text, status, zed_token, event_type FROM outbox ORDER BY outbox.seq',
    );
    expect(rows.rows.every((r) => r.status === 'applied')).toBe(true);
    // Events without relationship changes are settled without a SpiceDB call, hence without a token.
    const silent = rows.rows.filter((r) => r.event_type === 'TenantCreated' || r.event_type === 'WorkspaceRenamed');
    expect(silent.length).toBeGreaterThan(0);
    expect(silent.every((r) => r.zed_token === null)).toBe(true);
    expect(rows.rows.filter((r) => r.zed_token !== null).map((r) => r.zed_token)).toEqual(recorder.tokens);

    const state = await database.pool.query<{ zed_token: string; applied_seq: string }>('SELECT zed_token, applied_seq::text FROM authz_state');
    expect(state.rows[0]).toEqual({ zed_token: recorder.tokens.at(-1), applied_seq: history.seqs.at(-1) });
    expect(await spiceDbTuples(spicedb)).toEqual(await postgresTuples(database.db));
  });

  it('is woken by NOTIFY at once instead of waiting for its poll interval', async () => {
    const p = await startRelayProcess({ url: database.url, spicedb, pollIntervalMs: 60_000 });
    processes.push(p);
    await waitFor(() => p.relay.isLeader, { message: 'leadership' });
    await new Promise((resolve) => setTimeout(resolve, 100)); // the first (empty) batch is done; it now sleeps

    const started = Date.now();
    const user = await scenario.user();
    await scenario.tenant(user);
    await waitFor(async () => (await pendingCount(database.pool)) === 0, { timeoutMs: 5000, message: 'events applied' });
    expect(Date.now() - started).toBeLessThan(1500);
    expect(await spiceDbTuples(spicedb)).toEqual(await postgresTuples(database.db));
  });

  it('stop() lets the event in flight finish, marks it, and releases leadership', async () => {
    const user = await scenario.user();
    await scenario.tenant(user); // 3 events with updates follow TenantCreated
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let writes = 0;
    const slow = {
      async write(updates: TupleUpdate[]) {
        writes += 1;
        await gate;
        return spicedb.write(updates);
      },
    };
    const { logger, lines } = captureLogger();
    const p = await startRelayProcess({ url: database.url, spicedb: slow, logger });
    await waitFor(() => writes === 1, { message: 'first write in flight' });

    const stopped = p.close();
    release();
    await stopped;

    const statuses = await database.pool.query<{ status: string }>('SELECT status FROM outbox ORDER BY seq');
    expect(statuses.rows.map((r) => r.status)).toEqual(['applied', 'applied', 'pending', 'pending']);
    expect(writes).toBe(1);
    const locks = await database.pool.query(`SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted`);
    expect(locks.rowCount).toBe(0);
    expect(lines.some((l) => l.component === 'outbox-relay' && l.msg === 'outbox relay leadership acquired')).toBe(true);
    expect(lines.some((l) => l.component === 'outbox-relay' && l.msg === 'outbox relay leadership released')).toBe(true);
  });
});
