import type { Config } from '../config.js';
import { EMBEDDED_DATABASE, openEmbeddedPostgres } from '../infra/db/embedded-postgres.js';
import type { Logger } from '../logger.js';

export interface DatabaseTarget {
  url: string;
  /** Stops an embedded PostgreSQL started for this command; leaves anything else running. */
  close(): Promise<void>;
}

/**
 * The database a CLI command works on: DATABASE_URL when set, else the embedded PostgreSQL of
 * DATA_DIR: the running server's (untouched), or one started for the command alone.
 */
export async function openDatabaseTarget(config: Config, logger: Logger): Promise<DatabaseTarget> {
  if (config.DATABASE_URL) return { url: config.DATABASE_URL, close: async () => undefined };
  const embedded = await openEmbeddedPostgres({ dataDir: config.DATA_DIR, port: config.EMBEDDED_POSTGRES_PORT, database: EMBEDDED_DATABASE, logger });
  return { url: embedded.url, close: () => embedded.stop() };
}
