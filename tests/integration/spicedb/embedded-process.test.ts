import { readdir, readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChildService } from '../../support/child-service.js';
import { createTestDatabase } from '../../support/database.js';
import type { EmbeddedSpiceDbProcess } from '../../../src/infra/spicedb/embedded/embedded-process.js';
import { createMember, type Member } from '../../support/fixtures.js';
import { captureLogs } from '../../support/logs.js';
import { CREATE_WORKSPACE, GET_WORKSPACE, type CreatedWorkspace } from '../../support/operations.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { waitFor } from '../../support/wait-for.js';

/*
 * The embedded SpiceDB runs in a child process, so that a check never runs on the service's event
 * loop. These tests kill that process the hard way and watch the service through its API.
 */
function processOf(server: TestServer): EmbeddedSpiceDbProcess {
  const embedded = server.runtime.embeddedSpiceDb;
  if (!embedded) throw new Error('the test server should run the embedded SpiceDB');
  return embedded;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function readiness(server: TestServer): Promise<number> {
  return (await fetch(server.url.replace(/graphql$/, 'health/ready'))).status;
}

for (const datastore of ['postgres', 'memory'] as const) {
  describe(`the embedded SpiceDB process (${datastore} datastore)`, () => {
    let server: TestServer;
    let member: Member;
    let workspaceId: string;
    const logs = captureLogs('info');

    beforeAll(async () => {
      server = await startTestServer({ SPICEDB_DATASTORE: datastore, LOG_LEVEL: 'info' }, { logger: logs.logger });
      const created = await server.asAdmin<CreatedWorkspace>(CREATE_WORKSPACE, { parentId: server.runtime.bootstrap.rootWorkspaceId, name: 'survives' });
      workspaceId = created.data?.createWorkspace.workspace.id ?? '';
      member = await createMember(server, { tenantId: server.runtime.bootstrap.tenantId, username: 'reader', workspaceRoles: [{ workspaceId, role: 'member' }] });
    }, 60_000);
    afterAll(async () => server.stop());

    it('runs in a process of its own', () => {
      const pid = processOf(server).pid;
      expect(pid).toBeDefined();
      expect(pid).not.toBe(process.pid);
    });

    it('when killed: requests fail with AUTHORIZATION_UNAVAILABLE and readiness is 503; then it is restarted and loses nothing', async () => {
      const embedded = processOf(server);
      process.kill(embedded.pid ?? 0, 'SIGKILL');
      await waitFor(() => embedded.state !== 'ready', { message: 'the exit to be noticed' });

      // The member has asked nothing yet, so no cached answer can stand in for SpiceDB.
      const during = await server.gql(GET_WORKSPACE, { id: workspaceId }, member.headers);
      expect(during.errors?.[0]?.extensions).toMatchObject({ code: 'INTERNAL_SERVER_ERROR', reason: 'AUTHORIZATION_UNAVAILABLE' });
      expect(await readiness(server)).toBe(503);

      await waitFor(() => embedded.state === 'ready', { timeoutMs: 30_000, message: 'the restart' });
      const after = await server.gql<{ workspace: { id: string } | null }>(GET_WORKSPACE, { id: workspaceId }, member.headers);
      expect(after.errors).toBeUndefined();
      expect(after.data?.workspace?.id).toBe(workspaceId);
      expect(await readiness(server)).toBe(200);
      expect(logs.lines.filter((l) => l.event === 'embedded_spicedb_exited')).toHaveLength(1);
      expect(logs.lines.filter((l) => l.event === 'embedded_spicedb_recovered')).toHaveLength(1);
    });

    it('keeps serving writes after the restart', async () => {
      const created = await server.asAdmin<CreatedWorkspace>(CREATE_WORKSPACE, { parentId: workspaceId, name: 'after the restart' });
      expect(created.data?.createWorkspace.authorizationSynced).toBe(true);
      const child = created.data?.createWorkspace.workspace.id ?? '';
      // The member views it through `parent->view`: SpiceDB has both the old and the new relationships.
      const read = await server.gql<{ workspace: { id: string } | null }>(GET_WORKSPACE, { id: child }, member.headers);
      expect(read.data?.workspace?.id).toBe(child);
    });
  });
}

describe('stopping the service', () => {
  it('stops the embedded SpiceDB process too', async () => {
    const server = await startTestServer();
    const pid = processOf(server).pid ?? 0;
    expect(alive(pid)).toBe(true);
    await server.stop();
    expect(alive(pid)).toBe(false);
  });
});

/** The embedded SpiceDB process a service started (its child running embedded/host). */
async function spicedbChildOf(pid: number): Promise<number | undefined> {
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (ppid !== pid) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (/embedded[/\\]host\.[jt]s/.test(cmdline)) return Number(entry);
  }
  return undefined;
}

describe('a service that is killed', () => {
  it('takes its embedded SpiceDB process with it', { timeout: 120_000 }, async () => {
    const database = await createTestDatabase();
    const service = await startChildService({ DATABASE_URL: database.url });
    try {
      const pid = service.process.pid ?? 0;
      const spicedb = await waitFor(() => spicedbChildOf(pid), { message: 'the SpiceDB process' });
      service.process.kill('SIGKILL');
      await service.exited;
      await waitFor(() => !alive(spicedb), { timeoutMs: 10_000, message: 'the orphan to exit' });
    } finally {
      await service.stop('SIGKILL');
      await database.drop();
    }
  });
});
