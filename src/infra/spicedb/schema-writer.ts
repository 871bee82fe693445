import type { Logger } from '../../logger.js';
import type { SpiceDb } from './spicedb.js';

/**
 * Writes schema.zed to a remote SpiceDB. If SpiceDB is down the service still starts (mutations
 * commit, the outbox waits) and keeps trying in the background; readiness reports it meanwhile.
 */
export async function writeSchemaWhenReachable(spicedb: SpiceDb, schema: string, logger: Logger): Promise<void> {
  const attempt = async (): Promise<boolean> => {
    try {
      await spicedb.writeSchema(schema);
      logger.info({ event: 'spicedb_schema_written' }, 'SpiceDB schema written');
      return true;
    } catch (error) {
      logger.error({ err: error }, 'could not write the SpiceDB schema; retrying in the background');
      return false;
    }
  };
  if (await attempt()) return;
  let delay = 1000;
  const retry = async (): Promise<void> => {
    if (await attempt()) return;
    delay = Math.min(delay * 2, 30_000);
    setTimeout(() => void retry(), delay).unref();
  };
  setTimeout(() => void retry(), delay).unref();
}
