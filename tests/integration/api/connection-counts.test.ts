import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMember, type Member } from '../../support/fixtures.js';
import { CREATE_WORKSPACE, type CreatedWorkspace } from '../../support/operations.js';
import { startTestServer, type TestServer } from '../../support/server.js';

/*
 * totalCount on every connection that offers it: what the arguments select, whatever `first` and
 * `after` say, and the same number as paging to the end; zero where the caller sees nothing.
 */
type Counted = { totalCount: number; nodes: unknown[]; pageInfo: { hasNextPage: boolean } };

describe('totalCount on the other connections', () => {
  let server: TestServer;
  let tenantId: string;
  let root: string;
  let alice: Member;
  let bob: Member;
  let groupA: string;
  let team: string;

  const ok = async <T>(query: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = { 'x-api-key': server.adminKey }): Promise<T> => {
    const response = await server.gql<T>(query, variables, headers);
    expect(response.errors).toBeUndefined();
    return response.data as T;
  };

  beforeAll(async () => {
    server = await startTestServer();
    tenantId = server.runtime.bootstrap.tenantId;
    root = server.runtime.bootstrap.rootWorkspaceId;
    const created = await server.asAdmin<CreatedWorkspace>(CREATE_WORKSPACE, { parentId: root, name: 'Team' });
    team = created.data?.createWorkspace.workspace.id ?? '';
    alice = await createMember(server, { tenantId, username: 'alice', workspaceRoles: [{ workspaceId: team, role: 'editor' }] });
    bob = await createMember(server, { tenantId, username: 'bob', workspaceRoles: [{ workspaceId: root, role: 'member' }] });
    await createMember(server, { tenantId, username: 'carol' });
    const group = (name: string) =>
      ok<{ createGroup: { group: { id: string } } }>(`mutation($t: ID!, $n: String!) { createGroup(input: { tenantId: $t, name: $n }) { group { id } } }`, { t: tenantId, n: name });
    groupA = (await group('Group A')).createGroup.group.id;
    await group('Group B');
    for (const userId of [alice.userId, bob.userId]) {
      await ok(`mutation($g: ID!, $u: ID!) { addGroupMember(input: { groupId: $g, userId: $u, role: MEMBER }) { authorizationSynced } }`, { g: groupA, u: userId });
    }
    await ok(`mutation($w: ID!, $g: ID!) { grantWorkspaceRole(input: { workspaceId: $w, groupId: $g, role: MEMBER }) { authorizationSynced } }`, { w: team, g: groupA });
  });
  afterAll(async () => server.stop());

  it('tenant members: all of them, or those the search matches, whatever the page', async () => {
    const data = await ok<{ tenant: { all: Counted; search: Counted } }>(
      `query($t: ID!) { tenant(id: $t) { all: members(first: 1) { totalCount nodes { role } pageInfo { hasNextPage } } search: members(first: 1, search: "ALI") { totalCount nodes { role } pageInfo { hasNextPage } } } }`,
      { t: tenantId },
    );
    // bootstrap-admin, alice, bob, carol.
    expect(data.tenant.all).toMatchObject({ totalCount: 4, pageInfo: { hasNextPage: true } });
    expect(data.tenant.all.nodes).toHaveLength(1);
    expect(data.tenant.search).toMatchObject({ totalCount: 1, pageInfo: { hasNextPage: false } });
  });

  it('groups: every group for a tenant admin, a member only those they belong to', async () => {
    const query = `query($t: ID!) { tenant(id: $t) { groups(first: 1) { totalCount } named: groups(nameContains: "b") { totalCount } } }`;
    const admin = await ok<{ tenant: { groups: Counted; named: Counted } }>(query, { t: tenantId });
    expect([admin.tenant.groups.totalCount, admin.tenant.named.totalCount]).toEqual([2, 1]);
    const member = await ok<{ tenant: { groups: Counted; named: Counted } }>(query, { t: tenantId }, alice.headers);
    expect([member.tenant.groups.totalCount, member.tenant.named.totalCount]).toEqual([1, 0]);
  });

  it('group members: the group creator and the two added', async () => {
    const data = await ok<{ group: { members: Counted } }>(`query($g: ID!) { group(id: $g) { members(first: 2) { totalCount nodes { role } pageInfo { hasNextPage } } } }`, { g: groupA });
    expect(data.group.members).toMatchObject({ totalCount: 3, pageInfo: { hasNextPage: true } });
  });

  it('workspace members: direct grants, and with includeInherited those on each visible ancestor too', async () => {
    const query = `query($w: ID!) { workspace(id: $w) { direct: members { totalCount nodes { role } } all: members(includeInherited: true, first: 1) { totalCount } } }`;
    const admin = await ok<{ workspace: { direct: Counted; all: Counted } }>(query, { w: team });
    // On Team: its creator (the bootstrap admin), alice, the group; on the root: bob.
    expect(admin.workspace.direct.totalCount).toBe(3);
    expect(admin.workspace.direct.nodes).toHaveLength(3);
    expect(admin.workspace.all.totalCount).toBe(4);
    // Alice cannot view the root: its grants are neither listed nor counted for her.
    const forAlice = await ok<{ workspace: { direct: Counted; all: Counted } }>(query, { w: team }, alice.headers);
    expect([forAlice.workspace.direct.totalCount, forAlice.workspace.all.totalCount]).toEqual([3, 3]);
  });

  it('tenants and API keys: the viewer’s own, a tenant admin’s view of the tenant', async () => {
    const viewer = await ok<{ viewer: { tenants: Counted; apiKeys: Counted } }>(`{ viewer { tenants(first: 1) { totalCount } apiKeys { totalCount nodes { id } } } }`, {}, bob.headers);
    expect(viewer.viewer.tenants.totalCount).toBe(1);
    expect(viewer.viewer.apiKeys.totalCount).toBe(1);
    const keys = `query($t: ID!) { tenant(id: $t) { apiKeys(first: 1) { totalCount } } }`;
    // The bootstrap key and one per member.
    expect((await ok<{ tenant: { apiKeys: Counted } }>(keys, { t: tenantId })).tenant.apiKeys.totalCount).toBe(4);
    expect((await ok<{ tenant: { apiKeys: Counted } }>(keys, { t: tenantId }, bob.headers)).tenant.apiKeys.totalCount).toBe(1);
  });

  it('the trash counts what it lists; someone in no group counts none', async () => {
    const doomed = await server.asAdmin<CreatedWorkspace>(CREATE_WORKSPACE, { parentId: root, name: 'Doomed' });
    await ok(`mutation($id: ID!) { deleteWorkspace(input: { id: $id }) { authorizationSynced } }`, { id: doomed.data?.createWorkspace.workspace.id });
    const trash = await ok<{ tenant: { deletedWorkspaces: Counted } }>(`query($t: ID!) { tenant(id: $t) { deletedWorkspaces { totalCount nodes { id } } } }`, { t: tenantId });
    expect(trash.tenant.deletedWorkspaces.totalCount).toBe(1);
    expect(trash.tenant.deletedWorkspaces.nodes).toHaveLength(1);
    // Someone in no group lists none and counts none.
    const carol = await createMember(server, { tenantId, username: 'carol2' });
    const groups = await ok<{ tenant: { groups: Counted } }>(`query($t: ID!) { tenant(id: $t) { groups { totalCount nodes { __typename } } } }`, { t: tenantId }, carol.headers);
    expect(groups.tenant.groups).toEqual({ totalCount: 0, nodes: [] });
  });
});
