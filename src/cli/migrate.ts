import { loadConfig } from '../config.js';
import { createPool } from '../infra/db/database.js';
import { migrate } from '../infra/db/migrator.js';
import { MIGRATIONS } from '../../migrations/index.js';
import { createConsoleLogger } from '../logger.js';
import { openDatabaseTarget } from './database-target.js';

/** `npm run migrate`: applies migrations/ to DATABASE_URL, or to the embedded PostgreSQL under DATA_DIR (running or not). */
const config = loadConfig();
const logger = createConsoleLogger(config, 'stderr');
const target = await openDatabaseTarget(config, logger);
const pool = createPool(target.url, 1, logger);
try {
  const applied = await migrate(pool, MIGRATIONS, { logger });
  console.log(applied.length > 0 ? `Applied: ${applied.join(', ')}` : 'Nothing to apply: the database is up to date.');
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
} finally {
  await pool.end();
  await target.close();
}
