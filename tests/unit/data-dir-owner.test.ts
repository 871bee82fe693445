import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acquireOwnership, DataDirInUseError, liveOwner, processStartTime } from '../../src/infra/db/data-dir-owner.js';

describe('data dir ownership', () => {
  let dir: string;
  let file: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'iam-owner-'));
    file = path.join(dir, 'postgres.owner');
  });
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  const record = (pid: number, startTime: string | null, port = 5432): string => `${JSON.stringify({ pid, startTime, port })}\n`;

  it('records this process, refuses a second owner while it lives, and releases only its own record', async () => {
    const ownership = await acquireOwnership(file, 6000, 'the data dir /x');
    const startTime = await processStartTime(process.pid);
    expect(startTime).toMatch(/^\d+$/);
    expect(await readFile(file, 'utf8')).toBe(record(process.pid, startTime, 6000));
    expect(await liveOwner(file)).toEqual({ pid: process.pid, startTime, port: 6000 });

    await expect(acquireOwnership(file, 6001, 'the data dir /x')).rejects.toThrow(DataDirInUseError);
    await expect(acquireOwnership(file, 6001, 'the data dir /x')).rejects.toThrow(`the data dir /x is in use by process ${process.pid}`);

    await ownership.release();
    expect(await liveOwner(file)).toBeUndefined();
    expect(await readdir(dir)).toEqual([]);
  });

  it('takes over from a dead owner', async () => {
    const gone = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' });
    const pid = Number(gone.stdout.trim());
    await writeFile(file, record(pid, '12345'));
    expect(await liveOwner(file)).toBeUndefined();
    const ownership = await acquireOwnership(file, 6000, 'the data dir /x');
    expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({ pid: process.pid });
    await ownership.release();
  });

  it('does not mistake a reused pid for the owner: the start time must match too', async () => {
    const startTime = await processStartTime(process.pid);
    // Our pid, but a process that started at another time: the recorded owner is gone.
    await writeFile(file, record(process.pid, String(Number(startTime) + 1)));
    expect(await liveOwner(file)).toBeUndefined();
    const ownership = await acquireOwnership(file, 6000, 'the data dir /x');
    expect(await liveOwner(file)).toEqual({ pid: process.pid, startTime, port: 6000 });
    await ownership.release();
  });

  it('treats an unreadable record as nobody', async () => {
    await writeFile(file, 'not json');
    const ownership = await acquireOwnership(file, 6000, 'the data dir /x');
    expect(await liveOwner(file)).toMatchObject({ pid: process.pid });
    await ownership.release();
  });

  it('keeps a record written by someone else when releasing', async () => {
    const ownership = await acquireOwnership(file, 6000, 'the data dir /x');
    await writeFile(file, record(1, null));
    await ownership.release();
    expect(await readFile(file, 'utf8')).toBe(record(1, null));
  });

  it('reads the start time even when the command name holds spaces and parentheses', async () => {
    const odd = path.join(dir, 'x) 1 2 (y');
    await symlink('/bin/sleep', odd);
    const child = spawn(odd, ['30'], { stdio: 'ignore' });
    try {
      await new Promise((resolve) => child.once('spawn', resolve));
      expect(await readFile(`/proc/${child.pid}/stat`, 'utf8')).toContain('(x) 1 2 (y)');
      const theirs = await processStartTime(child.pid ?? 0);
      const ours = await processStartTime(process.pid);
      expect(theirs).toMatch(/^\d+$/);
      // Started after us: a parser thrown off by the name would read another field.
      expect(BigInt(theirs ?? 0)).toBeGreaterThanOrEqual(BigInt(ours ?? Infinity));
    } finally {
      child.kill('SIGKILL');
    }
    expect(await processStartTime(2 ** 22 + 1)).toBeNull();
  });
});
