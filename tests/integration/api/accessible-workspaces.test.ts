import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DomainEvent } from '../../../src/events/domain-events.js';
import { appendEvents } from '../../../src/outbox/outbox.repository.js';
import { newId } from '../../../src/shared/ids.js';
import { nameKey } from '../../../src/shared/name-key.js';
import { Access, ok, refusal, signIn, type Person } from '../../support/access.js';
import { outboxSettled } from '../../support/fixtures.js';
import { captureLogs, requestLine, type CapturedLogs } from '../../support/logs.js';
import { TestOidcProvider } from '../../support/oidc-provider.js';
import { CREATE_TENANT } from '../../support/operations.js';
import { startTestServer, type TestServer } from '../../support/server.js';

/*
 * accessibleWorkspaces: every workspace of a tenant on which the caller holds a permission, in tree
 * order, paged to the end without loss, compared with SpiceDB's own answers; a page costs the same
 * statements on the first page as deep into a large lookup; too large a page fails, never shrinks.
 *
 *   root ── a ── a-1              mia: MEMBER on big (585 workspaces with it) and on big/n0 (below it),
 *      ├── B ── b1                     EDITOR on a-1, and in group "c-team": MEMBER on c
 *      ├── big ── n0..n7 ── …     pat: tenant member only · owner: tenant admin
 *      └── c
 */
const ACCESSIBLE = /* GraphQL */ `query Accessible($tenantId: ID!, $permission: Permission!, $first: Int, $after: String) {
  accessibleWorkspaces(tenantId: $tenantId, permission: $permission, first: $first, after: $after) { nodes { id name } pageInfo { hasNextPage endCursor } }
}`;
const CHECK = /* GraphQL */ `query Check($checks: [PermissionCheckInput!]!) { checkPermissions(checks: $checks) { allowed } }`;
const MAX_ROWS = 400;

type Page = { accessibleWorkspaces: { nodes: { id: string; name: string }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } };

describe('accessibleWorkspaces', () => {
  let oidc: TestOidcProvider;
  let server: TestServer;
  let logs: CapturedLogs;
  let access: Access;
  const people: Record<string, Person> = {};
  const ws: Record<string, string> = {};
  let tenantId: string;
  let otherTenant: string;

  const page = (as: Person, variables: Record<string, unknown>) => server.gql<Page>(ACCESSIBLE, { tenantId, ...variables }, as.headers);
  /** Every page with `first`, to the end: the names, and each page's request line. */
  const allPages = async (as: Person, permission: string, first: number) => {
    const nodes: { id: string; name: string }[] = [];
    const responses: Headers[] = [];
    let after: string | null = null;
    for (let guard = 0; guard < 100; guard += 1) {
      const response = await page(as, { permission, first, after });
      expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
      const connection = response.data?.accessibleWorkspaces;
      nodes.push(...(connection?.nodes ?? []));
      responses.push(response.headers);
      if (!connection?.pageInfo.hasNextPage) return { nodes, responses };
      after = connection.pageInfo.endCursor;
    }
    throw new Error('pages did not end');
  };

  beforeAll(async () => {
    logs = captureLogs();
    oidc = await TestOidcProvider.start();
    await oidc.addKey('RS256');
    server = await startTestServer({ OIDC_ISSUER: oidc.issuer, OIDC_AUDIENCE: oidc.audience, LOG_LEVEL: 'info', GRAPHQL_MAX_ROWS: String(MAX_ROWS) }, { logger: logs.logger });
    access = new Access(server);
    for (const name of ['owner', 'mia', 'pat', 'carol']) people[name] = await signIn(server, oidc, name);
    const owner = (people.owner as Person).headers;
    const created = await ok<{ createTenant: { tenant: { id: string; rootWorkspace: { id: string } } } }>(server, owner, CREATE_TENANT, { name: 'Reach' });
    tenantId = created.createTenant.tenant.id;
    ws.root = created.createTenant.tenant.rootWorkspace.id;
    ws.a = await access.createWorkspace(owner, ws.root, 'a');
    ws['a-1'] = await access.createWorkspace(owner, ws.a, 'a-1');
    ws.B = await access.createWorkspace(owner, ws.root, 'B');
    ws.b1 = await access.createWorkspace(owner, ws.B, 'b1');
    ws.big = await access.createWorkspace(owner, ws.root, 'big');
    ws.c = await access.createWorkspace(owner, ws.root, 'c');
    // 584 more below `big`, three levels of 8, inserted as the service would (rows, then their events for SpiceDB).
    await server.database.db.transaction().execute(async (trx) => {
      const events: DomainEvent[] = [];
      let level = [{ id: ws.big ?? '', name: 'n' }];
      for (let depth = 2; depth <= 4; depth += 1) {
        const next: { id: string; name: string }[] = [];
        for (const parent of level) {
          for (let i = 7; i >= 0; i -= 1) {
            const child = { id: newId(), name: `${parent.name}${i}` };
            await trx.insertInto('workspaces').values({ id: child.id, tenant_id: tenantId, parent_id: parent.id, name: child.name, name_key: nameKey(child.name), depth }).execute();
            events.push({ type: 'WorkspaceCreated', tenantId, workspaceId: child.id, parentId: parent.id, name: child.name });
            next.push(child);
          }
        }
        level = next;
      }
      ws.n0 = (await trx.selectFrom('workspaces').select('id').where('name', '=', 'n0').executeTakeFirstOrThrow()).id;
      await appendEvents(trx, events);
    });
    await outboxSettled(server);
    for (const name of ['mia', 'pat']) await access.addTenantMember(owner, tenantId, { userId: people[name]?.id ?? '' });
    const group = await access.createGroup(owner, tenantId, 'c-team');
    await access.addGroupMember(owner, group, people.mia?.id ?? '');
    await access.grant(owner, ws.big, { userId: people.mia?.id ?? '' }, 'MEMBER');
    await access.grant(owner, ws.n0 ?? '', { userId: people.mia?.id ?? '' }, 'MEMBER');
    await access.grant(owner, ws['a-1'], { userId: people.mia?.id ?? '' }, 'EDITOR');
    await access.grant(owner, ws.c, { groupId: group }, 'MEMBER');
    const other = await ok<{ createTenant: { tenant: { id: string } } }>(server, people.carol?.headers ?? {}, CREATE_TENANT, { name: 'Elsewhere' });
    otherTenant = other.createTenant.tenant.id;
  });
  afterAll(async () => {
    await server.stop();
    await oidc.close();
  });

  it("lists a tenant admin the whole tree in pre-order, the same as the root's descendants", async () => {
    const { nodes } = await allPages(people.owner as Person, 'VIEW', 50);
    expect(nodes).toHaveLength(591);
    const descendants: string[] = [];
    let after: string | null = null;
    for (;;) {
      const data: { workspace: { descendants: { nodes: { id: string }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } } } = await ok(
        server,
        people.owner?.headers ?? {},
        'query($id: ID!, $after: String) { workspace(id: $id) { descendants(first: 100, after: $after) { nodes { id } pageInfo { hasNextPage endCursor } } } }',
        { id: ws.root, after },
      );
      descendants.push(...data.workspace.descendants.nodes.map((n) => n.id));
      if (!data.workspace.descendants.pageInfo.hasNextPage) break;
      after = data.workspace.descendants.pageInfo.endCursor;
    }
    expect(nodes.map((n) => n.id)).toEqual([ws.root, ...descendants]);
    expect(nodes.slice(1, 7).map((n) => n.name)).toEqual(['a', 'a-1', 'B', 'b1', 'big', 'n0']);
  });

  it('pages a member to the end of a large lookup without loss, exactly as SpiceDB answers, for every permission', async () => {
    const tree = (await allPages(people.owner as Person, 'VIEW', 100)).nodes;
    for (const [permission, first] of [
      ['VIEW', 50],
      ['VIEW', 7],
      ['EDIT', 3],
      ['MANAGE', 10],
      ['CREATE_CHILD', 1],
    ] as const) {
      const allowed: boolean[] = [];
      for (let i = 0; i < tree.length; i += 100) {
        const checks = tree.slice(i, i + 100).map((w) => ({ resourceType: 'WORKSPACE', resourceId: w.id, permission }));
        allowed.push(...(await ok<{ checkPermissions: { allowed: boolean }[] }>(server, people.mia?.headers ?? {}, CHECK, { checks })).checkPermissions.map((a) => a.allowed));
      }
      const expected = tree.filter((_, i) => allowed[i]).map((w) => w.id);
      const { nodes } = await allPages(people.mia as Person, permission, first);
      expect(nodes.map((n) => n.id), `${permission} by ${first}`).toEqual(expected);
    }
    const view = (await allPages(people.mia as Person, 'VIEW', 100)).nodes.map((n) => n.name);
    expect(view).toHaveLength(587);
    expect(view.slice(0, 3)).toEqual(['a-1', 'big', 'n0']);
    expect(view.at(-1)).toBe('c');
    expect((await allPages(people.mia as Person, 'CREATE_CHILD', 50)).nodes.map((n) => n.name)).toEqual([expect.any(String), 'a-1']);
    expect((await allPages(people.pat as Person, 'CREATE_CHILD', 50)).nodes.map((n) => n.id)).toEqual([ws.root]);
    expect((await allPages(people.pat as Person, 'VIEW', 50)).nodes).toEqual([]);
  });

  it('counts what the caller holds, ignoring first and after: every page, the whole tree for an admin', async () => {
    const COUNTED = /* GraphQL */ `query Counted($tenantId: ID!, $permission: Permission!, $first: Int) {
      accessibleWorkspaces(tenantId: $tenantId, permission: $permission, first: $first) { totalCount nodes { id } }
    }`;
    type Counted = { accessibleWorkspaces: { totalCount: number; nodes: { id: string }[] } };
    for (const [who, permission] of [
      ['mia', 'VIEW'],
      ['mia', 'EDIT'],
      ['mia', 'CREATE_CHILD'],
      ['pat', 'CREATE_CHILD'],
      ['pat', 'VIEW'],
      ['owner', 'MANAGE'],
    ] as const) {
      const as = people[who] as Person;
      const all = (await allPages(as, permission, 100)).nodes.length;
      const counted = await ok<Counted>(server, as.headers, COUNTED, { tenantId, permission, first: 2 });
      expect(counted.accessibleWorkspaces.totalCount, `${who} ${permission}`).toBe(all);
      expect(counted.accessibleWorkspaces.nodes.length).toBe(Math.min(2, all));
    }
  });

  it('costs the same statements and no SpiceDB call on the first page as deep into the lookup', async () => {
    const { responses } = await allPages(people.mia as Person, 'VIEW', 50);
    const lines = await Promise.all(responses.map((headers) => requestLine(logs, headers)));
    const sql = lines.map((l) => l.sql as number);
    // Every page: provisioning, the freshness token, the subtrees, and one walk, also for the first
    // page (from a-1 into big) and the last (from big into c), which cross from one subtree to the next.
    expect(lines.length).toBeGreaterThan(10);
    expect(sql).toEqual(sql.map(() => 4));
    expect(Math.max(...lines.slice(1).map((l) => l.spicedb as number))).toBe(0);
  });

  it('crosses many small subtrees in one statement: a page of leaves granted one by one', async () => {
    const lea = await signIn(server, oidc, 'lea');
    await access.addTenantMember(people.owner?.headers ?? {}, tenantId, { userId: lea.id });
    const leaves = await server.database.pool.query<{ id: string; name: string }>(`SELECT id, name FROM workspaces WHERE tenant_id = $1 AND depth = 4 ORDER BY name DESC LIMIT 24`, [tenantId]);
    for (const leaf of leaves.rows) await access.grant(people.owner?.headers ?? {}, leaf.id, { userId: lea.id }, 'MEMBER');
    const { nodes, responses } = await allPages(lea, 'VIEW', 10);
    expect(nodes.map((n) => n.name)).toEqual(leaves.rows.map((l) => l.name).reverse());
    const lines = await Promise.all(responses.map((headers) => requestLine(logs, headers)));
    expect(lines.map((l) => l.sql)).toEqual([4, 4, 4]);
  });

  it('fails a page that cannot be completed within the row limit, rather than returning less', async () => {
    const response = await page(people.mia as Person, { permission: 'VIEW', first: MAX_ROWS + 50 });
    expect(refusal(response)).toEqual({ code: 'BAD_USER_INPUT', reason: 'LOOKUP_TOO_LARGE', field: 'first' });
    expect(response.data ?? null).toBeNull();
  });

  it('refuses a permission a workspace does not define, and hides tenants the caller cannot view', async () => {
    const administrate = await page(people.mia as Person, { permission: 'ADMINISTRATE' });
    expect(refusal(administrate)).toEqual({ code: 'BAD_USER_INPUT', reason: 'PERMISSION_NOT_DEFINED', field: 'permission' });
    for (const other of [otherTenant, '01J00000000000000000000000']) {
      const hidden = await server.gql<Page>(ACCESSIBLE, { tenantId: other, permission: 'VIEW' }, people.mia?.headers);
      expect(refusal(hidden)).toEqual({ code: 'NOT_FOUND', field: 'tenantId' });
    }
    // An API key acts in its own tenant only: carol's key of "Elsewhere" finds nothing of "Reach" though she can view it once a member.
    await access.addTenantMember(people.owner?.headers ?? {}, tenantId, { userId: people.carol?.id ?? '' }, 'ADMIN');
    expect((await allPages(people.carol as Person, 'VIEW', 100)).nodes).toHaveLength(591);
    const key = await ok<{ createApiKey: { secret: string } }>(server, people.carol?.headers ?? {}, 'mutation($t: ID!) { createApiKey(input: { tenantId: $t, name: "k" }) { secret } }', {
      t: otherTenant,
    });
    const scoped = await server.gql<Page>(ACCESSIBLE, { tenantId, permission: 'VIEW' }, { 'x-api-key': key.createApiKey.secret });
    expect(refusal(scoped)).toEqual({ code: 'NOT_FOUND', field: 'tenantId' });
  });

  it('says so when a cursor no longer points into what the caller holds, instead of skipping', async () => {
    const first = await page(people.mia as Person, { permission: 'VIEW', first: 2 });
    const cursor = first.data?.accessibleWorkspaces.pageInfo.endCursor;
    expect(first.data?.accessibleWorkspaces.nodes.map((n) => n.name)).toEqual(['a-1', 'big']);
    await access.revoke(people.owner?.headers ?? {}, ws.big ?? '', { userId: people.mia?.id ?? '' });
    // `big` is gone from her view; the cursor names it.
    const next = await page(people.mia as Person, { permission: 'VIEW', first: 2, after: cursor });
    expect(refusal(next)).toEqual({ code: 'BAD_USER_INPUT', reason: 'INVALID_CURSOR', field: 'after' });
    const fresh = await allPages(people.mia as Person, 'VIEW', 100);
    expect(fresh.nodes.map((n) => n.name).slice(0, 3)).toEqual(['a-1', 'n0', 'n00']);
    expect(fresh.nodes).toHaveLength(1 + 73 + 1);
  });
});
