import type { Db } from '../infra/db/database.js';
import { datastoreIdentity } from '../infra/spicedb/datastore-schema.js';
import type { SpiceDb } from '../infra/spicedb/spicedb.js';
import type { Logger } from '../logger.js';
import { rebuildSpiceDb } from './rebuild.js';
import { reconcileSpiceDb } from './reconcile.js';

export type StartupSync = 'rebuilt' | 'reconciled' | 'unchanged';

/**
 * Brings the embedded SpiceDB in line with PostgreSQL before the service serves:
 * - memory datastore: empty at every start, so it is filled (rebuild.ts);
 * - PostgreSQL datastore: it keeps what the relay applied, so a known datastore needs nothing and
 *   start-up time does not grow with the data; a datastore we have not seen before (first start,
 *   or one replaced or restored apart from our tables) is reconciled with the full diff first,
 *   then recorded in authz_state.
 * Pending outbox events are the relay's, as always.
 */
export async function syncEmbeddedSpiceDb(
  datastore: 'postgres' | 'memory',
  deps: { db: Db; spicedb: SpiceDb; databaseUrl: string; logger: Logger },
): Promise<StartupSync> {
  if (datastore === 'memory') {
    await rebuildSpiceDb(deps.db, deps.spicedb, deps.logger);
    return 'rebuilt';
  }
  const identity = await datastoreIdentity(deps.databaseUrl);
  const state = await deps.db.selectFrom('authz_state').select('spicedb_datastore_id').executeTakeFirst();
  if (identity !== null && state?.spicedb_datastore_id === identity) {
    deps.logger.info({ event: 'spicedb_datastore_known', datastoreId: identity }, 'SpiceDB datastore already in sync through the outbox');
    return 'unchanged';
  }
  await reconcileSpiceDb(deps.db, deps.spicedb, deps.logger, { connectionString: deps.databaseUrl });
  await deps.db.updateTable('authz_state').set({ spicedb_datastore_id: identity }).execute();
  return 'reconciled';
}
