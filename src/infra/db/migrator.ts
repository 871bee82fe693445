import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type pg from 'pg';
import { ADVISORY_LOCKS } from './advisory-locks.js';
import { createLogger, type Logger } from '../../logger.js';

/**
 * A migration that needs application code, e.g. to compute values PostgreSQL cannot (name keys).
 * It is ordered by name together with the SQL files and recorded in schema_migrations like them.
 */
export interface CodeMigration {
  name: string;
  /** Runs inside the migration's transaction, on the connection that holds the migration lock. */
  up(client: pg.ClientBase, logger: Logger): Promise<void>;
}

/**
 * Every migration of a database: the SQL files of `dir` and the code migrations, handed to the
 * migrator by whoever runs it (migrations/index.ts is the service's), never imported by it.
 */
export interface MigrationSet {
  dir: string;
  code: readonly CodeMigration[];
  /** Names released before numbers were checked that share a number with each other; no other may. */
  sharedNumbers: readonly string[];
}

export interface MigrateOptions {
  logger?: Logger;
  /** Stops after the migration of this name (for tests that need an older schema). */
  target?: string;
}

interface Step {
  name: string;
  run(client: pg.ClientBase): Promise<void>;
}

/**
 * Applies the set's migrations in name order, each in its own transaction. An advisory lock makes
 * concurrent starts of several processes safe: the second waits, then finds nothing to do.
 */
export async function migrate(pool: pg.Pool, migrations: MigrationSet, options: MigrateOptions = {}): Promise<string[]> {
  const logger = options.logger ?? createLogger('silent');
  const steps = await loadSteps(migrations, logger);
  const last = options.target === undefined ? steps.length : steps.findIndex((s) => s.name === options.target) + 1;
  if (last === 0) throw new Error(`Unknown migration ${options.target}`);
  const client = await pool.connect();
  const applied: string[] = [];
  try {
    await client.query('SELECT pg_advisory_lock($1)', [ADVISORY_LOCKS.migrations]);
    await client.query(
      'CREATE TABLE IF NOT EXISTS schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())',
    );
    const done = new Set((await client.query<{ name: string }>('SELECT name FROM schema_migrations')).rows.map((r) => r.name));
    for (const step of steps.slice(0, last)) {
      if (done.has(step.name)) continue;
      await client.query('BEGIN');
      try {
        await step.run(client);
        await client.query('INSERT INTO schema_migrations (name) VALUES ($1)', [step.name]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw new Error(`Migration ${step.name} failed: ${(error as Error).message}`, { cause: error });
      }
      applied.push(step.name);
    }
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [ADVISORY_LOCKS.migrations]).catch(() => undefined);
    client.release();
  }
  return applied;
}

async function loadSteps(migrations: MigrationSet, logger: Logger): Promise<Step[]> {
  const { dir, code } = migrations;
  const files = (await readdir(dir)).filter((f) => f.endsWith('.sql'));
  const steps: Step[] = [
    ...files.map((file) => ({
      name: file,
      async run(client: pg.ClientBase) {
        await client.query(await readFile(path.join(dir, file), 'utf8'));
      },
    })),
    ...code.map((migration) => ({
      name: migration.name,
      run: (client: pg.ClientBase) => migration.up(client, logger.child({ migration: migration.name })),
    })),
  ];
  checkNumbering(
    steps.map((s) => s.name),
    migrations.sharedNumbers,
  );
  return steps.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

const NUMBERED = /^(\d{4})_[a-z0-9_]+(\.sql)?$/;

/**
 * Every migration is named `NNNN_words` (`.sql` for files) and takes a number of its own: the next
 * one of either kind takes the next free number. Two with one number would run in an order only
 * their names decide; a deployment that applied one of them first cannot tell. Throws otherwise.
 */
export function checkNumbering(names: readonly string[], sharedNumbers: readonly string[]): void {
  const byNumber = new Map<string, string[]>();
  for (const name of names) {
    const number = NUMBERED.exec(name)?.[1];
    if (!number) throw new Error(`Migration ${name} is not named NNNN_words (lower case, digits and _)`);
    byNumber.set(number, [...(byNumber.get(number) ?? []), name]);
  }
  const shared = new Set(sharedNumbers);
  for (const [number, sharing] of byNumber) {
    if (sharing.length > 1 && !sharing.every((name) => shared.has(name))) {
      throw new Error(`Two migrations are numbered ${number} (${sharing.sort().join(', ')}): give the newer one the next free number`);
    }
  }
}
