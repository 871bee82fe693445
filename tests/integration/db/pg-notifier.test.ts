import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PgNotifier } from '../../../src/infra/db/pg-notifier.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';
import { captureLogger } from '../../support/outbox-relay.js';
import { waitFor } from '../../support/wait-for.js';

describe('PgNotifier', () => {
  let database: TestDatabase;
  let notifier: PgNotifier;
  const { logger, lines } = captureLogger();

  beforeEach(async () => {
    database = await createTestDatabase();
    notifier = new PgNotifier({ connectionString: database.url, logger, reconnect: { baseMs: 10, maxMs: 50 } });
  });
  afterEach(async () => {
    await notifier.close();
    await database.drop();
  });

  it('delivers to subscribers of each channel, including channels subscribed after connecting', async () => {
    const pending: string[] = [];
    const applied: string[] = [];
    notifier.subscribe('iam_outbox_pending', (payload) => pending.push(payload));
    await notifier.start();
    const unsubscribe = notifier.subscribe('iam_outbox_applied', (payload) => applied.push(payload));
    await waitFor(async () => {
      await database.pool.query(`SELECT pg_notify('iam_outbox_applied', '7')`);
      return applied.length > 0;
    });
    await database.pool.query(`SELECT pg_notify('iam_outbox_pending', '')`);
    await waitFor(() => pending.length === 1, { message: 'pending notification' });
    expect(applied[0]).toBe('7');

    unsubscribe();
    const seen = applied.length;
    await database.pool.query(`SELECT pg_notify('iam_outbox_applied', '8'), pg_notify('iam_outbox_pending', '')`);
    await waitFor(() => pending.length === 2, { message: 'second pending notification' });
    expect(applied).toHaveLength(seen);
    expect(() => notifier.subscribe('bad channel; DROP TABLE outbox', () => undefined)).toThrow(/invalid channel/);
  });

  it('reconnects after its connection is killed, tells subscribers, and listens again', async () => {
    const received: string[] = [];
    let connects = 0;
    notifier.subscribe('iam_outbox_applied', (payload) => received.push(payload));
    notifier.onConnected(() => (connects += 1));
    await notifier.start();
    expect(connects).toBe(1);

    await database.pool.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
        WHERE datname = current_database() AND query LIKE 'LISTEN%' AND pid <> pg_backend_pid()`,
    );
    await waitFor(() => connects === 2, { message: 'reconnect' });
    expect(lines.some((l) => l.msg === 'LISTEN connection lost; reconnecting' && l.level === 40)).toBe(true);

    await database.pool.query(`SELECT pg_notify('iam_outbox_applied', '42')`);
    await waitFor(() => received.includes('42'), { message: 'notification after reconnect' });
    expect(notifier.connected).toBe(true);
  });
});
