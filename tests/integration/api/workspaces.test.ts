import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMember, type Member } from '../../support/fixtures.js';
import { CREATE_WORKSPACE, DELETE_WORKSPACE, GET_WORKSPACE, RENAME_WORKSPACE, type CreatedWorkspace } from '../../support/operations.js';
import { startTestServer, type TestServer } from '../../support/server.js';

describe('workspace hierarchy over HTTP', () => {
  let server: TestServer;
  let tenantId: string;
  let rootId: string;

  const create = async (parentId: string, name: string, headers?: Record<string, string>) => {
    const response = headers
      ? await server.gql<CreatedWorkspace>(CREATE_WORKSPACE, { parentId, name }, headers)
      : await server.asAdmin<CreatedWorkspace>(CREATE_WORKSPACE, { parentId, name });
    expect(response.errors).toBeUndefined();
    return response.data?.createWorkspace.workspace.id ?? '';
  };

  beforeAll(async () => {
    server = await startTestServer();
    tenantId = server.runtime.bootstrap.tenantId;
    rootId = server.runtime.bootstrap.rootWorkspaceId;
  });
  afterAll(async () => server.stop());

  it('creates a child that its creator can see and manage in the very next request', async () => {
    const created = await server.asAdmin<CreatedWorkspace>(CREATE_WORKSPACE, { parentId: rootId, name: '  Engineering ' });
    expect(created.errors).toBeUndefined();
    const payload = created.data?.createWorkspace;
    expect(payload?.authorizationSynced).toBe(true);
    expect(payload?.workspace).toMatchObject({ name: 'Engineering', depth: 1, isRoot: false, parent: { id: rootId }, tenant: { id: tenantId } });
    expect(payload?.workspace).toMatchObject({ viewerPermissions: { view: true, edit: true, manage: true, createChild: true } });

    const read = await server.asAdmin(GET_WORKSPACE, { id: payload?.workspace.id });
    expect(read.data).toMatchObject({ workspace: { name: 'Engineering', parent: { id: rootId, name: 'Root' } } });
    const members = await server.database.pool.query('SELECT role FROM workspace_members WHERE workspace_id = $1', [payload?.workspace.id]);
    expect(members.rows).toEqual([{ role: 'admin' }]);
  });

  it('walks the tree down through children and up through parents', async () => {
    const a = await create(rootId, 'Tree A');
    const b = await create(a, 'Tree B');
    const c = await create(b, 'Tree C');
    const down = await server.asAdmin<{ workspace: { children: { nodes: { name: string; children: { nodes: { name: string; children: { nodes: { id: string }[] } }[] } }[] } } }>(
      `query($id: ID!) { workspace(id: $id) { children { nodes { name children { nodes { name children { nodes { id } } } } } } } }`,
      { id: a },
    );
    expect(down.data?.workspace.children.nodes).toEqual([{ name: 'Tree B', children: { nodes: [{ name: 'Tree C', children: { nodes: [] } }] } }]);
    const up = await server.asAdmin(`query($id: ID!) { workspace(id: $id) { depth parent { name parent { name parent { name isRoot parent { id } } } } } }`, { id: c });
    expect(up.data).toEqual({ workspace: { depth: 3, parent: { name: 'Tree B', parent: { name: 'Tree A', parent: { name: 'Root', isRoot: true, parent: null } } } } });
  });

  it('a child read through its parent has every field it has when read by id', async () => {
    const parent = await create(rootId, 'Fields');
    const child = await create(parent, 'Fields child');
    await server.database.pool.query(`UPDATE workspaces SET created_at = '2024-02-29 23:59:59.123456+00', updated_at = '1999-12-31 22:00:00.5-05:30' WHERE id = $1`, [child]);
    const fields = 'id name isRoot depth createdAt updatedAt tenant { id } parent { id }';
    const viaParent = await server.asAdmin<{ workspace: { children: { nodes: unknown[] } } }>(`query($id: ID!) { workspace(id: $id) { children { nodes { ${fields} } } } }`, { id: parent });
    const byId = await server.asAdmin<{ workspace: unknown }>(`query($id: ID!) { workspace(id: $id) { ${fields} } }`, { id: child });
    expect(viaParent.data?.workspace.children.nodes).toEqual([byId.data?.workspace]);
    expect(byId.data?.workspace).toMatchObject({ depth: 2, isRoot: false, createdAt: '2024-02-29T23:59:59.123Z', updatedAt: '2000-01-01T03:30:00.500Z' });
  });

  it('pages children by name, then id, case-insensitively', async () => {
    const parent = await create(rootId, 'Paging');
    for (const name of ['charlie', 'Alpha', 'bravo']) await create(parent, name);
    const page = `query($id: ID!, $after: String) { workspace(id: $id) { children(first: 2, after: $after) { nodes { name } pageInfo { hasNextPage endCursor } } } }`;
    type PageResult = { workspace: { children: { nodes: { name: string }[]; pageInfo: { hasNextPage: boolean; endCursor: string } } } };
    const first = await server.asAdmin<PageResult>(page, { id: parent });
    expect(first.data?.workspace.children.nodes.map((n) => n.name)).toEqual(['Alpha', 'bravo']);
    expect(first.data?.workspace.children.pageInfo.hasNextPage).toBe(true);
    const second = await server.asAdmin<PageResult>(page, { id: parent, after: first.data?.workspace.children.pageInfo.endCursor });
    expect(second.data?.workspace.children.nodes.map((n) => n.name)).toEqual(['charlie']);
    expect(second.data?.workspace.children.pageInfo.hasNextPage).toBe(false);
  });

  it('lists the workspaces of a tenant with a name filter', async () => {
    await create(rootId, 'Filter 100%');
    await create(rootId, 'Filter other');
    const list = await server.asAdmin<{ workspaces: { nodes: { name: string }[] } }>(
      `query($t: ID!) { workspaces(tenantId: $t, nameContains: "100%") { nodes { name } } }`,
      { t: tenantId },
    );
    expect(list.data?.workspaces.nodes.map((n) => n.name)).toEqual(['Filter 100%']);
  });

  describe('roles inherit down the tree', () => {
    let a: string;
    let b: string;
    let sibling: string;
    let editor: Member;
    let viewer: Member;
    let plainMember: Member;

    beforeAll(async () => {
      a = await create(rootId, 'Inherit A');
      b = await create(a, 'Inherit B');
      sibling = await create(rootId, 'Inherit sibling');
      editor = await createMember(server, { tenantId, username: 'editor-of-a', workspaceRoles: [{ workspaceId: a, role: 'editor' }] });
      viewer = await createMember(server, { tenantId, username: 'member-of-a', workspaceRoles: [{ workspaceId: a, role: 'member' }] });
      plainMember = await createMember(server, { tenantId, username: 'plain-tenant-member' });
    });

    it('a member of A views A and its descendants but nothing beside them', async () => {
      const answer = await server.gql<Record<string, unknown>>(
        `query($a: ID!, $b: ID!, $s: ID!, $r: ID!) { a: workspace(id: $a) { id } b: workspace(id: $b) { id parent { id } } s: workspace(id: $s) { id } r: workspace(id: $r) { id } }`,
        { a, b, s: sibling, r: rootId },
        viewer.headers,
      );
      expect(answer.data).toEqual({ a: { id: a }, b: { id: b, parent: { id: a } }, s: null, r: null });
    });

    it('an editor of A may create below B; a member of A may not (FORBIDDEN, since they can view it)', async () => {
      const byEditor = await server.gql<CreatedWorkspace>(CREATE_WORKSPACE, { parentId: b, name: 'from editor' }, editor.headers);
      expect(byEditor.errors).toBeUndefined();
      const byMember = await server.gql(CREATE_WORKSPACE, { parentId: b, name: 'from member' }, viewer.headers);
      expect(byMember.errors?.[0]?.extensions.code).toBe('FORBIDDEN');
    });

    it('renaming needs manage: FORBIDDEN for an editor who can view, NOT_FOUND for a member who cannot', async () => {
      const byEditor = await server.gql(RENAME_WORKSPACE, { id: b, name: 'nope' }, editor.headers);
      expect(byEditor.errors?.[0]?.extensions.code).toBe('FORBIDDEN');
      const byStranger = await server.gql(RENAME_WORKSPACE, { id: sibling, name: 'nope' }, viewer.headers);
      expect(byStranger.errors?.[0]?.extensions.code).toBe('NOT_FOUND');
      const names = await server.database.pool.query('SELECT name FROM workspaces WHERE id = ANY($1) ORDER BY name', [[b, sibling]]);
      expect(names.rows.map((r: { name: string }) => r.name)).toEqual(['Inherit B', 'Inherit sibling']);
    });

    it('every tenant member may create children of the root, and becomes admin of what they create', async () => {
      const created = await server.gql<CreatedWorkspace>(CREATE_WORKSPACE, { parentId: rootId, name: 'member project' }, plainMember.headers);
      expect(created.errors).toBeUndefined();
      const id = created.data?.createWorkspace.workspace.id ?? '';
      // They cannot view the root, so their workspace's parent reads as null.
      expect(created.data?.createWorkspace.workspace).toMatchObject({ depth: 1, parent: null });
      const renamed = await server.gql(RENAME_WORKSPACE, { id, name: 'member project 2' }, plainMember.headers);
      expect(renamed.errors).toBeUndefined();
      // The root itself stays hidden from them.
      const root = await server.gql(GET_WORKSPACE, { id: rootId }, plainMember.headers);
      expect(root.data).toEqual({ workspace: null });
    });

    it('lists only what the caller can view', async () => {
      const list = await server.gql<{ workspaces: { nodes: { name: string }[] } }>(
        `query($t: ID!) { workspaces(tenantId: $t, nameContains: "inherit") { nodes { name } } }`,
        { t: tenantId },
        viewer.headers,
      );
      expect(list.data?.workspaces.nodes.map((n) => n.name)).toEqual(['Inherit A', 'Inherit B']);
    });
  });

  describe('deletion', () => {
    it('refuses the root and a workspace with children, then deletes a leaf', async () => {
      const parent = await create(rootId, 'Delete parent');
      const leaf = await create(parent, 'Delete leaf');
      const root = await server.asAdmin(DELETE_WORKSPACE, { id: rootId });
      expect(root.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT', reason: 'CANNOT_DELETE_ROOT' });
      const withChildren = await server.asAdmin(DELETE_WORKSPACE, { id: parent });
      expect(withChildren.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT', reason: 'WORKSPACE_HAS_CHILDREN' });
      const deleted = await server.asAdmin(DELETE_WORKSPACE, { id: leaf });
      expect(deleted.data).toEqual({ deleteWorkspace: { deletedWorkspaceId: leaf, authorizationSynced: true } });
      const gone = await server.asAdmin(GET_WORKSPACE, { id: leaf });
      expect(gone.data).toEqual({ workspace: null });
      const relationships = await server.runtime.spicedb.readRelationships({ resourceType: 'workspace', resourceId: leaf }, null);
      expect(relationships).toEqual([]);
    });

    it('the parent foreign key refuses to orphan children even if the service check were bypassed', async () => {
      const parent = await create(rootId, 'FK parent');
      await create(parent, 'FK child');
      await expect(server.database.pool.query('DELETE FROM workspaces WHERE id = $1', [parent])).rejects.toMatchObject({
        constraint: 'workspaces_parent_fkey',
      });
    });
  });

  it('two concurrent creates of the same name under one parent: one wins, one CONFLICT', async () => {
    const parent = await create(rootId, 'Race parent');
    const [first, second] = await Promise.all([
      server.asAdmin(CREATE_WORKSPACE, { parentId: parent, name: 'Same' }),
      server.asAdmin(CREATE_WORKSPACE, { parentId: parent, name: 'same' }),
    ]);
    const codes = [first, second].map((r) => r.errors?.[0]?.extensions.code ?? 'OK').sort();
    expect(codes).toEqual(['CONFLICT', 'OK']);
    const rows = await server.database.pool.query('SELECT count(*)::int AS n FROM workspaces WHERE parent_id = $1', [parent]);
    expect(rows.rows[0]).toEqual({ n: 1 });
  });
});
