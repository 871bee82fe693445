import { readSchemaFile, startEmbeddedSpiceDb } from '../../src/infra/spicedb/connect.js';
import type { SpiceDb } from '../../src/infra/spicedb/spicedb.js';

/** A real SpiceDB (embedded, memory datastore) with this project's schema.zed written to it. */
export async function startTestSpiceDb(): Promise<SpiceDb> {
  const spicedb = await startEmbeddedSpiceDb();
  await spicedb.writeSchema(await readSchemaFile());
  return spicedb;
}
