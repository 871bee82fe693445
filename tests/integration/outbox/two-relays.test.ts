import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SpiceDb } from '../../../src/infra/spicedb/spicedb.js';
import { ADVISORY_LOCKS } from '../../../src/infra/db/advisory-locks.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';
import { OutboxScenario } from '../../support/outbox-scenario.js';
import {
  expectedUpdates,
  isOrderedReplay,
  writtenUpdates,
  pendingCount,
  postgresTuples,
  recordingSpiceDb,
  spiceDbTuples,
  startRelayProcess,
  type RecordingSpiceDb,
  type RelayProcess,
} from '../../support/outbox-relay.js';
import { startTestSpiceDb } from '../../support/spicedb.js';
import { waitFor } from '../../support/wait-for.js';

/** Re-applying the event a dead leader never marked repeats it once in a row; nothing else may differ. */
describe('two relays on one database', () => {
  let database: TestDatabase;
  let spicedb: SpiceDb;
  let recorder: RecordingSpiceDb;
  let scenario: OutboxScenario;
  let a: RelayProcess;
  let b: RelayProcess;

  async function lockHolders(): Promise<number[]> {
    const { rows } = await database.pool.query<{ pid: number }>(
      `SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND objid = $1`,
      [ADVISORY_LOCKS.outboxRelay],
    );
    return rows.map((r) => r.pid);
  }

  async function settled(): Promise<void> {
    await waitFor(async () => (await pendingCount(database.pool)) === 0, { message: 'outbox drained' });
  }

  /** Applied in seq order means applied_at never goes backwards along seq. */
  async function appliedInSeqOrder(): Promise<boolean> {
    const { rows } = await database.pool.query<{ ok: boolean }>(
      `SELECT bool_and(applied_at >= prev) IS NOT FALSE AS ok
         FROM (SELECT applied_at, lag(applied_at) OVER (ORDER BY seq) AS prev FROM outbox WHERE status = 'applied') s`,
    );
    return rows[0]?.ok === true;
  }

  beforeEach(async () => {
    database = await createTestDatabase();
    spicedb = await startTestSpiceDb();
    recorder = recordingSpiceDb(spicedb);
    scenario = new OutboxScenario(database.db);
    a = await startRelayProcess({ url: database.url, spicedb: recorder, batchSize: 5 });
    b = await startRelayProcess({ url: database.url, spicedb: recorder, batchSize: 5 });
    await waitFor(() => a.relay.isLeader || b.relay.isLeader, { message: 'a leader' });
  });
  afterEach(async () => {
    await a.close();
    await b.close();
    spicedb.close();
    await database.drop();
  });

  it('elects exactly one leader, which applies every event once and in order', async () => {
    await scenario.mixedHistory();
    await settled();
    await new Promise((resolve) => setTimeout(resolve, 200)); // several poll intervals of the follower
    expect([a.relay.isLeader, b.relay.isLeader].filter(Boolean)).toHaveLength(1);
    expect(await lockHolders()).toHaveLength(1);
    expect(writtenUpdates(recorder.calls)).toEqual(await expectedUpdates(database.pool));
    const { rows } = await database.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM outbox');
    expect([a, b].map((p) => p.relay.stats().applied).sort((x, y) => x - y)).toEqual([0, rows[0]?.n]);
    expect(await spiceDbTuples(spicedb)).toEqual(await postgresTuples(database.db));
  });

  it('hands over to the other relay when the leader stops, losing nothing', async () => {
    await scenario.mixedHistory();
    const [leader, follower] = a.relay.isLeader ? [a, b] : [b, a];
    const stopping = leader.close();
    await scenario.mixedHistory(); // committed while the leader is going away
    await stopping;
    await waitFor(() => follower.relay.isLeader, { message: 'takeover' });
    await scenario.mixedHistory();
    await settled();
    expect(writtenUpdates(recorder.calls)).toEqual(await expectedUpdates(database.pool));
    expect(await appliedInSeqOrder()).toBe(true);
    expect(await spiceDbTuples(spicedb)).toEqual(await postgresTuples(database.db));
  });

  it('takes over when the leader connection is killed mid-stream, losing and reordering nothing', async () => {
    const leader = a.relay.isLeader ? a : b;
    const killedPid = leader.relay.backendPid;
    let writing = true;
    const writer = (async () => {
      while (writing) await scenario.mixedHistory(2);
    })();
    await waitFor(() => recorder.calls.length >= 10, { message: 'relay under way' });
    await database.pool.query('SELECT pg_terminate_backend($1)', [killedPid]);
    await waitFor(async () => {
      const holders = await lockHolders();
      return holders.length === 1 && holders[0] !== killedPid;
    }, { message: 'a new leader session' });
    writing = false;
    await writer;
    await settled();

    expect([a.relay.isLeader, b.relay.isLeader].filter(Boolean)).toHaveLength(1);
    expect(a.relay.stats().leadershipsAcquired + b.relay.stats().leadershipsAcquired).toBe(2);
    // The new leader re-applies what the old one wrote but had not marked; nothing else repeats or moves.
    expect(isOrderedReplay(writtenUpdates(recorder.calls), await expectedUpdates(database.pool))).toBe(true);
    expect(await appliedInSeqOrder()).toBe(true);
    expect(await spiceDbTuples(spicedb)).toEqual(await postgresTuples(database.db));
  });
});
