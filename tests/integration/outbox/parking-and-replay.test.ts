import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runOutboxCommand } from '../../../src/cli/outbox-command.js';
import { readSchemaFile } from '../../../src/infra/spicedb/connect.js';
import { ref, tupleKey, type Tuple, type TupleUpdate } from '../../../src/infra/spicedb/relationships.js';
import type { SpiceDb } from '../../../src/infra/spicedb/spicedb.js';
import { listParked, replayAllParked, replayParked, ReplayError } from '../../../src/outbox/parked-events.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';
import { OutboxScenario } from '../../support/outbox-scenario.js';
import { captureLogger, pendingCount, spiceDbTuples, startRelayProcess, statusCounts, type RelayProcess } from '../../support/outbox-relay.js';
import { startTestSpiceDb } from '../../support/spicedb.js';
import { waitFor } from '../../support/wait-for.js';

// `auditor` is not in schema.zed: SpiceDB refuses it (FailedPrecondition) until the schema gains it.
const X: Tuple = { resource: ref('tenant', 'T'), relation: 'member', subject: ref('user', 'A') };
const Y: Tuple = { resource: ref('tenant', 'T'), relation: 'member', subject: ref('user', 'B') };
const Z: Tuple = { resource: ref('tenant', 'T'), relation: 'auditor', subject: ref('user', 'C') };
const W: Tuple = { resource: ref('tenant', 'T'), relation: 'auditor', subject: ref('user', 'D') };
const V: Tuple = { resource: ref('tenant', 'T'), relation: 'admin', subject: ref('user', 'E') };
const touch = (tuple: Tuple): TupleUpdate => ({ op: 'touch', tuple });
const remove = (tuple: Tuple): TupleUpdate => ({ op: 'delete', tuple });

describe('parking and replay', () => {
  let database: TestDatabase;
  let spicedb: SpiceDb;
  let relay: RelayProcess | undefined;

  /** An event carrying explicit updates — the shape replay itself appends — written past the services. */
  async function insertUpdates(updates: TupleUpdate[]): Promise<string> {
    return insertRaw('ReplayOfParked', { type: 'ReplayOfParked', tenantId: 'T', replayOf: '0', updates });
  }

  async function insertRaw(eventType: string, payload: object): Promise<string> {
    const { rows } = await database.pool.query<{ seq: string }>(
      `INSERT INTO outbox (tenant_id, aggregate_type, aggregate_id, event_type, payload)
       VALUES ('T', 'tenant', 'T', $1, $2) RETURNING seq::text`,
      [eventType, JSON.stringify(payload)],
    );
    return rows[0]?.seq ?? '';
  }

  async function statusOf(seq: string): Promise<{ status: string; attempts: number; last_error: string | null; replay_of: string | null }> {
    const { rows } = await database.pool.query('SELECT status, attempts, last_error, replay_of::text FROM outbox WHERE seq = $1', [seq]);
    return rows[0] as { status: string; attempts: number; last_error: string | null; replay_of: string | null };
  }

  async function settled(): Promise<void> {
    await waitFor(async () => (await pendingCount(database.pool)) === 0, { message: 'nothing pending' });
  }

  beforeEach(async () => {
    database = await createTestDatabase();
    spicedb = await startTestSpiceDb();
  });
  afterEach(async () => {
    await relay?.close();
    relay = undefined;
    spicedb.close();
    await database.drop();
  });

  it('parks a poisoned event after N attempts, logs it once, and applies the events behind it', async () => {
    const scenario = new OutboxScenario(database.db);
    const before = await scenario.mixedHistory(1);
    const unknown = await insertRaw('SomethingNew', { type: 'SomethingNew' });
    const undefinedRelation = await insertUpdates([touch(Z)]);
    const after = await scenario.mixedHistory(1);
    const { logger, lines } = captureLogger();
    relay = await startRelayProcess({ url: database.url, spicedb, logger, maxAttempts: 3 });
    await waitFor(async () => (await statusCounts(database.pool)).parked === 2 && (await pendingCount(database.pool)) === 0, {
      message: 'two parked, nothing pending',
    });

    expect(await statusOf(unknown)).toMatchObject({ status: 'parked', attempts: 3, last_error: 'unknown event type SomethingNew' });
    const poisoned = await statusOf(undefinedRelation);
    expect(poisoned).toMatchObject({ status: 'parked', attempts: 3 });
    expect(poisoned.last_error).toMatch(/FailedPrecondition.*auditor/);
    expect(await statusCounts(database.pool)).toEqual({ applied: before.seqs.length + after.seqs.length, parked: 2 });

    const parkedLogs = lines.filter((l) => l.msg.startsWith('outbox event parked'));
    expect(parkedLogs.map((l) => [l.level, l.seq, l.attempts])).toEqual([
      [50, unknown, 3],
      [50, undefinedRelation, 3],
    ]);
    const retries = lines.filter((l) => l.msg === 'outbox event failed; retry scheduled');
    expect(retries.map((l) => [l.level, l.seq, l.attempts])).toEqual([
      [40, unknown, 1],
      [40, unknown, 2],
      [40, undefinedRelation, 1],
      [40, undefinedRelation, 2],
    ]);
    expect(relay.relay.stats()).toMatchObject({ parked: 2, permanentFailures: 6, transientFailures: 0 });
    expect((await listParked(database.db)).map((p) => p.seq)).toEqual([unknown, undefinedRelation]);
    await expect(replayParked(database.db, unknown)).rejects.toThrow(ReplayError);
  });

  it('replays only what later events do not decide, so nothing a later event deleted comes back', async () => {
    const p1 = await insertUpdates([touch(X), touch(Y), touch(Z)]);
    const l1 = await insertUpdates([remove(X)]);
    const p2 = await insertUpdates([remove(Y), touch(W)]);
    const l2 = await insertUpdates([touch(V)]);
    relay = await startRelayProcess({ url: database.url, spicedb, maxAttempts: 2 });
    await waitFor(async () => (await statusCounts(database.pool)).parked === 2 && (await pendingCount(database.pool)) === 0, {
      message: 'parked and drained',
    });
    expect([(await statusOf(l1)).status, (await statusOf(l2)).status]).toEqual(['applied', 'applied']);
    expect(await spiceDbTuples(spicedb)).toEqual([tupleKey(V)]);

    // The operator fixes the cause (here: the schema gains the relation), then replays.
    const schema = await readSchemaFile();
    const fixed = schema.replace('relation member: user | user with expiration\n', 'relation member: user | user with expiration\n    relation auditor: user\n');
    expect(fixed).not.toBe(schema);
    await spicedb.writeSchema(fixed);
    await expect(replayParked(database.db, l1)).rejects.toThrow(/is applied, not parked/);

    const results = await replayAllParked(database.db);
    expect(results).toEqual([
      // X is deleted later (l1), Y deleted later by the parked p2: both dropped; only Z is still p1's to decide.
      { seq: p1, replaySeq: expect.any(String), kept: 1, dropped: 2 },
      { seq: p2, replaySeq: expect.any(String), kept: 2, dropped: 0 },
    ]);
    const [first, second] = results;
    expect(BigInt(first?.replaySeq ?? 0)).toBeGreaterThan(BigInt(l2));
    expect(BigInt(second?.replaySeq ?? 0)).toBeGreaterThan(BigInt(first?.replaySeq ?? 0));
    expect(await statusOf(p1)).toMatchObject({ status: 'replayed' });
    expect(await statusOf(first?.replaySeq ?? '')).toMatchObject({ replay_of: p1 });

    await settled();
    expect(await statusCounts(database.pool)).toEqual({ applied: 4, replayed: 2 });
    // The same final state as applying p1, l1, p2, l2 in order with the fixed schema.
    expect(await spiceDbTuples(spicedb)).toEqual([tupleKey(V), tupleKey(W), tupleKey(Z)].sort());
  });

  it('operators list and replay parked events with the outbox command', async () => {
    const parked = await insertUpdates([touch(Z)]);
    await database.pool.query(`UPDATE outbox SET status = 'parked', attempts = 8, last_error = 'boom' WHERE seq = $1`, [parked]);
    const run = async (...args: string[]): Promise<{ code: number; out: string[]; err: string[] }> => {
      const out: string[] = [];
      const err: string[] = [];
      const code = await runOutboxCommand(args, database.url, { log: (l) => out.push(l), error: (l) => err.push(l) });
      return { code, out, err };
    };

    const listed = await run('list-parked');
    expect(listed.code).toBe(0);
    expect(listed.out).toHaveLength(1);
    expect(listed.out[0]).toMatch(new RegExp(`^${parked}\\t\\S+\\tT\\tReplayOfParked\\tattempts=8\\tboom$`));
    const replayed = await run('replay', '--all');
    expect(replayed.out).toEqual([expect.stringMatching(new RegExp(`^event ${parked} replayed: re-appended 1 update\\(s\\) as event \\d+`))]);
    expect(await statusOf(parked)).toMatchObject({ status: 'replayed' });
    expect(await run('replay', parked)).toMatchObject({ code: 1, err: [`outbox event ${parked} is replayed, not parked`] });
    expect(await run('replay', 'nonsense')).toMatchObject({ code: 2 });
    expect(await run('list-parked')).toMatchObject({ code: 0, out: ['no parked events'] });
  });
});
