import { createHash } from 'node:crypto';
import type pg from 'pg';
import { rawTimestamptz } from './timestamp-parser.js';

/**
 * Statements whose text begins with this comment run as named prepared statements: PostgreSQL
 * parses and plans them once per connection instead of at every execution. Planning alone was
 * ~1.5 ms of PostgreSQL CPU for a `children` level of 100 parents. For hot statements with a fixed
 * text (array parameters, not `IN` lists) that name their columns: a prepared `SELECT *` would
 * fail with "cached plan must not change result type" once a migration adds a column.
 */
export const PREPARED = '/* prepared */';
/**
 * As PREPARED, and timestamptz values stay text as PostgreSQL printed them: for rows whose
 * timestamps are rarely read, parsed on first read instead (StoredWorkspace: trees and listings).
 */
export const PREPARED_RAW_TIMESTAMPS = '/* prepared, raw timestamptz */';

const names = new Map<string, string>();

function nameOf(text: string): string {
  let name = names.get(text);
  if (!name) {
    name = `p_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`;
    names.set(text, name);
  }
  return name;
}

type Query = (config: unknown, values?: unknown, callback?: unknown) => unknown;

/** Makes the pool's clients run PREPARED statements as named ones (Kysely passes text and values). */
export function usePreparedStatements(pool: pg.Pool): void {
  pool.on('connect', (client) => {
    const target = client as unknown as { query: Query };
    const query = target.query.bind(client);
    target.query = (config, values, callback) => {
      if (typeof config !== 'string' || !Array.isArray(values) || callback !== undefined) return query(config, values, callback);
      if (config.startsWith(PREPARED)) return query({ name: nameOf(config), text: config, values });
      if (config.startsWith(PREPARED_RAW_TIMESTAMPS)) return query({ name: nameOf(config), text: config, values, types: rawTimestamptz });
      return query(config, values);
    };
  });
}
