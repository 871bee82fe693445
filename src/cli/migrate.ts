import { loadConfig } from '../config.js';
import { createPool } from '../infra/db/database.js';
import { startEmbeddedPostgres } from '../infra/db/embedded-postgres.js';
import { migrate } from '../infra/db/migrator.js';
import { createLogger } from '../logger.js';

/** `npm run migrate`: applies migrations/ to DATABASE_URL, or to the embedded PostgreSQL under DATA_DIR. */
const config = loadConfig();
const logger = createLogger(config.LOG_LEVEL);
const embedded = config.DATABASE_URL
  ? undefined
  : await startEmbeddedPostgres({ dataDir: config.DATA_DIR, port: config.EMBEDDED_POSTGRES_PORT, database: 'iam', logger });
const pool = createPool(config.DATABASE_URL ?? embedded?.url ?? '', 1);
try {
  const applied = await migrate(pool, { logger });
  console.log(applied.length > 0 ? `Applied: ${applied.join(', ')}` : 'Nothing to apply: the database is up to date.');
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
} finally {
  await pool.end();
  await embedded?.stop();
}
