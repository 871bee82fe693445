import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connectRemoteSpiceDb } from '../../../src/infra/spicedb/connect.js';
import type { SpiceDb } from '../../../src/infra/spicedb/spicedb.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';
import { OutboxScenario } from '../../support/outbox-scenario.js';
import {
  captureLogger,
  pendingCount,
  postgresTuples,
  spiceDbTuples,
  startRelayProcess,
  statusCounts,
  type LogLine,
  type RelayProcess,
} from '../../support/outbox-relay.js';
import { startSpiceDbBridge, type SpiceDbBridge } from '../../support/spicedb-grpc-bridge.js';
import { waitFor } from '../../support/wait-for.js';

describe('relay while SpiceDB is unreachable', () => {
  let database: TestDatabase;
  let bridge: SpiceDbBridge;
  let remote: SpiceDb;
  let relay: RelayProcess | undefined;

  beforeEach(async () => {
    database = await createTestDatabase();
    bridge = await startSpiceDbBridge();
    remote = connectRemoteSpiceDb({ endpoint: bridge.endpoint, token: 'x', insecure: true });
  });
  afterEach(async () => {
    await relay?.close();
    remote.close();
    await bridge.close();
    await database.drop();
  });

  it('retries the head event with growing backoff, never parks, and applies everything once SpiceDB is back', async () => {
    await bridge.stop();
    const scenario = new OutboxScenario(database.db);
    const history = await scenario.mixedHistory();
    const backoff = { baseMs: 20, maxMs: 160 };
    const { logger, lines } = captureLogger();
    // maxAttempts 2: were unavailability counted as a failure of the event, it would park at once.
    relay = await startRelayProcess({ url: database.url, spicedb: remote, logger, maxAttempts: 2, backoff });

    const retries = (): LogLine[] => lines.filter((l) => l.msg === 'SpiceDB unavailable; outbox retry scheduled');
    await waitFor(() => retries().length >= 6, { message: 'six retries' });

    const scheduled = retries().slice(0, 6);
    scheduled.forEach((line, i) => {
      const ceiling = Math.min(backoff.maxMs, backoff.baseMs * 2 ** i);
      expect(line).toMatchObject({ level: 40, component: 'outbox-relay', attempts: i + 1, transient: true });
      expect(line.delayMs).toBeGreaterThanOrEqual(ceiling / 2);
      expect(line.delayMs).toBeLessThanOrEqual(ceiling);
    });
    // TenantCreated needs no SpiceDB call and is applied; the next event is the head, and every
    // retry is of that same event: later events wait behind it.
    const headSeq = history.seqs[1];
    expect(new Set(scheduled.map((l) => l.seq)).size).toBe(1);
    expect(scheduled[0]?.seq).toBe(headSeq);

    const head = await database.pool.query<{ status: string; attempts: number; last_error: string }>(
      'SELECT status, attempts, last_error FROM outbox WHERE seq = $1',
      [headSeq],
    );
    expect(head.rows[0]).toMatchObject({ status: 'pending', attempts: 0 });
    expect(head.rows[0]?.last_error).toMatch(/UNAVAILABLE/);
    expect(await statusCounts(database.pool)).toEqual({ applied: 1, pending: history.seqs.length - 1 });

    await bridge.start();
    await waitFor(async () => (await pendingCount(database.pool)) === 0, { message: 'outbox drained' });
    expect(await statusCounts(database.pool)).toEqual({ applied: history.seqs.length });
    expect(relay.relay.stats()).toMatchObject({ parked: 0, permanentFailures: 0 });
    expect(relay.relay.stats().transientFailures).toBeGreaterThanOrEqual(6);
    expect(lines.filter((l) => l.level >= 50)).toEqual([]);
    expect(await spiceDbTuples(bridge.spicedb)).toEqual(await postgresTuples(database.db));
  });
});
