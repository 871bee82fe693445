import { loadConfig } from '../config.js';
import { createDatabase } from '../infra/db/database.js';
import { connectRemoteSpiceDb, readSchemaFile, startEmbeddedSpiceDbProcess } from '../infra/spicedb/connect.js';
import type { SpiceDb } from '../infra/spicedb/spicedb.js';
import { createConsoleLogger } from '../logger.js';
import { reconcileSpiceDb } from '../relationships/reconcile.js';
import { openDatabaseTarget } from './database-target.js';

/**
 * `npm run reconcile [-- --dry-run]`: compares the relationships PostgreSQL implies with what
 * SpiceDB holds (SPICEDB_ENDPOINT, or the embedded SpiceDB's PostgreSQL datastore), writes the
 * missing and deletes the extra, and prints the counts. Safe while servers run: it holds the
 * SpiceDB write lock, so the relay waits until it is done.
 */
const dryRun = process.argv.includes('--dry-run');
const config = loadConfig();
const logger = createConsoleLogger(config, 'stderr');
if (!config.SPICEDB_ENDPOINT && config.SPICEDB_DATASTORE === 'memory') {
  console.error('The memory datastore lives inside the running server and is rebuilt at every start: nothing to reconcile from here.');
  process.exit(2);
}
const target = await openDatabaseTarget(config, logger);
const database = createDatabase(target.url, undefined, 2, logger);
let close = async (): Promise<void> => undefined;
try {
  let spicedb: SpiceDb;
  if (config.SPICEDB_ENDPOINT) {
    spicedb = connectRemoteSpiceDb({ endpoint: config.SPICEDB_ENDPOINT, token: config.SPICEDB_TOKEN ?? '', insecure: config.SPICEDB_INSECURE, timeoutMs: 120_000 });
    close = async () => spicedb.close();
  } else {
    const embedded = await startEmbeddedSpiceDbProcess({ datastore: 'postgres', databaseUrl: target.url, logger });
    spicedb = embedded.spicedb;
    await spicedb.writeSchema(await readSchemaFile());
    close = () => embedded.process.stop();
  }
  const result = await reconcileSpiceDb(database.db, spicedb, logger, { connectionString: target.url, dryRun });
  const verb = dryRun ? 'would write' : 'wrote';
  console.log(
    `PostgreSQL implies ${result.desired} relationships; SpiceDB held ${result.held}. ` +
      `Missing: ${result.missing} (${verb} them). Extra: ${result.extra} (${dryRun ? 'would delete' : 'deleted'} them). ` +
      `Held with another end: ${result.changed} (${dryRun ? 'would write' : 'wrote'} them again). ${result.durationMs} ms.`,
  );
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
} finally {
  await close();
  await database.close();
  await target.close();
}
