import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMember, type Member } from '../../support/fixtures.js';
import { captureLogs, requestLine, type CapturedLogs } from '../../support/logs.js';
import { CREATE_WORKSPACE, type CreatedWorkspace } from '../../support/operations.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { TEST_SETUP } from '../../support/services.js';

/*
 * Permission answers are shared across requests for as long as the freshness token stays the same
 * (src/authz/answer-cache.ts). Every applied write stores a new token, so a revocation must show
 * in the very next request, however warm the cache.
 */
const READ = `query Read($id: ID!) { workspace(id: $id) { id name } }`;

describe('answers shared across requests', () => {
  let server: TestServer;
  let logs: CapturedLogs;
  let member: Member;
  let workspaceId: string;

  const read = async (): Promise<{ visible: boolean; spicedb: unknown }> => {
    const response = await server.gql<{ workspace: { id: string } | null }>(READ, { id: workspaceId }, member.headers);
    expect(response.errors).toBeUndefined();
    const line = await requestLine(logs, response.headers);
    return { visible: response.data?.workspace?.id === workspaceId, spicedb: line?.spicedb };
  };

  beforeAll(async () => {
    logs = captureLogs('info');
    server = await startTestServer({ LOG_LEVEL: 'info' }, { logger: logs.logger });
    const created = await server.asAdmin<CreatedWorkspace>(CREATE_WORKSPACE, { parentId: server.runtime.bootstrap.rootWorkspaceId, name: 'shared' });
    workspaceId = created.data?.createWorkspace.workspace.id ?? '';
    member = await createMember(server, { tenantId: server.runtime.bootstrap.tenantId, username: 'member', workspaceRoles: [{ workspaceId, role: 'member' }] });
  }, 60_000);
  afterAll(async () => server.stop());

  it('a revocation is seen by the next request even though the grant was answered from the cache', async () => {
    expect(await read()).toEqual({ visible: true, spicedb: 1 });
    // Warm: the same question at the same token costs no SpiceDB call.
    expect(await read()).toEqual({ visible: true, spicedb: 0 });

    const { authorizationSynced } = await server.runtime.services.uow.run(async ({ trx, emit }) => {
      await sql`DELETE FROM workspace_members WHERE workspace_id = ${workspaceId} AND user_id = ${member.userId}`.execute(trx);
      emit({ type: 'WorkspaceMemberRemoved', tenantId: server.runtime.bootstrap.tenantId, workspaceId, subject: { type: 'user', id: member.userId }, role: 'member' });
    }, TEST_SETUP);
    expect(authorizationSynced).toBe(true);

    expect(await read()).toEqual({ visible: false, spicedb: 1 });
  });

  it('a grant is seen by the next request too', async () => {
    const { authorizationSynced } = await server.runtime.services.uow.run(async ({ trx, emit }) => {
      await sql`INSERT INTO workspace_members (workspace_id, user_id, role) VALUES (${workspaceId}, ${member.userId}, 'member')`.execute(trx);
      emit({ type: 'WorkspaceMemberAdded', tenantId: server.runtime.bootstrap.tenantId, workspaceId, subject: { type: 'user', id: member.userId }, role: 'member' });
    }, TEST_SETUP);
    expect(authorizationSynced).toBe(true);
    expect((await read()).visible).toBe(true);
  });
});
