import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChildService, type ChildService } from '../../support/child-service.js';
import { createMember, outboxSettled, type Member } from '../../support/fixtures.js';
import { refusal, signIn } from '../../support/access.js';
import { TestOidcProvider } from '../../support/oidc-provider.js';
import { CREATE_WORKSPACE, type CreatedWorkspace } from '../../support/operations.js';
import { startTestServer, type GraphQLResponse, type TestServer } from '../../support/server.js';
import { snapshot } from '../../support/snapshot.js';
import { treeProblems } from '../../support/tree-consistency.js';

const MOVE = `mutation Move($input: MoveWorkspaceInput!) {
  moveWorkspace(input: $input) { authorizationSynced workspace { id name depth parent { id } } }
}`;
const CAN_VIEW = `query($id: ID!) { workspace(id: $id) { id viewerPermissions { view manage } } }`;
type Moved = { moveWorkspace: { authorizationSynced: boolean; workspace: { id: string; name: string; depth: number; parent: { id: string } | null } } };

describe('moveWorkspace', () => {
  let server: TestServer;
  let second: ChildService;
  let oidc: TestOidcProvider;
  let tenantId: string;
  let root: string;

  const make = async (parentId: string, name: string, headers?: Record<string, string>): Promise<string> => {
    const created = headers
      ? await server.gql<CreatedWorkspace>(CREATE_WORKSPACE, { parentId, name }, headers)
      : await server.asAdmin<CreatedWorkspace>(CREATE_WORKSPACE, { parentId, name });
    expect(created.errors).toBeUndefined();
    return created.data?.createWorkspace.workspace.id ?? '';
  };
  const move = (id: string, newParentId: string, headers: Record<string, string> = { 'x-api-key': server.adminKey }): Promise<GraphQLResponse<Moved>> =>
    server.gql<Moved>(MOVE, { input: { id, newParentId } }, headers);
  const member = (username: string, workspaceRoles: { workspaceId: string; role: 'admin' | 'editor' | 'member' }[] = []): Promise<Member> =>
    createMember(server, { tenantId, username, workspaceRoles });
  /** Whether `headers` can view the workspace, asked of `url` (this process or the second one). */
  const sees = async (url: string, headers: Record<string, string>, id: string): Promise<boolean> => {
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query: CAN_VIEW, variables: { id } }) });
    const body = (await response.json()) as { data?: { workspace: { viewerPermissions: { view: boolean } } | null } };
    return body.data?.workspace?.viewerPermissions.view ?? false;
  };
  const parentEdges = async (id: string): Promise<string[]> =>
    (await server.runtime.spicedb.readRelationships({ resourceType: 'workspace', resourceId: id, relation: 'parent' }, null)).map((t) => t.subject.id);

  beforeAll(async () => {
    oidc = await TestOidcProvider.start();
    await oidc.addKey('RS256');
    server = await startTestServer({ MAX_WORKSPACE_DEPTH: '5', OIDC_ISSUER: oidc.issuer, OIDC_AUDIENCE: oidc.audience });
    tenantId = server.runtime.bootstrap.tenantId;
    root = server.runtime.bootstrap.rootWorkspaceId;
    second = await startChildService({ DATABASE_URL: server.database.url, MAX_WORKSPACE_DEPTH: '5' });
  }, 120_000);
  afterAll(async () => {
    await second?.stop();
    await server?.stop();
    await oidc?.close();
  });

  it('moves a subtree with its ids, names, children and grants; every depth is rewritten', async () => {
    const from = await make(root, 'From');
    const to = await make(root, 'To');
    const top = await make(from, 'Top');
    const mid = await make(top, 'Mid');
    const leaf = await make(mid, 'Leaf');
    const holder = await member('grant-holder', [{ workspaceId: mid, role: 'editor' }]);
    const moved = await move(top, to);
    expect(moved.errors).toBeUndefined();
    expect(moved.data?.moveWorkspace).toEqual({ authorizationSynced: true, workspace: { id: top, name: 'Top', depth: 2, parent: { id: to } } });
    const tree = await server.asAdmin<{ workspace: { descendants: { nodes: { id: string; name: string; depth: number }[] } } }>(
      `query($id: ID!) { workspace(id: $id) { descendants { nodes { id name depth } } } }`,
      { id: to },
    );
    expect(tree.data?.workspace.descendants.nodes).toEqual([
      { id: top, name: 'Top', depth: 2 },
      { id: mid, name: 'Mid', depth: 3 },
      { id: leaf, name: 'Leaf', depth: 4 },
    ]);
    const grants = await server.database.pool.query('SELECT workspace_id, role FROM workspace_members WHERE user_id = $1', [holder.userId]);
    expect(grants.rows).toEqual([{ workspace_id: mid, role: 'editor' }]);
    // One parent edge, the new one; the descendants' edges untouched.
    expect(await parentEdges(top)).toEqual([to]);
    expect(await parentEdges(mid)).toEqual([top]);
    expect(await treeProblems(server)).toEqual([]);
  });

  it('inheritance follows the tree: grants on the old parent no longer reach the subtree, those on the new parent do, in both processes', async () => {
    const oldParent = await make(root, 'Old parent');
    const newParent = await make(root, 'New parent');
    const subtree = await make(oldParent, 'Moving');
    const below = await make(subtree, 'Below moving');
    const oldUser = await member('old-user', [{ workspaceId: oldParent, role: 'admin' }]);
    const newUser = await member('new-user', [{ workspaceId: newParent, role: 'member' }]);
    const oldGroupie = await member('old-groupie');
    const newGroupie = await member('new-groupie');
    const group = async (name: string, user: string, workspaceId: string) => {
      const created = await server.asAdmin<{ createGroup: { group: { id: string } } }>(`mutation($t: ID!, $n: String!) { createGroup(input: { tenantId: $t, name: $n }) { group { id } } }`, { t: tenantId, n: name });
      const id = created.data?.createGroup.group.id ?? '';
      expect((await server.asAdmin(`mutation($g: ID!, $u: ID!) { addGroupMember(input: { groupId: $g, userId: $u, role: MEMBER }) { authorizationSynced } }`, { g: id, u: user })).errors).toBeUndefined();
      expect((await server.asAdmin(`mutation($w: ID!, $g: ID!) { grantWorkspaceRole(input: { workspaceId: $w, groupId: $g, role: EDITOR }) { authorizationSynced } }`, { w: workspaceId, g: id })).errors).toBeUndefined();
    };
    await group('Old parent group', oldGroupie.userId, oldParent);
    await group('New parent group', newGroupie.userId, newParent);
    for (const url of [server.url, second.url]) {
      for (const id of [subtree, below]) {
        expect([await sees(url, oldUser.headers, id), await sees(url, oldGroupie.headers, id)]).toEqual([true, true]);
        expect([await sees(url, newUser.headers, id), await sees(url, newGroupie.headers, id)]).toEqual([false, false]);
      }
    }
    expect((await move(subtree, newParent)).data?.moveWorkspace.authorizationSynced).toBe(true);
    for (const url of [server.url, second.url]) {
      for (const id of [subtree, below]) {
        expect([await sees(url, oldUser.headers, id), await sees(url, oldGroupie.headers, id)]).toEqual([false, false]);
        expect([await sees(url, newUser.headers, id), await sees(url, newGroupie.headers, id)]).toEqual([true, true]);
      }
    }
    // Nor can the old parent's admin list it or move it back.
    const list = await server.gql<{ workspaces: { nodes: { id: string }[] } }>(`query($t: ID!) { workspaces(tenantId: $t, first: 500) { nodes { id } } }`, { t: tenantId }, oldUser.headers);
    expect(list.data?.workspaces.nodes.map((n) => n.id)).not.toContain(subtree);
    expect(refusal(await move(subtree, oldParent, oldUser.headers)).code).toBe('NOT_FOUND');
  });

  it('needs manage on the current parent and createChild on the new one', async () => {
    const parent = await make(root, 'Guarded parent');
    const target = await make(parent, 'Guarded');
    const elsewhere = await make(root, 'Guarded elsewhere');
    const subtreeAdmin = await member('subtree-admin', [{ workspaceId: target, role: 'admin' }, { workspaceId: elsewhere, role: 'admin' }]);
    const parentEditor = await member('parent-editor', [{ workspaceId: parent, role: 'admin' }, { workspaceId: elsewhere, role: 'member' }]);
    const outsider = await member('move-outsider');
    const before = await snapshot(server);
    // A subtree admin cannot pull their subtree out from under the admins above it.
    expect(refusal(await move(target, elsewhere, subtreeAdmin.headers))).toMatchObject({ code: 'FORBIDDEN', reason: 'MISSING_MANAGE_PERMISSION' });
    // Manage on the parent, but only member (no createChild) on the destination.
    expect(refusal(await move(target, elsewhere, parentEditor.headers))).toMatchObject({ code: 'FORBIDDEN' });
    // Cannot view: not found.
    expect(refusal(await move(target, elsewhere, outsider.headers)).code).toBe('NOT_FOUND');
    expect(await snapshot(server)).toEqual(before);
  });

  it('refuses, changing nothing in PostgreSQL or SpiceDB: root, cycle, depth, name, another tenant, malformed ids', async () => {
    const a = await make(root, 'Refusals');
    const b = await make(a, 'Refusals child');
    const c = await make(b, 'Refusals grandchild');
    const deepest = await make(await make(await make(await make(root, 'D1'), 'D2'), 'D3'), 'D4');
    const other = await make(root, 'Namesake parent');
    await make(other, 'Refusals child');
    await outboxSettled(server);
    const before = await snapshot(server);
    expect(refusal(await move(root, a))).toMatchObject({ code: 'CONFLICT', reason: 'CANNOT_MOVE_ROOT' });
    expect(refusal(await move(a, a))).toMatchObject({ code: 'CONFLICT', reason: 'WOULD_CREATE_CYCLE' });
    expect(refusal(await move(a, c))).toMatchObject({ code: 'CONFLICT', reason: 'WOULD_CREATE_CYCLE' });
    // b has a child: under D4 (depth 4) it would be 5 and its child 6 > MAX_WORKSPACE_DEPTH 5.
    expect(refusal(await move(b, deepest))).toMatchObject({ code: 'CONFLICT', reason: 'WORKSPACE_TOO_DEEP' });
    expect(refusal(await move(b, other))).toMatchObject({ code: 'CONFLICT', reason: 'WORKSPACE_NAME_TAKEN' });
    expect(refusal(await move('nope', a))).toMatchObject({ code: 'BAD_USER_INPUT', field: 'id' });
    expect(refusal(await move(b, 'nope'))).toMatchObject({ code: 'BAD_USER_INPUT', field: 'newParentId' });
    // To its current parent: succeeds, writes nothing.
    const same = await move(b, a);
    expect(same.data?.moveWorkspace.workspace).toMatchObject({ id: b, parent: { id: a } });
    expect(await snapshot(server)).toEqual(before);
    // The leaf fits under D4 exactly: the depth rule counts the deepest node, not the moved one.
    expect((await move(c, deepest)).data?.moveWorkspace.workspace.depth).toBe(5);
  });

  it('a new parent in another tenant is NOT_FOUND, even to an admin of both', async () => {
    const owner = await signIn(server, oidc, 'two-tenant-owner');
    const tenant = async (name: string) =>
      (await server.gql<{ createTenant: { tenant: { rootWorkspace: { id: string } } } }>(`mutation($n: String!) { createTenant(input: { name: $n }) { tenant { rootWorkspace { id } } } }`, { n: name }, owner.headers)).data
        ?.createTenant.tenant.rootWorkspace.id ?? '';
    const here = await tenant('Move here Inc');
    const there = await tenant('Move there Inc');
    const child = await make(here, 'Stays home', owner.headers);
    const before = await snapshot(server);
    expect(refusal(await move(child, there, owner.headers))).toMatchObject({ code: 'NOT_FOUND', field: 'newParentId' });
    // The bootstrap admin's API key is scoped to its own tenant: the same.
    expect(refusal(await move(child, root)).code).toBe('NOT_FOUND');
    expect(await snapshot(server)).toEqual(before);
  });

  it('crossing moves (A under B while B moves under A) never make a cycle: exactly one wins', async () => {
    for (let round = 0; round < 5; round += 1) {
      const a = await make(root, `Cross A${round}`);
      const b = await make(root, `Cross B${round}`);
      const [ab, ba] = await Promise.all([move(a, b), move(b, a)]);
      const outcomes = [ab, ba].map((r) => (r.errors ? refusal(r).reason : 'moved'));
      expect(outcomes.sort()).toEqual(['WOULD_CREATE_CYCLE', 'moved']);
    }
    await outboxSettled(server);
    expect(await treeProblems(server)).toEqual([]);
  });

  it('a move racing a delete of the new parent, a create and a grant inside the subtree, or a second move, leaves a consistent tree', async () => {
    const grantee = await member('race-grantee');
    for (let round = 0; round < 4; round += 1) {
      const source = await make(root, `Race source ${round}`);
      const target = await make(source, `Race target ${round}`);
      const inner = await make(target, `Race inner ${round}`);
      const destination = await make(root, `Race destination ${round}`);
      const doomed = await make(root, `Race doomed ${round}`);
      const results = await Promise.all([
        move(target, round % 2 === 0 ? destination : doomed),
        server.asAdmin(`mutation($id: ID!) { deleteWorkspace(input: { id: $id }) { deletedWorkspaceId } }`, { id: doomed }),
        server.asAdmin<CreatedWorkspace>(CREATE_WORKSPACE, { parentId: inner, name: `Born during move ${round}` }),
        server.asAdmin(`mutation($w: ID!, $u: ID!) { grantWorkspaceRole(input: { workspaceId: $w, userId: $u, role: MEMBER }) { authorizationSynced } }`, { w: inner, u: grantee.userId }),
        move(target, destination),
      ]);
      for (const r of results) if (r.errors) expect(['CONFLICT', 'NOT_FOUND']).toContain(refusal(r).code);
      await outboxSettled(server);
      expect(await treeProblems(server)).toEqual([]);
      // Wherever it ended, the child created meanwhile sits at its parent's depth plus one, and the grantee views inner.
      const depths = await server.database.pool.query<{ depth: number; parent: number }>(
        `SELECT w.depth, p.depth AS parent FROM workspaces w JOIN workspaces p ON p.id = w.parent_id WHERE w.parent_id = $1`,
        [inner],
      );
      for (const row of depths.rows) expect(row.depth).toBe(row.parent + 1);
      expect(await sees(server.url, grantee.headers, inner)).toBe(true);
    }
  });
});
