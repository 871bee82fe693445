import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMember } from '../../support/fixtures.js';
import { captureLogs, requestLine, type CapturedLogs } from '../../support/logs.js';
import { CREATE_WORKSPACE, type CreatedWorkspace } from '../../support/operations.js';
import { startTestServer, type TestServer } from '../../support/server.js';

/*
 * Issue 21, goal 3: what a parent walk asks SpiceDB when no answer is remembered (answer cache off,
 * as on the first request after a write). A walk asks the tenant's `administrate` alone first: for a
 * tenant admin that is the only call. Anyone else pays a second call for the workspace and the
 * ancestors the query reads, together. Counted by the service itself per request.
 */
const UP_TWO = `query Up($id: ID!) { workspace(id: $id) { name parent { name parent { name } } } }`;

describe('a cold parent walk', () => {
  let server: TestServer;
  let logs: CapturedLogs;

  const make = async (parentId: string, name: string): Promise<string> =>
    (await server.asAdmin<CreatedWorkspace>(CREATE_WORKSPACE, { parentId, name })).data?.createWorkspace.workspace.id ?? '';

  const walk = async (id: string, headers: Record<string, string>) => {
    const response = await server.gql(UP_TWO, { id }, headers);
    expect(response.errors).toBeUndefined();
    const line = await requestLine(logs, response.headers);
    return { spicedb: line.spicedb, sql: line.sql, data: response.data };
  };

  beforeAll(async () => {
    logs = captureLogs();
    server = await startTestServer({ LOG_LEVEL: 'info', AUTHZ_CACHE_MAX_ENTRIES: '0' }, { logger: logs.logger });
  });

  afterAll(async () => {
    await server?.stop();
  });

  it('costs a tenant admin one SpiceDB call, a member two, every time, with the right answers', async () => {
    const top = await make(server.runtime.bootstrap.rootWorkspaceId, 'cold-top');
    const middle = await make(top, 'cold-middle');
    const leaf = await make(middle, 'cold-leaf');
    const expected = { workspace: { name: 'cold-leaf', parent: { name: 'cold-middle', parent: { name: 'cold-top' } } } };
    const tenantId = server.runtime.bootstrap.tenantId;
    const member = await createMember(server, { tenantId, username: 'cold-member', workspaceRoles: [{ workspaceId: top, role: 'member' }] });
    // Granted on the leaf alone: its ancestors stay hidden, asked in the same call.
    const leafOnly = await createMember(server, { tenantId, username: 'cold-leaf-only', workspaceRoles: [{ workspaceId: leaf, role: 'member' }] });
    for (let round = 0; round < 2; round += 1) {
      expect(await walk(leaf, { 'x-api-key': server.adminKey })).toEqual({ spicedb: 1, sql: 2, data: expected });
      expect(await walk(leaf, member.headers)).toEqual({ spicedb: 2, sql: 2, data: expected });
      expect(await walk(leaf, leafOnly.headers)).toEqual({ spicedb: 2, sql: 2, data: { workspace: { name: 'cold-leaf', parent: null } } });
    }
  });

  it("logs where a mutation's time went on its request line", async () => {
    const response = await server.asAdmin<CreatedWorkspace>(CREATE_WORKSPACE, { parentId: server.runtime.bootstrap.rootWorkspaceId, name: 'timed' });
    expect(response.errors).toBeUndefined();
    const line = await requestLine(logs, response.headers);
    expect(line.write).toEqual({ transactionMs: expect.any(Number), appendMs: expect.any(Number), syncWaitMs: expect.any(Number) });
    const read = await server.gql('query { __typename }', {}, { 'x-api-key': server.adminKey });
    expect((await requestLine(logs, read.headers)).write).toBeUndefined();
  });
});
