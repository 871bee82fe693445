import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connectRemoteSpiceDb } from '../../../src/infra/spicedb/connect.js';
import { tupleKey } from '../../../src/infra/spicedb/relationships.js';
import type { SpiceDb } from '../../../src/infra/spicedb/spicedb.js';
import { relationshipUpdates } from '../../../src/events/event-relationships.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';
import { OutboxScenario } from '../../support/outbox-scenario.js';
import { pendingCount, postgresTuples, spiceDbTuples, startRelayProcess, type RelayProcess } from '../../support/outbox-relay.js';
import { startSpiceDbBridge, type SpiceDbBridge } from '../../support/spicedb-grpc-bridge.js';
import { waitFor } from '../../support/wait-for.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const KILL_AFTER_WRITES = 5;

describe('a relay process killed mid-batch', () => {
  let database: TestDatabase;
  let bridge: SpiceDbBridge;
  let remote: SpiceDb;
  let child: ChildProcess | undefined;
  let survivor: RelayProcess | undefined;

  beforeEach(async () => {
    database = await createTestDatabase();
    bridge = await startSpiceDbBridge();
    remote = connectRemoteSpiceDb({ endpoint: bridge.endpoint, token: 'x', insecure: true });
  });
  afterEach(async () => {
    child?.kill('SIGKILL');
    await survivor?.close();
    remote.close();
    await bridge.close();
    await database.drop();
  });

  it('loses nothing: the next leader re-applies the written-but-unmarked events and finishes the batch in order', async () => {
    const scenario = new OutboxScenario(database.db);
    await scenario.mixedHistory(12);

    child = spawn(process.execPath, ['--import', 'tsx', 'tests/support/relay-child.ts'], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: database.url, SPICEDB_ENDPOINT: bridge.endpoint, HANG_AFTER_WRITE: String(KILL_AFTER_WRITES) },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const lines: string[] = [];
    if (child.stdout) createInterface({ input: child.stdout }).on('line', (line) => lines.push(line));
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child?.once('exit', (_code, signal) => resolve(signal)));

    await waitFor(() => lines.some((l) => l.startsWith('leader')), { timeoutMs: 20_000, message: 'child leadership' });
    // A follower in this process, as another server would be.
    survivor = await startRelayProcess({ url: database.url, spicedb: remote });
    await waitFor(() => lines.includes(`wrote ${KILL_AFTER_WRITES}`), { timeoutMs: 20_000, message: 'child writes' });
    // The child now hangs between its 5th WriteRelationships and marking those events applied.
    expect(survivor.relay.isLeader).toBe(false);
    const rows = (
      await database.pool.query<{ seq: string; status: string; event_type: string; payload: unknown }>(
        'SELECT seq::text, status, event_type, payload FROM outbox ORDER BY outbox.seq',
      )
    ).rows;
    // What is marked is a prefix of the outbox; the first pending event with updates was in the hung write.
    const firstPending = rows.findIndex((r) => r.status === 'pending');
    expect(firstPending).toBeGreaterThan(0);
    expect(rows.slice(firstPending).every((r) => r.status === 'pending')).toBe(true);
    const interrupted = rows.slice(firstPending).find((r) => relationshipUpdates(r.event_type, r.payload).length > 0);
    if (!interrupted) throw new Error('scenario too small');
    const inSpiceDb = new Set(await spiceDbTuples(bridge.spicedb));
    const updates = relationshipUpdates(interrupted.event_type, interrupted.payload);
    expect(updates.every((u) => inSpiceDb.has(tupleKey(u.tuple)) === (u.op === 'touch'))).toBe(true);

    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    await waitFor(() => survivor?.relay.isLeader, { message: 'takeover by the survivor' });
    await waitFor(async () => (await pendingCount(database.pool)) === 0, { message: 'outbox drained' });
    const statuses = await database.pool.query<{ status: string }>('SELECT DISTINCT status FROM outbox');
    expect(statuses.rows.map((r) => r.status)).toEqual(['applied']);
    expect(await spiceDbTuples(bridge.spicedb)).toEqual(await postgresTuples(database.db));
  });
});
