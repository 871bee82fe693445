import type { TestServer } from './server.js';
import { waitFor } from './wait-for.js';

/**
 * Runs `requests` while the test holds a row lock they need, releasing it only once `waiters`
 * backends wait for a lock: every request has passed its checks and stands at the same line, so
 * what follows is a real race decided by PostgreSQL, not by which HTTP request happened to be first.
 */
export async function raceAtLock<T>(server: TestServer, lock: { sql: string; params: unknown[] }, waiters: number, requests: () => Promise<T>): Promise<T> {
  const client = await server.database.pool.connect();
  try {
    await client.query('BEGIN');
    await client.query(lock.sql, lock.params);
    const running = requests();
    await waitFor(
      async () => {
        const { rows } = await server.database.pool.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
        );
        return (rows[0]?.n ?? 0) >= waiters;
      },
      { timeoutMs: 10_000, message: `${waiters} requests waiting for the lock` },
    );
    await client.query('COMMIT');
    return await running;
  } finally {
    client.release();
  }
}
