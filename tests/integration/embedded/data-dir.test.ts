import { stat } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChildService, type ChildService } from '../../support/child-service.js';
import { createEmbeddedDataDir, postgresProcessesOn, runCli, type EmbeddedDataDir } from '../../support/embedded-data-dir.js';

const KEY_LINE = /^Bootstrap admin API key: (karto_\w+)$/;
const TREE = '{ viewer { tenants { nodes { name rootWorkspace { name } } } } }';
const exists = (file: string): Promise<boolean> => stat(file).then(() => true, () => false);

describe('one embedded data dir shared by the server and the CLI', () => {
  let dir: EmbeddedDataDir;
  let server: ChildService | undefined;

  const query = async (service: ChildService): Promise<unknown> => {
    const key = service.lines.map((l) => KEY_LINE.exec(l)?.[1]).find((k) => k !== undefined) ?? '';
    const response = await fetch(service.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': key },
      body: JSON.stringify({ query: TREE }),
    });
    return response.json();
  };
  const healthy = { data: { viewer: { tenants: { nodes: [{ name: 'default', rootWorkspace: { name: 'Root' } }] } } } };

  beforeAll(async () => {
    dir = await createEmbeddedDataDir();
  });
  afterAll(async () => {
    if (server?.process.exitCode === null) await server.stop('SIGTERM');
    await dir.remove();
  });

  it('CLI commands start the embedded PostgreSQL for themselves when no server runs, and stop it again', async () => {
    const migrated = await runCli('migrate', [], dir.env);
    expect(migrated).toMatchObject({ code: 0, stderr: '' });
    expect(migrated.stdout).toMatch(/^Applied: 0001_init\.sql/m);
    const listed = await runCli('outbox', ['list-parked'], dir.env);
    expect(listed).toMatchObject({ code: 0, stdout: 'no parked events\n', stderr: '' });
    expect(await postgresProcessesOn(dir.layout.clusterDir)).toEqual([]);
    expect(await exists(dir.layout.ownerFile)).toBe(false);
  });

  it('a running server keeps its PostgreSQL while `migrate` and `outbox` use it', { timeout: 120_000 }, async () => {
    server = await startChildService(dir.env, { timeoutMs: 120_000 });
    const before = await postgresProcessesOn(dir.layout.clusterDir);
    expect(before).toHaveLength(1);

    expect(await runCli('migrate', [], dir.env)).toMatchObject({ code: 0, stdout: 'Nothing to apply: the database is up to date.\n', stderr: '' });
    expect(await runCli('outbox', ['list-parked'], dir.env)).toMatchObject({ code: 0, stdout: 'no parked events\n', stderr: '' });
    // The CLI found the server's port in the owner record, whatever EMBEDDED_POSTGRES_PORT says.
    const elsewhere = { ...dir.env, EMBEDDED_POSTGRES_PORT: '1' };
    expect(await runCli('outbox', ['list-parked'], elsewhere)).toMatchObject({ code: 0, stdout: 'no parked events\n' });

    expect(await postgresProcessesOn(dir.layout.clusterDir)).toEqual(before);
    expect(await query(server)).toEqual(healthy);
  });

  it('a second server on the same data dir exits non-zero naming it; the first keeps serving', { timeout: 120_000 }, async () => {
    const second = startChildService(dir.env, { timeoutMs: 60_000 });
    await expect(second).rejects.toThrow(/exited with 1 before listening/);
    await expect(second).rejects.toThrow(`the embedded PostgreSQL data dir ${dir.layout.dataDir} is in use by process ${server?.process.pid}`);
    expect(await postgresProcessesOn(dir.layout.clusterDir)).toHaveLength(1);
    if (!server) throw new Error('no server');
    expect(await query(server)).toEqual(healthy);
  });

  it('after the server is killed, the next command stops its orphaned PostgreSQL and runs', { timeout: 120_000 }, async () => {
    const [orphan] = await postgresProcessesOn(dir.layout.clusterDir);
    expect(await server?.stop('SIGKILL')).toBeNull();
    // PostgreSQL has a process group of its own: it survives its owner.
    expect(await postgresProcessesOn(dir.layout.clusterDir)).toEqual([orphan]);

    expect(await runCli('outbox', ['list-parked'], dir.env)).toMatchObject({ code: 0, stdout: 'no parked events\n' });
    expect(await postgresProcessesOn(dir.layout.clusterDir)).toEqual([]);
    expect(await exists(dir.layout.ownerFile)).toBe(false);
  });
});
