import { inject } from 'vitest';
import pg from 'pg';
import { ulid } from 'ulid';
import { createDatabase, type DatabaseHandles } from '../../src/infra/db/database.js';
import { migrate } from '../../src/infra/db/migrator.js';
import { MIGRATIONS } from '../../migrations/index.js';

export interface TestDatabase extends DatabaseHandles {
  url: string;
  pool: pg.Pool;
  /** Closes every pool and drops the database. */
  drop(): Promise<void>;
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/**
 * A fresh, migrated database of its own for one test file, on the run's PostgreSQL server;
 * `migrateTo` stops at an older schema (migration tests).
 */
export async function createTestDatabase(options: { migrateTo?: string } = {}): Promise<TestDatabase> {
  const adminUrl = inject('pgAdminUrl');
  const name = `iam_test_${ulid().toLowerCase()}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = withDatabase(adminUrl, name);
  const handles = createDatabase(url, undefined, 10);
  const pool = handles.pools[0];
  if (!pool) throw new Error('no pool');
  await migrate(pool, MIGRATIONS, options.migrateTo === undefined ? {} : { target: options.migrateTo });
  return {
    ...handles,
    url,
    pool,
    async drop() {
      await handles.close();
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}

/**
 * Terminates every session connected to `databaseName` (pools, LISTEN, relay, an embedded SpiceDB's
 * datastore), as a PostgreSQL restart or failover would; returns how many. `observer` must be
 * connected to another database. Two statements: in one, the planner may terminate before filtering.
 */
export async function terminateSessions(observer: pg.Client, databaseName: string): Promise<number> {
  const sessions = await observer.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = $1', [databaseName]);
  const pids = sessions.rows.map((r) => r.pid);
  await observer.query('SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid', [pids]);
  return pids.length;
}
