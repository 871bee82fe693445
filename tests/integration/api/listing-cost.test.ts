import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../../src/shared/ids.js';
import { nameKey } from '../../../src/shared/names.js';
import { encodeCursor } from '../../../src/shared/pagination.js';
import { ADD_GROUP_MEMBER, ADD_TENANT_MEMBER, CREATE_GROUP, ok, signIn } from '../../support/access.js';
import { createMember, outboxSettled, type Member } from '../../support/fixtures.js';
import { captureLogs, requestLine, type CapturedLogs } from '../../support/logs.js';
import { TestOidcProvider } from '../../support/oidc-provider.js';
import { CREATE_WORKSPACE, type CreatedWorkspace } from '../../support/operations.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { TEST_SETUP } from '../../support/services.js';

/*
 * A page of a tenant's workspaces, for a caller who is not a tenant admin, costs the same whatever
 * the number of workspaces they may view: a fixed number of SQL statements and no SpiceDB call
 * once the tenant's own two questions are answered at this token (no LookupResources, which
 * returned every viewable id, on every page). The same for groups, tenants and the viewer's keys.
 */
const LIST = `query List($t: ID!, $after: String, $q: String) {
  workspaces(tenantId: $t, first: 50, after: $after, nameContains: $q) { nodes { id } pageInfo { hasNextPage } }
}`;

describe('the cost of a page of listings', () => {
  let server: TestServer;
  let logs: CapturedLogs;
  let oidc: TestOidcProvider;
  let tenantId: string;

  const make = async (parentId: string, name: string): Promise<string> =>
    (await ok<CreatedWorkspace>(server, { 'x-api-key': server.adminKey }, CREATE_WORKSPACE, { parentId, name })).createWorkspace.workspace.id;

  /** `count` children under each parent, written as createWorkspace writes them (rows and events); returns their ids. */
  const children = async (parents: string[], count: number, label: string): Promise<string[]> => {
    const rows = parents.flatMap((parentId, p) => Array.from({ length: count }, (_, i) => ({ id: newId(), parentId, name: `${label} ${String(p).padStart(3, '0')}-${String(i).padStart(3, '0')}` })));
    const depth = (await server.database.pool.query<{ depth: number }>('SELECT depth FROM workspaces WHERE id = $1', [parents[0]])).rows[0]?.depth ?? 0;
    await server.runtime.services.uow.run(async ({ trx, emit }) => {
      await trx.insertInto('workspaces').values(rows.map((r) => ({ id: r.id, tenant_id: tenantId, parent_id: r.parentId, name: r.name, name_key: nameKey(r.name), depth: depth + 1 }))).execute();
      for (const r of rows) emit({ type: 'WorkspaceCreated', tenantId, workspaceId: r.id, parentId: r.parentId, name: r.name });
    }, TEST_SETUP);
    return rows.map((r) => r.id);
  };

  const counted = async (operationName: string, query: string, variables: Record<string, unknown>, headers: Record<string, string>) => {
    const response = await server.gql<Record<string, unknown>>(query, variables, headers);
    expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
    const line = await requestLine(logs, response.headers);
    expect(line.operationName).toBe(operationName);
    return { sql: line?.sql, spicedb: line?.spicedb, data: response.data };
  };
  const ids = (data: Record<string, unknown> | null | undefined) => (data?.workspaces as { nodes: { id: string }[] }).nodes.map((n) => n.id);

  /** The subtree of `top` in list order, computed from parent_id alone. */
  const subtreeInOrder = async (top: string, nameLike = '%'): Promise<{ id: string; name_key: string }[]> =>
    (
      await server.database.pool.query<{ id: string; name_key: string }>(
        `WITH RECURSIVE d AS (SELECT id, name_key FROM workspaces WHERE id = $1 UNION ALL SELECT w.id, w.name_key FROM d JOIN workspaces w ON w.parent_id = d.id)
         SELECT id, name_key FROM d WHERE name_key LIKE $2 ORDER BY name_key, id`,
        [top, nameLike],
      )
    ).rows;

  let small: { top: string; member: Member };
  let large: { top: string; member: Member };

  beforeAll(async () => {
    logs = captureLogs();
    oidc = await TestOidcProvider.start();
    await oidc.addKey('RS256');
    server = await startTestServer({ LOG_LEVEL: 'info', OIDC_ISSUER: oidc.issuer, OIDC_AUDIENCE: oidc.audience }, { logger: logs.logger });
    tenantId = server.runtime.bootstrap.tenantId;
    const root = server.runtime.bootstrap.rootWorkspaceId;
    const smallTop = await make(root, 'small');
    await children([smallTop], 99, 'small');
    const largeTop = await make(root, 'large');
    await children(await children([largeTop], 100, 'large'), 100, 'large leaf');
    await outboxSettled(server, 60_000);
    small = { top: smallTop, member: await createMember(server, { tenantId, username: 'small-admin', workspaceRoles: [{ workspaceId: smallTop, role: 'admin' }] }) };
    large = { top: largeTop, member: await createMember(server, { tenantId, username: 'large-admin', workspaceRoles: [{ workspaceId: largeTop, role: 'admin' }] }) };
  }, 120_000);
  afterAll(async () => {
    await server.stop();
    await oidc.close();
  });

  it('the same statements and no SpiceDB call for 100 as for 10,101 viewable workspaces, at any depth of the list', async () => {
    const viewable = async (m: Member) => (await server.runtime.spicedb.lookupResources('workspace', 'view', { type: 'user', id: m.userId }, null)).length;
    expect([await viewable(small.member), await viewable(large.member)]).toEqual([100, 10_101]);
    const expected = await subtreeInOrder(large.top);
    const at9000 = expected[8999];
    if (!at9000) throw new Error('large subtree too small');
    const cases = [
      { label: 'first page', variables: { t: tenantId }, of: (all: { id: string }[]) => all.slice(0, 50) },
      { label: 'after the 9,000th', variables: { t: tenantId, after: encodeCursor({ key: at9000.name_key, id: at9000.id }) }, of: (all: { id: string }[]) => all.slice(9000, 9050) },
      { label: 'name filter', variables: { t: tenantId, q: '-09' }, of: (all: { id: string; name_key: string }[]) => all.filter((w) => w.name_key.includes('-09')).slice(0, 50) },
    ];
    for (const { label, variables, of } of cases) {
      await counted('List', LIST, variables, small.member.headers); // the tenant's two questions, once per token
      await counted('List', LIST, variables, large.member.headers);
      const smallCounts = await counted('List', LIST, variables, small.member.headers);
      const largeCounts = await counted('List', LIST, variables, large.member.headers);
      expect(ids(largeCounts.data), label).toEqual(of(expected).map((w) => w.id));
      // The API key with the freshness token + the page (grants, subtrees and rows in one statement).
      expect({ sql: largeCounts.sql, spicedb: largeCounts.spicedb }, label).toEqual({ sql: 2, spicedb: 0 });
      expect({ sql: smallCounts.sql, spicedb: smallCounts.spicedb }, label).toEqual({ sql: 2, spicedb: 0 });
    }
    expect(ids((await counted('List', LIST, { t: tenantId }, small.member.headers)).data)).toEqual((await subtreeInOrder(small.top)).slice(0, 50).map((w) => w.id));
  });

  it("a member's groups, tenants and keys ask SpiceDB nothing once the tenant's answers are known", async () => {
    const person = await signIn(server, oidc, 'lister');
    await ok(server, { 'x-api-key': server.adminKey }, ADD_TENANT_MEMBER, { input: { tenantId, userId: person.id, role: 'MEMBER' } });
    for (let i = 0; i < 3; i += 1) {
      const group = await ok<{ createGroup: { group: { id: string } } }>(server, { 'x-api-key': server.adminKey }, CREATE_GROUP, { input: { tenantId, name: `listed ${i}` } });
      if (i < 2) await ok(server, { 'x-api-key': server.adminKey }, ADD_GROUP_MEMBER, { input: { groupId: group.createGroup.group.id, userId: person.id, role: 'MEMBER' } });
    }
    await ok(server, person.headers, 'mutation($t: ID!) { createApiKey(input: { tenantId: $t, name: "mine" }) { secret } }', { t: tenantId });
    const query = `query Mine($t: ID!) { viewer { tenants { nodes { id } } apiKeys { nodes { name } } } tenant(id: $t) { groups { nodes { name } } } }`;
    // The tenant's two questions, asked once at this token; which of them a listing asks first
    // depends on which field resolves first, so both are asked here.
    await counted('Known', 'query Known($t: ID!) { tenant(id: $t) { viewerPermissions { view administrate } } }', { t: tenantId }, person.headers);
    await counted('Mine', query, { t: tenantId }, person.headers);
    const again = await counted('Mine', query, { t: tenantId }, person.headers);
    expect(again.data).toEqual({
      viewer: { tenants: { nodes: [{ id: tenantId }] }, apiKeys: { nodes: [{ name: 'mine' }] } },
      tenant: { groups: { nodes: [{ name: 'listed 0' }, { name: 'listed 1' }] } },
    });
    expect(again.spicedb).toBe(0);
  });
});
