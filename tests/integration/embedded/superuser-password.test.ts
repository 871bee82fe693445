import { readFile, stat, unlink } from 'node:fs/promises';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from '../../../src/infra/db/embedded-postgres.js';
import { captureLogs } from '../../support/logs.js';
import { createEmbeddedDataDir, type EmbeddedDataDir } from '../../support/embedded-data-dir.js';

/** Logs in as the superuser with `password`: the SQLSTATE on failure, 'ok' on success. */
async function logIn(port: number, password: string): Promise<string> {
  const client = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', password, database: 'postgres' });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return 'ok';
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  } finally {
    await client.end().catch(() => undefined);
  }
}

describe('the embedded PostgreSQL superuser password', () => {
  const dirs: EmbeddedDataDir[] = [];
  const running: EmbeddedPostgresHandle[] = [];
  const logs = captureLogs('info');

  const start = async (dir: EmbeddedDataDir): Promise<EmbeddedPostgresHandle> => {
    const handle = await startEmbeddedPostgres({ dataDir: dir.layout.dataDir, port: dir.postgresPort, database: 'iam', logger: logs.logger });
    running.push(handle);
    return handle;
  };
  const stop = async (handle: EmbeddedPostgresHandle): Promise<void> => {
    running.splice(running.indexOf(handle), 1);
    await handle.stop();
  };

  beforeAll(async () => {
    dirs.push(await createEmbeddedDataDir(), await createEmbeddedDataDir());
  });
  afterAll(async () => {
    for (const handle of running) await handle.stop();
    for (const dir of dirs) await dir.remove();
  });

  it('is random per data dir, in a file only its owner can read, and the old fixed one does not work', { timeout: 60_000 }, async () => {
    const [one, two] = dirs;
    if (!one || !two) throw new Error('no data dirs');
    const first = await start(one);
    const second = await start(two);
    const passwords: string[] = [];
    for (const [dir, handle] of [[one, first], [two, second]] as const) {
      const info = await stat(dir.layout.passwordFile);
      expect(info.mode & 0o777).toBe(0o600);
      expect(info.uid).toBe(process.getuid?.());
      const password = (await readFile(dir.layout.passwordFile, 'utf8')).trim();
      expect(password).toMatch(/^[\w-]{32}$/);
      expect(new URL(handle.url).password).toBe(password);
      expect(await logIn(dir.postgresPort, password)).toBe('ok');
      expect(await logIn(dir.postgresPort, 'postgres')).toBe('28P01');
      passwords.push(password);
    }
    expect(passwords[0]).not.toBe(passwords[1]);
    await stop(second);
  });

  it('replaces the old fixed password of an existing data dir at its next start', { timeout: 60_000 }, async () => {
    const [dir] = dirs;
    const [handle] = running;
    if (!dir || !handle) throw new Error('no running server');
    // What a data dir initialised before this change looks like: password `postgres`, no password file.
    const admin = new pg.Client({ connectionString: handle.url });
    await admin.connect();
    await admin.query(`ALTER ROLE postgres PASSWORD 'postgres'`);
    await admin.end();
    await stop(handle);
    await unlink(dir.layout.passwordFile);

    const restarted = await start(dir);
    const password = (await readFile(dir.layout.passwordFile, 'utf8')).trim();
    expect((await stat(dir.layout.passwordFile)).mode & 0o777).toBe(0o600);
    expect(password).toMatch(/^[\w-]{32}$/);
    expect(await logIn(dir.postgresPort, password)).toBe('ok');
    expect(await logIn(dir.postgresPort, 'postgres')).toBe('28P01');
    expect(new URL(restarted.url).password).toBe(password);
    expect(logs.lines.filter((l) => l.event === 'embedded_postgres_password_replaced')).toHaveLength(1);
  });
});
