import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMember, type Member } from '../../support/fixtures.js';
import { captureLogs, requestLine, type CapturedLogs } from '../../support/logs.js';
import { CREATE_WORKSPACE, type CreatedWorkspace } from '../../support/operations.js';
import { startTestServer, type TestServer } from '../../support/server.js';

/*
 * Where a workspace sits (ancestors: a breadcrumb in one request) and what lies below it
 * (descendants in tree order, paged, with a depth limit, a name filter and a total).
 */
const BREADCRUMB = `query Breadcrumb($id: ID!) { workspace(id: $id) { name ancestors { id name depth } } }`;
const DESCENDANTS = `query Descendants($id: ID!, $first: Int, $after: String, $maxDepth: Int, $nameContains: String) {
  workspace(id: $id) {
    descendants(first: $first, after: $after, maxDepth: $maxDepth, nameContains: $nameContains) {
      totalCount nodes { name depth viewerPermissions { view } } pageInfo { hasNextPage endCursor }
    }
  }
}`;
type DescendantPage = { workspace: { descendants: { totalCount: number; nodes: { name: string; depth: number }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } } };

describe('workspace navigation: ancestors and descendants', () => {
  let server: TestServer;
  let logs: CapturedLogs;
  let root: string;
  const ids: Record<string, string> = {};

  const make = async (parentId: string, name: string): Promise<string> => {
    const created = await server.asAdmin<CreatedWorkspace>(CREATE_WORKSPACE, { parentId, name });
    expect(created.errors).toBeUndefined();
    ids[name] = created.data?.createWorkspace.workspace.id ?? '';
    return ids[name];
  };

  const descendants = async (id: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = { 'x-api-key': server.adminKey }) => {
    const response = await server.gql<DescendantPage>(DESCENDANTS, { id, ...variables }, headers);
    expect(response.errors).toBeUndefined();
    return response.data?.workspace.descendants;
  };

  /** Every name of the subtree, page by page with `first`. */
  const allPages = async (id: string, first: number, variables: Record<string, unknown> = {}): Promise<string[]> => {
    const names: string[] = [];
    let after: string | null = null;
    for (let guard = 0; guard < 50; guard += 1) {
      const page = await descendants(id, { first, after, ...variables });
      names.push(...(page?.nodes.map((n) => n.name) ?? []));
      if (!page?.pageInfo.hasNextPage) return names;
      after = page.pageInfo.endCursor;
    }
    throw new Error('pages did not end');
  };

  beforeAll(async () => {
    logs = captureLogs();
    server = await startTestServer({ LOG_LEVEL: 'info' }, { logger: logs.logger });
    root = server.runtime.bootstrap.rootWorkspaceId;
    // Names chosen so that name order across levels differs from tree order: "Bb" sorts before
    // "b" children in a flat list, and "a" is a prefix of "ab".
    const top = await make(root, 'Nav');
    const a = await make(top, 'a');
    await make(a, 'a-2');
    const a1 = await make(a, 'a-1');
    await make(a1, 'a-1-x');
    const ab = await make(top, 'ab');
    await make(ab, 'Bb');
    await make(top, 'B');
  });
  afterAll(async () => server.stop());

  it('lists a subtree in pre-order, siblings by name then id, and counts it', async () => {
    const page = await descendants(ids.Nav ?? '');
    expect(page?.nodes.map((n) => [n.name, n.depth])).toEqual([
      ['a', 2],
      ['a-1', 3],
      ['a-1-x', 4],
      ['a-2', 3],
      ['ab', 2],
      ['Bb', 3],
      ['B', 2],
    ]);
    expect(page?.totalCount).toBe(7);
    expect(page?.pageInfo.hasNextPage).toBe(false);
  });

  it('pages with after, for every page size, without gaps or repeats', async () => {
    const whole = (await descendants(ids.Nav ?? ''))?.nodes.map((n) => n.name);
    for (const first of [1, 2, 3, 6]) expect(await allPages(ids.Nav ?? '', first)).toEqual(whole);
    // A page of a subtree stays inside it: the last node of `a` is followed by nothing.
    expect(await allPages(ids.a ?? '', 1)).toEqual(['a-1', 'a-1-x', 'a-2']);
  });

  it('maxDepth counts from the workspace: 1 is its children; totalCount follows it', async () => {
    const children = await descendants(ids.Nav ?? '', { maxDepth: 1 });
    expect(children?.nodes.map((n) => n.name)).toEqual(['a', 'ab', 'B']);
    expect(children?.totalCount).toBe(3);
    const two = await descendants(ids.Nav ?? '', { maxDepth: 2, first: 2 });
    expect(two?.nodes.map((n) => n.name)).toEqual(['a', 'a-1']);
    expect(two?.totalCount).toBe(6);
    expect(await allPages(ids.Nav ?? '', 2, { maxDepth: 2 })).toEqual(['a', 'a-1', 'a-2', 'ab', 'Bb', 'B']);
  });

  it('nameContains keeps matches in tree order, case-insensitively; totalCount counts the matches', async () => {
    const page = await descendants(ids.Nav ?? '', { nameContains: 'B' });
    expect(page?.nodes.map((n) => n.name)).toEqual(['ab', 'Bb', 'B']);
    expect(page?.totalCount).toBe(3);
    expect(await allPages(ids.Nav ?? '', 1, { nameContains: 'a-1' })).toEqual(['a-1', 'a-1-x']);
  });

  it('refuses a bad maxDepth and a cursor from another subtree with BAD_USER_INPUT', async () => {
    const zero = await server.asAdmin(DESCENDANTS, { id: ids.Nav, maxDepth: 0 });
    expect(zero.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'maxDepth', reason: 'INVALID_MAX_DEPTH' });
    const elsewhere = await descendants(ids.ab ?? '', { first: 1 });
    const foreign = await server.asAdmin(DESCENDANTS, { id: ids.a, after: elsewhere?.pageInfo.endCursor });
    expect(foreign.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after', reason: 'INVALID_CURSOR' });
  });

  it('shows a member the subtree of their grant and nothing above it', async () => {
    const member: Member = await createMember(server, { tenantId: server.runtime.bootstrap.tenantId, username: 'nav-member', workspaceRoles: [{ workspaceId: ids.a ?? '', role: 'member' }] });
    expect((await descendants(ids.a ?? '', {}, member.headers))?.nodes.map((n) => n.name)).toEqual(['a-1', 'a-1-x', 'a-2']);
    const crumbs = await server.gql<{ workspace: { ancestors: ({ name: string } | null)[] } }>(BREADCRUMB, { id: ids['a-1-x'] }, member.headers);
    expect(crumbs.data?.workspace.ancestors.map((a) => a?.name ?? null)).toEqual([null, null, 'a', 'a-1']);
    // The parent they cannot view: no workspace, so no descendants.
    const above = await server.gql<{ workspace: unknown }>(DESCENDANTS, { id: ids.Nav }, member.headers);
    expect(above.data?.workspace).toBeNull();
  });

  it('gives the breadcrumb root first, and [] for the root', async () => {
    const crumbs = await server.asAdmin<{ workspace: { ancestors: { name: string; depth: number }[] } }>(BREADCRUMB, { id: ids['a-1-x'] });
    expect(crumbs.data?.workspace.ancestors.map((a) => [a.name, a.depth])).toEqual([
      ['Root', 0],
      ['Nav', 1],
      ['a', 2],
      ['a-1', 3],
    ]);
    const ofRoot = await server.asAdmin<{ workspace: { ancestors: unknown[] } }>(BREADCRUMB, { id: root });
    expect(ofRoot.data?.workspace.ancestors).toEqual([]);
  });

  it('costs the same statements and SpiceDB calls for a 1-level and a 4-level chain, a small and a large subtree', async () => {
    const member = await createMember(server, { tenantId: server.runtime.bootstrap.tenantId, username: 'nav-counter', workspaceRoles: [{ workspaceId: ids.Nav ?? '', role: 'member' }] });
    const counts = async (query: string, variables: Record<string, unknown>) => {
      const response = await server.gql(query, variables, member.headers);
      expect(response.errors).toBeUndefined();
      const line = await requestLine(logs, response.headers);
      return { sql: line.sql, spicedb: line.spicedb };
    };
    // The first request after the member was made learns which tenants that touched (answer-cache.ts): paid here, on another question.
    await counts(`query($t: ID!) { tenant(id: $t) { id } }`, { t: server.runtime.bootstrap.tenantId });
    // One call checks the workspace itself, one bulk call the whole chain, however long; answers
    // are cached per freshness token, so a later request may pay fewer.
    const shallow = await counts(BREADCRUMB, { id: ids.a });
    const deep = await counts(BREADCRUMB, { id: ids['a-1-x'] });
    expect(deep.sql).toBe(shallow.sql);
    expect([shallow.spicedb, deep.spicedb]).toEqual([2, 2]);
    const small = await counts(DESCENDANTS, { id: ids.ab });
    const large = await counts(DESCENDANTS, { id: ids.Nav });
    expect(large.sql).toBe(small.sql);
    expect(small.spicedb).toBeLessThanOrEqual(1);
    expect(large.spicedb).toBeLessThanOrEqual(1);
  });
  it('leaves a trashed workspace out of the page and of every count, and counts it again once restored', async () => {
    const counts = async () =>
      Promise.all([descendants(ids.Nav ?? ''), descendants(ids.Nav ?? '', { nameContains: 'B' }), descendants(ids.Nav ?? '', { maxDepth: 2 })]).then((pages) =>
        pages.map((p) => p?.totalCount),
      );
    expect(await counts()).toEqual([7, 3, 6]);
    const trashed = await server.asAdmin(`mutation($id: ID!) { deleteWorkspace(input: { id: $id }) { authorizationSynced } }`, { id: ids.Bb });
    expect(trashed.errors).toBeUndefined();
    expect(await counts()).toEqual([6, 2, 5]);
    expect((await descendants(ids.Nav ?? ''))?.nodes.map((n) => n.name)).not.toContain('Bb');
    const restored = await server.asAdmin(`mutation($id: ID!) { restoreWorkspace(input: { id: $id }) { authorizationSynced } }`, { id: ids.Bb });
    expect(restored.errors).toBeUndefined();
    expect(await counts()).toEqual([7, 3, 6]);
  });
});
