import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connectRemoteSpiceDb } from '../../../src/infra/spicedb/connect.js';
import { tupleKey } from '../../../src/infra/spicedb/relationships.js';
import type { SpiceDb } from '../../../src/infra/spicedb/spicedb.js';
import { relationshipUpdates } from '../../../src/relationships/event-relationships.js';
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

  it('loses nothing: the next leader re-applies the written-but-unmarked event and finishes the batch in order', async () => {
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
    // The child now hangs between its 5th WriteRelationships and marking that event applied.
    expect(survivor.relay.isLeader).toBe(false);
    const rows = (
      await database.pool.query<{ seq: string; status: string; event_type: string; payload: unknown }>(
        'SELECT seq::text, status, event_type, payload FROM outbox ORDER BY outbox.seq',
      )
    ).rows;
    const written = rows.filter((r) => relationshipUpdates(r.event_type, r.payload).length > 0);
    const interrupted = written[KILL_AFTER_WRITES - 1];
    if (!interrupted) throw new Error('scenario too small');
    // Exactly the events before the interrupted one are marked; it is in SpiceDB but still pending.
    expect(rows.filter((r) => r.status === 'applied').map((r) => r.seq)).toEqual(
      rows.filter((r) => BigInt(r.seq) < BigInt(interrupted.seq)).map((r) => r.seq),
    );
    expect(interrupted.status).toBe('pending');
    const inSpiceDb = new Set(await spiceDbTuples(bridge.spicedb));
    const touched = relationshipUpdates(interrupted.event_type, interrupted.payload).filter((u) => u.op === 'touch');
    expect(touched.length).toBeGreaterThan(0);
    expect(touched.every((u) => inSpiceDb.has(tupleKey(u.tuple)))).toBe(true);

    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    await waitFor(() => survivor?.relay.isLeader, { message: 'takeover by the survivor' });
    await waitFor(async () => (await pendingCount(database.pool)) === 0, { message: 'outbox drained' });
    const statuses = await database.pool.query<{ status: string }>('SELECT DISTINCT status FROM outbox');
    expect(statuses.rows.map((r) => r.status)).toEqual(['applied']);
    expect(await spiceDbTuples(bridge.spicedb)).toEqual(await postgresTuples(database.db));
  });
});
