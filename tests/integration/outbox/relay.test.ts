import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ADVISORY_LOCKS } from '../../../src/infra/db/advisory-locks.js';
import type { SpiceDb } from '../../../src/infra/spicedb/spicedb.js';
import type { TupleUpdate } from '../../../src/infra/spicedb/relationships.js';
import { runWithCounters } from '../../../src/shared/request-counters.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';
import { OutboxScenario } from '../../support/outbox-scenario.js';
import {
  captureLogger,
  expectedUpdates,
  wellFormedCalls,
  writtenUpdates,
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

  it('applies events in seq order, consecutive ones together in one WriteRelationships, and records the newest token', async () => {
    const history = await scenario.mixedHistory();
    const recorder = recordingSpiceDb(spicedb);
    const p = await startRelayProcess({ url: database.url, spicedb: recorder, start: false });
    processes.push(p);

    const counters = { sql: 0, spicedb: 0 };
    const settled = await runWithCounters(counters, () => p.relay.drain());

    expect(settled).toBe(history.seqs.length);
    // The same updates in the same order as one call per event would make, in fewer calls.
    expect(writtenUpdates(recorder.calls)).toEqual(await expectedUpdates(database.pool));
    expect(wellFormedCalls(recorder.calls)).toBe(true);
    const withUpdates = history.seqs.length - 2; // mixedHistory has a TenantCreated and a WorkspaceRenamed
    expect(recorder.calls.length).toBeLessThan(withUpdates);
    expect(counters.spicedb).toBe(recorder.calls.length);

    const rows = await database.pool.query<{ seq: string; status: string; zed_token: string | null; event_type: string }>(
      'SELECT seq::text, status, zed_token, event_type FROM outbox ORDER BY outbox.seq',
    );
    expect(rows.rows.every((r) => r.status === 'applied')).toBe(true);
    // Events written together share their call's token (one without updates, alone, gets none).
    const tokens = rows.rows.filter((r) => r.zed_token !== null).map((r) => r.zed_token);
    expect(tokens.filter((t, i) => t !== tokens[i - 1])).toEqual(recorder.tokens);

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

  it('stop() lets the write in flight finish, marks its events, and releases leadership', async () => {
    const user = await scenario.user();
    await scenario.tenant(user); // 3 events with updates follow TenantCreated
    await scenario.tenant(user); // one more tenant: its events repeat no relationship of the first
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
    // The first write carried every event of the batch; nothing was left for a second one.
    expect(statuses.rows.map((r) => r.status)).toEqual(Array(8).fill('applied'));
    expect(writes).toBe(1);
    const locks = await database.pool.query(`SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted`);
    expect(locks.rowCount).toBe(0);
    expect(lines.some((l) => l.component === 'outbox-relay' && l.msg === 'outbox relay leadership acquired')).toBe(true);
    expect(lines.some((l) => l.component === 'outbox-relay' && l.msg === 'outbox relay leadership released')).toBe(true);
  });

  it('writes nothing while a reconcile holds the SpiceDB write lock, and catches up after it', async () => {
    const reconcile = new pg.Client({ connectionString: database.url });
    await reconcile.connect();
    await reconcile.query('SELECT pg_advisory_lock($1)', [ADVISORY_LOCKS.spicedbWrites]);
    const recorder = recordingSpiceDb(spicedb);
    const p = await startRelayProcess({ url: database.url, spicedb: recorder, pollIntervalMs: 50 });
    processes.push(p);
    await waitFor(() => p.relay.isLeader, { message: 'leadership' });

    await scenario.tenant(await scenario.user());
    await new Promise((resolve) => setTimeout(resolve, 400)); // several turns of the relay
    expect(recorder.calls).toEqual([]);
    expect(await pendingCount(database.pool)).toBeGreaterThan(0);

    await reconcile.query('SELECT pg_advisory_unlock($1)', [ADVISORY_LOCKS.spicedbWrites]);
    await reconcile.end();
    await waitFor(async () => (await pendingCount(database.pool)) === 0, { timeoutMs: 5000, message: 'catch-up' });
    expect(await spiceDbTuples(spicedb)).toEqual(await postgresTuples(database.db));
  });
});
