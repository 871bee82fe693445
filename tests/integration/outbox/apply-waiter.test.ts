import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { createPool } from '../../../src/infra/db/database.js';
import type { SpiceDb } from '../../../src/infra/spicedb/spicedb.js';
import { createLogger } from '../../../src/logger.js';
import { ApplyWaiter } from '../../../src/outbox/apply-waiter.js';
import { PgNotifier } from '../../../src/infra/db/pg-notifier.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';
import { OutboxScenario } from '../../support/outbox-scenario.js';
import { startRelayProcess, type RelayProcess } from '../../support/outbox-relay.js';
import { startTestSpiceDb } from '../../support/spicedb.js';

/** What a second server process has: its own pool, its own LISTEN connection, its own waiter. */
interface WaitingProcess {
  pool: pg.Pool;
  notifier: PgNotifier;
  waiter: ApplyWaiter;
}

describe('ApplyWaiter', () => {
  let database: TestDatabase;
  let spicedb: SpiceDb;
  let scenario: OutboxScenario;
  const closers: (() => Promise<void>)[] = [];

  async function waitingProcess(options: { listen?: boolean; pollMs?: number } = {}): Promise<WaitingProcess> {
    const pool = createPool(database.url, 2);
    const notifier = new PgNotifier({ connectionString: database.url, logger: createLogger('silent') });
    if (options.listen !== false) await notifier.start();
    const waiter = new ApplyWaiter(pool, notifier, options.pollMs ?? 10_000);
    closers.push(async () => {
      waiter.close();
      await notifier.close();
      await pool.end();
    });
    return { pool, notifier, waiter };
  }

  async function relayProcess(pollIntervalMs = 60_000): Promise<RelayProcess> {
    const p = await startRelayProcess({ url: database.url, spicedb, pollIntervalMs });
    closers.push(() => p.close());
    return p;
  }

  async function someEvents(): Promise<string[]> {
    return (await scenario.tenant(await scenario.user())).seqs;
  }

  beforeEach(async () => {
    database = await createTestDatabase();
    spicedb = await startTestSpiceDb();
    scenario = new OutboxScenario(database.db);
  });
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
    spicedb.close();
    await database.drop();
  });

  it('resolves applied when a relay in another process applies the events, woken by NOTIFY', async () => {
    // Neither side polls within the test's time: only notifications can make this pass quickly.
    await relayProcess(60_000);
    const { waiter } = await waitingProcess({ pollMs: 60_000 });
    const seqs = await someEvents();
    const started = Date.now();
    await expect(waiter.waitFor(seqs, 5000)).resolves.toBe('applied');
    expect(Date.now() - started).toBeLessThan(1500);
    const { rows } = await database.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM outbox WHERE seq = ANY($1::bigint[]) AND status = 'applied'`,
      [seqs],
    );
    expect(rows[0]?.n).toBe(seqs.length);
  });

  it('resolves at once when the events are already applied, and for no events at all', async () => {
    const relay = await relayProcess(60_000);
    const seqs = await someEvents();
    await relay.relay.drain();
    const { waiter } = await waitingProcess({ listen: false, pollMs: 60_000 });
    const started = Date.now();
    await expect(waiter.waitFor(seqs, 5000)).resolves.toBe('applied');
    await expect(waiter.waitFor([], 5000)).resolves.toBe('applied');
    expect(Date.now() - started).toBeLessThan(500);
  });

  it('answers pending when no relay applies the events before the timeout', async () => {
    const { waiter } = await waitingProcess();
    const seqs = await someEvents();
    const started = Date.now();
    await expect(waiter.waitFor(seqs, 300)).resolves.toBe('pending');
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('falls back to polling when its LISTEN connection is down', async () => {
    const { waiter } = await waitingProcess({ listen: false, pollMs: 50 });
    const seqs = await someEvents();
    const waiting = waiter.waitFor(seqs, 5000);
    await relayProcess(60_000);
    await expect(waiting).resolves.toBe('applied');
  });

  it('answers pending without waiting for the timeout once an event is parked', async () => {
    const { waiter } = await waitingProcess();
    const { rows } = await database.pool.query<{ seq: string }>(
      `INSERT INTO outbox (tenant_id, aggregate_type, aggregate_id, event_type, payload)
       VALUES (NULL, 'x', 'x', 'NoSuchEvent', '{"type":"NoSuchEvent"}') RETURNING seq::text`,
    );
    const seq = rows[0]?.seq ?? '';
    const p = await startRelayProcess({ url: database.url, spicedb, maxAttempts: 1 });
    closers.push(() => p.close());
    const started = Date.now();
    await expect(waiter.waitFor([seq], 10_000)).resolves.toBe('pending');
    expect(Date.now() - started).toBeLessThan(3000);
  });
});
