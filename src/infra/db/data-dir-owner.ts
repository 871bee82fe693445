import { link, readFile, rename, unlink, writeFile } from 'node:fs/promises';

/** Who runs the embedded PostgreSQL of a data dir: recorded beside the data while it runs. */
export interface DataDirOwner {
  pid: number;
  /** Start time of `pid` in clock ticks since boot (Linux /proc), so a reused pid is not mistaken for the owner. */
  startTime: string | null;
  /** Where its PostgreSQL listens, for CLI commands run meanwhile. */
  port: number;
}

export interface Ownership {
  release(): Promise<void>;
}

export class DataDirInUseError extends Error {
  override name = 'DataDirInUseError';
}

/** Field 22 of /proc/<pid>/stat; null where there is no /proc (then only the pid is compared). */
export async function processStartTime(pid: number): Promise<string | null> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  if (stat === undefined) return null;
  // Field 2, the command name, may hold spaces and parentheses; the fields after its closing one do not.
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
}

export async function isAlive(owner: DataDirOwner): Promise<boolean> {
  try {
    process.kill(owner.pid, 0);
  } catch (error) {
    // EPERM: it exists, under another user.
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (owner.startTime === null) return true;
  const now = await processStartTime(owner.pid);
  // Unreadable /proc entry (hidepid): it exists, assume it is the owner rather than stop its server.
  return now === null || now === owner.startTime;
}

/** The recorded owner if that process still runs. */
export async function liveOwner(file: string): Promise<DataDirOwner | undefined> {
  const found = await readOwner(file);
  return found?.owner && (await isAlive(found.owner)) ? found.owner : undefined;
}

/**
 * Makes this process the owner of a data dir, or throws DataDirInUseError naming the live owner.
 * The record appears atomically (written aside, then hard-linked into place, which fails if one
 * exists), so a reader never sees half of it and two starters cannot both create it. A record
 * left by a dead owner is moved aside before the next try; if what we moved turns out to be a
 * newer record (another starter took over in between), it goes back and that starter wins.
 */
export async function acquireOwnership(file: string, port: number, describe: string): Promise<Ownership> {
  const owner: DataDirOwner = { pid: process.pid, startTime: await processStartTime(process.pid), port };
  const content = `${JSON.stringify(owner)}\n`;
  const draft = `${file}.${process.pid}.new`;
  await writeFile(draft, content, { mode: 0o600 });
  try {
    for (let attempt = 0; attempt < 5; attempt += 1) {
      try {
        await link(draft, file);
        return { release: () => releaseIfOurs(file, content) };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const found = await readOwner(file);
      if (!found) continue;
      if (found.owner && (await isAlive(found.owner))) {
        throw new DataDirInUseError(`${describe} is in use by process ${found.owner.pid}; stop it first, or give this process another DATA_DIR`);
      }
      await moveAsideIfStill(file, found.raw);
    }
    throw new DataDirInUseError(`${describe}: could not take ownership (other processes keep claiming it)`);
  } finally {
    await unlink(draft).catch(() => undefined);
  }
}

async function readOwner(file: string): Promise<{ raw: string; owner: DataDirOwner | undefined } | undefined> {
  const raw = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (raw === undefined) return undefined;
  try {
    const parsed = JSON.parse(raw) as Partial<DataDirOwner>;
    const valid = Number.isInteger(parsed.pid) && Number.isInteger(parsed.port) && (typeof parsed.startTime === 'string' || parsed.startTime === null);
    return { raw, owner: valid ? (parsed as DataDirOwner) : undefined };
  } catch {
    return { raw, owner: undefined }; // garbage: nobody can own by it
  }
}

async function moveAsideIfStill(file: string, stale: string): Promise<void> {
  const aside = `${file}.${process.pid}.stale`;
  try {
    await rename(file, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  const moved = await readFile(aside, 'utf8');
  if (moved !== stale) await link(aside, file).catch(() => undefined);
  await unlink(aside);
}

async function releaseIfOurs(file: string, content: string): Promise<void> {
  const current = await readFile(file, 'utf8').catch(() => undefined);
  if (current === content) await unlink(file).catch(() => undefined);
}
