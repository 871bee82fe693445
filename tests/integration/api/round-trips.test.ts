import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureLogs, type CapturedLogs } from '../../support/logs.js';
import { CREATE_WORKSPACE, type CreatedWorkspace } from '../../support/operations.js';
import { createMember } from '../../support/fixtures.js';
import { startTestServer, type TestServer } from '../../support/server.js';

/*
 * Walking d levels of the tree costs O(d) SQL statements and at most O(d) SpiceDB calls, whatever
 * the number of nodes: loaders batch each level into one statement and every permission check of a
 * level into one CheckBulkPermissions call. A question already answered at the same freshness token
 * costs no call at all (answers are shared across requests), so calls are counted per distinct
 * question: the first request after a write pays them, a repeat pays none. Counted per request by
 * the service itself.
 */
const THREE_LEVELS = `query Walk($id: ID!) {
  workspace(id: $id) { name children { nodes { name children { nodes { name children { nodes { name } } } } } } }
}`;
const UP_THREE = `query Up($id: ID!) { workspace(id: $id) { name parent { name parent { name parent { name } } } } }`;

describe('round trips per request', () => {
  let server: TestServer;
  let logs: CapturedLogs;

  const make = async (parentId: string, name: string): Promise<string> =>
    (await server.asAdmin<CreatedWorkspace>(CREATE_WORKSPACE, { parentId, name })).data?.createWorkspace.workspace.id ?? '';

  /** A tree of the given fan-out and depth 3 under a fresh child of the root; returns its top and one leaf. */
  const tree = async (label: string, fanOut: number): Promise<{ top: string; leaf: string }> => {
    const top = await make(server.runtime.bootstrap.rootWorkspaceId, label);
    let leaf = top;
    for (let i = 0; i < fanOut; i += 1) {
      const l1 = await make(top, `${label}-${i}`);
      for (let j = 0; j < fanOut; j += 1) {
        const l2 = await make(l1, `${label}-${i}-${j}`);
        for (let k = 0; k < fanOut; k += 1) leaf = await make(l2, `${label}-${i}-${j}-${k}`);
      }
    }
    return { top, leaf };
  };

  const countsOf = async (operationName: string, query: string, id: string, headers: Record<string, string> = { 'x-api-key': server.adminKey }) => {
    logs.lines.length = 0;
    const response = await server.gql(query, { id }, headers);
    expect(response.errors).toBeUndefined();
    const line = logs.lines.find((l) => l.event === 'graphql_request' && l.operationName === operationName);
    return { sql: line?.sql, spicedb: line?.spicedb, data: response.data };
  };

  beforeAll(async () => {
    logs = captureLogs();
    server = await startTestServer({ LOG_LEVEL: 'info' }, { logger: logs.logger });
  });
  afterAll(async () => server.stop());

  /** A write that asks SpiceDB nothing on the admin's behalf: the next request starts a new token cold. */
  let newcomers = 0;
  const newToken = () => createMember(server, { tenantId: server.runtime.bootstrap.tenantId, username: `newcomer-${(newcomers += 1)}` });

  it('a 3-level children query costs the same for 8 nodes as for 39', async () => {
    const small = await tree('small', 2);
    const large = await tree('large', 3);
    await newToken();
    const smallCounts = await countsOf('Walk', THREE_LEVELS, small.top);
    const largeCounts = await countsOf('Walk', THREE_LEVELS, large.top);
    expect(JSON.stringify(largeCounts.data).match(/large-/g)?.length).toBe(3 + 9 + 27);
    expect(largeCounts.sql).toBe(smallCounts.sql);
    // The API key with the freshness token + the workspace + one children statement per level.
    expect(largeCounts.sql).toBe(5);
    // The admin's `tenant#administrate` settles view on every workspace of the tenant (schema.zed:
    // view = … + tenant->administrate); asked once per freshness token, by the first request.
    expect(smallCounts.spicedb).toBe(1);
    expect(largeCounts.spicedb).toBe(0);
    expect((await countsOf('Walk', THREE_LEVELS, large.top)).spicedb).toBe(0);
  });

  it('walking up three parents costs one statement for the whole chain and no check already answered', async () => {
    const { leaf } = await tree('up', 1);
    await newToken();
    const counts = await countsOf('Up', UP_THREE, leaf);
    expect(counts.data).toMatchObject({ workspace: { parent: { parent: { parent: { name: 'up' } } } } });
    // The API key with the freshness token + the leaf and its ancestors in one recursive statement.
    expect(counts.sql).toBe(2);
    // A new token (the tree was just written): one bulk call with the tenant check and the leaf.
    expect(counts.spicedb).toBe(1);
    const again = await countsOf('Up', UP_THREE, leaf);
    expect({ sql: again.sql, spicedb: again.spicedb }).toEqual({ sql: 2, spicedb: 0 });
  });

  it('a member with a grant deep in the tree pays one call per distinct question, once per token', async () => {
    const { top, leaf } = await tree('grant', 1);
    const member = await createMember(server, {
      tenantId: server.runtime.bootstrap.tenantId,
      username: 'grant-holder',
      workspaceRoles: [{ workspaceId: top, role: 'member' }],
    });
    const first = await countsOf('Up', UP_THREE, leaf, member.headers);
    expect(first.data).toMatchObject({ workspace: { parent: { parent: { parent: { name: 'grant' } } } } });
    // Not a tenant admin: the leaf (with the tenant check), then its ancestors in one bulk call.
    expect(first.spicedb).toBe(2);
    // The same questions at the same token: answered without SpiceDB.
    expect((await countsOf('Up', UP_THREE, leaf, member.headers)).spicedb).toBe(0);
    // Part of the same walk: every question was asked before.
    expect((await countsOf('Up1', 'query Up1($id: ID!) { workspace(id: $id) { parent { name } } }', leaf, member.headers)).spicedb).toBe(0);
    // A write stores a new token: the next request asks again.
    await server.asAdmin(CREATE_WORKSPACE, { parentId: top, name: 'grant-sibling' });
    expect((await countsOf('Up', UP_THREE, leaf, member.headers)).spicedb).toBe(2);
  });

  it("a tenant admin's page of the tenant's workspaces costs the key and the page: two statements", async () => {
    await newToken();
    logs.lines.length = 0;
    const response = await server.asAdmin(`query List($t: ID!) { workspaces(tenantId: $t, first: 5) { nodes { id } } }`, { t: server.runtime.bootstrap.tenantId });
    expect(response.errors).toBeUndefined();
    const line = logs.lines.find((l) => l.event === 'graphql_request' && l.operationName === 'List');
    // A non-empty page proves the tenant exists: its row is not loaded (workspace.service.ts).
    expect({ sql: line?.sql, spicedb: line?.spicedb }).toEqual({ sql: 2, spicedb: 1 });
  });
});
