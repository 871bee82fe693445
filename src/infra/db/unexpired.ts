import { sql, type RawBuilder } from 'kysely';

/**
 * The one test every read of an expiring row applies (issue 20): a grant, group membership or
 * tenant membership whose `expires_at` has passed by the database's clock counts as absent until
 * the sweeper deletes it. `now()` is the transaction's start, one instant for the whole statement;
 * SpiceDB's datastore shares this clock.
 */
export function unexpired(column: string): RawBuilder<boolean> {
  const ref = sql.ref(column);
  return sql<boolean>`(${ref} IS NULL OR ${ref} > now())`;
}
