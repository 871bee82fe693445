import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tupleKey } from '../../../src/infra/spicedb/relationships.js';
import {
  Access,
  ADD_GROUP_MEMBER,
  CHANGE_GROUP_MEMBER_ROLE,
  CREATE_GROUP,
  DELETE_GROUP,
  ok,
  refusal,
  REMOVE_GROUP_MEMBER,
  RENAME_GROUP,
  signIn,
  type Person,
} from '../../support/access.js';
import { raceAtLock } from '../../support/lock-gate.js';
import { TestOidcProvider } from '../../support/oidc-provider.js';
import { CREATE_TENANT } from '../../support/operations.js';
import { startTestServer, type TestServer } from '../../support/server.js';

const GROUP = `query($id: ID!) { group(id: $id) { id name tenant { id } members { nodes { user { username } role } } viewerPermissions { view manage } } }`;
const TENANT_GROUPS = `query($t: ID!, $n: String, $first: Int, $after: String) {
  tenant(id: $t) { groups(nameContains: $n, first: $first, after: $after) { nodes { name } pageInfo { hasNextPage endCursor } } }
}`;

interface GroupView {
  group: { id: string; name: string; members: { nodes: { user: { username: string }; role: string }[] }; viewerPermissions: { view: boolean; manage: boolean } } | null;
}

describe('groups', () => {
  let oidc: TestOidcProvider;
  let server: TestServer;
  let access: Access;
  let owner: Person;
  let alice: Person;
  let bob: Person;
  let carol: Person;
  let stranger: Person;
  let t: string;
  let root: string;
  let otherTenant: string;

  const groupNames = async (as: Person, n?: string): Promise<string[] | undefined> =>
    (await ok<{ tenant: { groups: { nodes: { name: string }[] } } | null }>(server, as.headers, TENANT_GROUPS, { t, n })).tenant?.groups.nodes.map((g) => g.name);
  const adminsOf = async (groupId: string): Promise<number> =>
    (await server.database.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM group_members WHERE group_id = $1 AND role = 'admin'`, [groupId])).rows[0]?.n ?? -1;

  beforeAll(async () => {
    oidc = await TestOidcProvider.start();
    await oidc.addKey('RS256');
    server = await startTestServer({ OIDC_ISSUER: oidc.issuer, OIDC_AUDIENCE: oidc.audience });
    access = new Access(server);
    owner = await signIn(server, oidc, 'owner');
    alice = await signIn(server, oidc, 'alice');
    bob = await signIn(server, oidc, 'bob');
    carol = await signIn(server, oidc, 'carol');
    stranger = await signIn(server, oidc, 'stranger');
    const created = await ok<{ createTenant: { tenant: { id: string; rootWorkspace: { id: string } } } }>(server, owner.headers, CREATE_TENANT, { name: 'Acme' });
    t = created.createTenant.tenant.id;
    root = created.createTenant.tenant.rootWorkspace.id;
    for (const person of [alice, bob, carol]) await access.addTenantMember(owner.headers, t, { userId: person.id });
    otherTenant = (await ok<{ createTenant: { tenant: { id: string } } }>(server, stranger.headers, CREATE_TENANT, { name: 'Other' })).createTenant.tenant.id;
  });
  afterAll(async () => {
    await server.stop();
    await oidc.close();
  });

  it('any member creates a group and becomes its admin; it is visible to its members and the tenant admins only', async () => {
    const created = await ok<{ createGroup: { group: { name: string; tenant: { id: string }; viewerPermissions: unknown }; authorizationSynced: boolean } }>(
      server,
      alice.headers,
      CREATE_GROUP,
      { input: { tenantId: t, name: '  Design  ' } },
    );
    expect(created.createGroup).toMatchObject({ group: { name: 'Design', tenant: { id: t }, viewerPermissions: { view: true, manage: true } }, authorizationSynced: true });
    expect(await groupNames(alice)).toEqual(['Design']);
    const [design] = (await server.database.pool.query<{ id: string }>(`SELECT id FROM groups WHERE name = 'Design'`)).rows;
    const groupId = design?.id ?? '';
    expect((await ok<GroupView>(server, alice.headers, GROUP, { id: groupId })).group).toMatchObject({ members: { nodes: [{ user: { username: 'alice' }, role: 'ADMIN' }] } });
    expect((await ok<GroupView>(server, owner.headers, GROUP, { id: groupId })).group).toMatchObject({ viewerPermissions: { view: true, manage: true } });
    expect((await ok<GroupView>(server, bob.headers, GROUP, { id: groupId })).group).toBeNull();
    expect((await ok<GroupView>(server, stranger.headers, GROUP, { id: groupId })).group).toBeNull();
    expect(await groupNames(bob)).toEqual([]);
    await access.addGroupMember(alice.headers, groupId, bob.id);
    expect((await ok<GroupView>(server, bob.headers, GROUP, { id: groupId })).group).toMatchObject({ name: 'Design', viewerPermissions: { view: true, manage: false } });
    expect(await groupNames(bob)).toEqual(['Design']);
  });

  it('names follow the workspace rules and are unique per tenant, case-insensitively', async () => {
    await access.createGroup(owner.headers, t, 'Engineering');
    for (const name of ['engineering', 'ENGINEERING', 'Ｅｎｇｉｎｅｅｒｉｎｇ', ' Engineering ']) {
      expect(refusal(await server.gql(CREATE_GROUP, { input: { tenantId: t, name } }, alice.headers)), name).toEqual({ code: 'CONFLICT', reason: 'GROUP_NAME_TAKEN' });
    }
    expect(refusal(await server.gql(CREATE_GROUP, { input: { tenantId: t, name: ' \u200b ' } }, alice.headers))).toEqual({ code: 'BAD_USER_INPUT', reason: 'NAME_EMPTY', field: 'name' });
    // Another tenant may have its own Engineering.
    await access.createGroup(stranger.headers, otherTenant, 'Engineering');
  });

  it('the tenant admins see every group, by name, filtered and paged', async () => {
    await access.createGroup(carol.headers, t, 'Zeta');
    expect(await groupNames(owner)).toEqual(['Design', 'Engineering', 'Zeta']);
    expect(await groupNames(owner, 'GIN')).toEqual(['Engineering']);
    const first = await ok<{ tenant: { groups: { nodes: { name: string }[]; pageInfo: { hasNextPage: boolean; endCursor: string } } } }>(server, owner.headers, TENANT_GROUPS, { t, first: 2 });
    expect(first.tenant.groups.nodes.map((n) => n.name)).toEqual(['Design', 'Engineering']);
    const rest = await ok<{ tenant: { groups: { nodes: { name: string }[] } } }>(server, owner.headers, TENANT_GROUPS, { t, first: 2, after: first.tenant.groups.pageInfo.endCursor });
    expect(rest.tenant.groups.nodes.map((n) => n.name)).toEqual(['Zeta']);
    // A plain member sees only the groups they belong to.
    expect(await groupNames(carol)).toEqual(['Zeta']);
  });

  it('outsiders cannot create groups in a tenant they cannot see', async () => {
    expect(refusal(await server.gql(CREATE_GROUP, { input: { tenantId: t, name: 'Intruders' } }, stranger.headers))).toMatchObject({ code: 'NOT_FOUND' });
  });

  describe('managing a group', () => {
    let g: string;
    beforeAll(async () => {
      g = await access.createGroup(alice.headers, t, 'Managed');
      await access.addGroupMember(alice.headers, g, bob.id, 'MEMBER');
    });

    it('group admins and tenant admins rename it; its members may not; others do not find it', async () => {
      expect(await ok(server, alice.headers, RENAME_GROUP, { input: { id: g, name: 'Managed 2' } })).toMatchObject({ renameGroup: { group: { name: 'Managed 2' } } });
      expect(await ok(server, owner.headers, RENAME_GROUP, { input: { id: g, name: 'Managed' } })).toMatchObject({ renameGroup: { group: { name: 'Managed' } } });
      expect(refusal(await server.gql(RENAME_GROUP, { input: { id: g, name: 'Mine' } }, bob.headers))).toMatchObject({ code: 'FORBIDDEN' });
      expect(refusal(await server.gql(RENAME_GROUP, { input: { id: g, name: 'Mine' } }, carol.headers))).toMatchObject({ code: 'NOT_FOUND' });
      expect(refusal(await server.gql(RENAME_GROUP, { input: { id: g, name: 'design' } }, alice.headers))).toEqual({ code: 'CONFLICT', reason: 'GROUP_NAME_TAKEN' });
    });

    it('only members of the tenant can join, each once', async () => {
      const join = (userId: string) => server.gql(ADD_GROUP_MEMBER, { input: { groupId: g, userId, role: 'MEMBER' } }, alice.headers);
      for (const userId of [stranger.id, '01J00000000000000000000000']) {
        expect(refusal(await join(userId))).toEqual({ code: 'BAD_USER_INPUT', reason: 'NOT_A_TENANT_MEMBER', field: 'userId' });
      }
      expect(refusal(await join(bob.id))).toEqual({ code: 'CONFLICT', reason: 'ALREADY_MEMBER' });
      expect(refusal(await server.gql(ADD_GROUP_MEMBER, { input: { groupId: g, userId: carol.id, role: 'MEMBER' } }, bob.headers))).toMatchObject({ code: 'FORBIDDEN' });
    });

    it('keeps one admin: the last one can be neither demoted nor removed', async () => {
      const demote = await server.gql(CHANGE_GROUP_MEMBER_ROLE, { input: { groupId: g, userId: alice.id, role: 'MEMBER' } }, alice.headers);
      expect(refusal(demote)).toEqual({ code: 'CONFLICT', reason: 'LAST_GROUP_ADMIN' });
      const leave = await server.gql(REMOVE_GROUP_MEMBER, { input: { groupId: g, userId: alice.id } }, owner.headers);
      expect(refusal(leave)).toEqual({ code: 'CONFLICT', reason: 'LAST_GROUP_ADMIN' });
      const promoted = await ok(server, alice.headers, CHANGE_GROUP_MEMBER_ROLE, { input: { groupId: g, userId: bob.id, role: 'ADMIN' } });
      expect(promoted).toEqual({ changeGroupMemberRole: { member: { user: { id: bob.id }, role: 'ADMIN' }, group: { id: g }, authorizationSynced: true } });
      expect((await ok<GroupView>(server, bob.headers, GROUP, { id: g })).group?.viewerPermissions).toEqual({ view: true, manage: true });
      await ok(server, bob.headers, CHANGE_GROUP_MEMBER_ROLE, { input: { groupId: g, userId: alice.id, role: 'MEMBER' } });
      expect((await ok<GroupView>(server, alice.headers, GROUP, { id: g })).group?.viewerPermissions).toEqual({ view: true, manage: false });
      expect(await adminsOf(g)).toBe(1);
    });

    it('a member may leave; someone not in it is NOT_A_GROUP_MEMBER', async () => {
      expect(await ok(server, alice.headers, REMOVE_GROUP_MEMBER, { input: { groupId: g, userId: alice.id } })).toEqual({
        removeGroupMember: { group: { id: g }, authorizationSynced: true },
      });
      expect((await ok<GroupView>(server, alice.headers, GROUP, { id: g })).group).toBeNull();
      const again = await server.gql(REMOVE_GROUP_MEMBER, { input: { groupId: g, userId: carol.id } }, bob.headers);
      expect(refusal(again)).toEqual({ code: 'BAD_USER_INPUT', reason: 'NOT_A_GROUP_MEMBER', field: 'userId' });
    });

    it('two admins removing each other at the same moment leave exactly one', async () => {
      const race = await access.createGroup(alice.headers, t, 'Race');
      await access.addGroupMember(alice.headers, race, bob.id, 'ADMIN');
      const results = await raceAtLock(server, { sql: 'SELECT id FROM groups WHERE id = $1 FOR NO KEY UPDATE', params: [race] }, 2, () =>
        Promise.all([
          server.gql(REMOVE_GROUP_MEMBER, { input: { groupId: race, userId: bob.id } }, alice.headers),
          server.gql(REMOVE_GROUP_MEMBER, { input: { groupId: race, userId: alice.id } }, bob.headers),
        ]),
      );
      expect(results.filter((r) => !r.errors)).toHaveLength(1);
      expect(results.map(refusal)).toContainEqual({ code: 'CONFLICT', reason: 'LAST_GROUP_ADMIN' });
      expect(await adminsOf(race)).toBe(1);
    });
  });

  it('deleting a group removes its memberships and its workspace grants, from PostgreSQL and SpiceDB', async () => {
    const g = await access.createGroup(alice.headers, t, 'Doomed');
    await access.addGroupMember(alice.headers, g, carol.id);
    const w = await access.createWorkspace(owner.headers, root, 'Granted to Doomed');
    await access.grant(owner.headers, w, { groupId: g }, 'EDITOR');
    expect(await access.permissions(carol.headers, w)).toMatchObject({ view: true, edit: true });
    expect(refusal(await server.gql(DELETE_GROUP, { input: { id: g } }, carol.headers))).toMatchObject({ code: 'FORBIDDEN' });
    expect(await ok(server, alice.headers, DELETE_GROUP, { input: { id: g } })).toEqual({ deleteGroup: { deletedGroupId: g, authorizationSynced: true } });
    expect(await access.permissions(carol.headers, w)).toBeNull();
    expect((await ok<GroupView>(server, alice.headers, GROUP, { id: g })).group).toBeNull();
    const rows = await server.database.pool.query(`SELECT 1 FROM workspace_members WHERE group_id = $1 UNION ALL SELECT 1 FROM group_members WHERE group_id = $1`, [g]);
    expect(rows.rows).toEqual([]);
    const tuples = (await Promise.all(['workspace', 'group'].map((resourceType) => server.runtime.spicedb.readRelationships({ resourceType }, null)))).flat().map(tupleKey);
    expect(tuples.filter((k) => k.includes(g))).toEqual([]);
  });

  it('a tenant admin may delete any group of the tenant', async () => {
    const g = await access.createGroup(carol.headers, t, 'Carols');
    expect(await ok(server, owner.headers, DELETE_GROUP, { input: { id: g } })).toMatchObject({ deleteGroup: { deletedGroupId: g } });
  });
});
