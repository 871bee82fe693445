import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tupleKey } from '../../../src/infra/spicedb/relationships.js';
import { Access, GRANT_WORKSPACE_ROLE, ok, refusal, REMOVE_GROUP_MEMBER, REVOKE_WORKSPACE_ROLE, signIn, type Person } from '../../support/access.js';
import { TestOidcProvider } from '../../support/oidc-provider.js';
import { CREATE_TENANT } from '../../support/operations.js';
import { startTestServer, type TestServer } from '../../support/server.js';

const MISSING_ID = '01J00000000000000000000000';
const MEMBERS = `query($id: ID!, $inherited: Boolean, $first: Int, $after: String) {
  workspace(id: $id) { members(includeInherited: $inherited, first: $first, after: $after) {
    nodes { subject { __typename ... on User { username } ... on Group { name members { nodes { user { username } } } } } role grantedOn { name } inherited }
    pageInfo { hasNextPage endCursor }
  } }
}`;

interface Listed {
  subject: { __typename: string; username?: string; name?: string; members?: { nodes: unknown[] } };
  role: string;
  grantedOn: { name: string };
  inherited: boolean;
}
interface MembersResponse {
  workspace: { members: { nodes: Listed[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } } | null;
}

describe('workspace members', () => {
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
  let top: string;
  let mid: string;
  let leaf: string;
  let team: string;
  let foreignGroup: string;

  const brief = (n: Listed): string => `${n.subject.username ?? n.subject.name}:${n.role}@${n.grantedOn.name}${n.inherited ? '*' : ''}`;
  const listed = async (as: Person, id: string, inherited = false): Promise<string[] | undefined> =>
    (await ok<MembersResponse>(server, as.headers, MEMBERS, { id, inherited })).workspace?.members.nodes.map(brief);

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
    top = await access.createWorkspace(owner.headers, root, 'Top');
    mid = await access.createWorkspace(owner.headers, top, 'Mid');
    leaf = await access.createWorkspace(owner.headers, mid, 'Leaf');
    for (const person of [alice, bob, carol]) await access.addTenantMember(owner.headers, t, { userId: person.id });
    team = await access.createGroup(owner.headers, t, 'Team');
    await access.addGroupMember(owner.headers, team, bob.id);
    const other = await ok<{ createTenant: { tenant: { id: string } } }>(server, stranger.headers, CREATE_TENANT, { name: 'Other' });
    foreignGroup = await access.createGroup(stranger.headers, other.createTenant.tenant.id, 'Team');
  });
  afterAll(async () => {
    await server.stop();
    await oidc.close();
  });

  it('grants a user a role; the payload shows the direct grant', async () => {
    const granted = await access.grant(owner.headers, top, { userId: alice.id }, 'EDITOR');
    expect(granted).toEqual({
      grantWorkspaceRole: {
        member: { subject: { __typename: 'User', id: alice.id }, role: 'EDITOR', grantedOn: { id: top }, inherited: false },
        workspace: { id: top },
        authorizationSynced: true,
      },
    });
  });

  it('one direct role per subject: granting again replaces it, in PostgreSQL and SpiceDB', async () => {
    await access.grant(owner.headers, top, { userId: alice.id }, 'ADMIN');
    await access.grant(owner.headers, top, { userId: alice.id }, 'MEMBER');
    const rows = await server.database.pool.query('SELECT role FROM workspace_members WHERE workspace_id = $1 AND user_id = $2', [top, alice.id]);
    expect(rows.rows).toEqual([{ role: 'member' }]);
    const tuples = (await server.runtime.spicedb.readRelationships({ resourceType: 'workspace', resourceId: top }, null)).map(tupleKey);
    expect(tuples.filter((k) => k.endsWith(`@user:${alice.id}`))).toEqual([`workspace:${top}#member@user:${alice.id}`]);
    // The same role again is no change: no event.
    const before = await server.database.pool.query('SELECT max(seq) AS seq FROM outbox');
    await access.grant(owner.headers, top, { userId: alice.id }, 'MEMBER');
    expect((await server.database.pool.query('SELECT max(seq) AS seq FROM outbox')).rows).toEqual(before.rows);
    expect(await access.permissions(alice.headers, top)).toEqual({ view: true, edit: false, manage: false, createChild: false });
  });

  it('only the tenant’s members and groups can hold its roles; anything else reveals nothing', async () => {
    const grant = (subject: Record<string, string>) => server.gql(GRANT_WORKSPACE_ROLE, { input: { workspaceId: top, ...subject, role: 'MEMBER' } }, owner.headers);
    for (const userId of [stranger.id, MISSING_ID]) {
      expect(refusal(await grant({ userId }))).toEqual({ code: 'BAD_USER_INPUT', reason: 'NOT_A_TENANT_MEMBER', field: 'userId' });
    }
    for (const groupId of [foreignGroup, MISSING_ID]) {
      expect(refusal(await grant({ groupId }))).toEqual({ code: 'BAD_USER_INPUT', reason: 'NOT_A_TENANT_GROUP', field: 'groupId' });
    }
  });

  it('a group the granter cannot view is answered like one that does not exist, and nothing changes', async () => {
    // Dana manages a subtree of her own but is no tenant admin, and no member of Team.
    const dana = await signIn(server, oidc, 'dana');
    await access.addTenantMember(owner.headers, t, { userId: dana.id });
    const side = await access.createWorkspace(owner.headers, root, 'Side');
    await access.grant(owner.headers, side, { userId: dana.id }, 'ADMIN');
    const before = await server.database.pool.query('SELECT max(seq) AS seq, (SELECT count(*) FROM workspace_members) AS grants FROM outbox');
    const hidden = await server.gql(GRANT_WORKSPACE_ROLE, { input: { workspaceId: side, groupId: team, role: 'ADMIN' } }, dana.headers);
    expect(refusal(hidden)).toEqual({ code: 'BAD_USER_INPUT', reason: 'NOT_A_TENANT_GROUP', field: 'groupId' });
    expect(refusal(hidden)).toEqual(refusal(await server.gql(GRANT_WORKSPACE_ROLE, { input: { workspaceId: side, groupId: MISSING_ID, role: 'ADMIN' } }, dana.headers)));
    expect((await server.database.pool.query('SELECT max(seq) AS seq, (SELECT count(*) FROM workspace_members) AS grants FROM outbox')).rows).toEqual(before.rows);
    const held = await server.runtime.spicedb.readRelationships({ resourceType: 'workspace', resourceId: side }, null);
    expect(held.map(tupleKey).filter((k) => k.includes(team))).toEqual([]);
    expect(await access.permissions(bob.headers, side)).toBeNull();
    // A group she can view (her own) she may grant; a tenant admin may grant any group of the tenant.
    const own = await access.createGroup(dana.headers, t, 'Dana’s');
    await access.grant(dana.headers, side, { groupId: own }, 'MEMBER');
    await access.grant(owner.headers, side, { groupId: team }, 'MEMBER');
    expect(await access.permissions(bob.headers, side)).toEqual({ view: true, edit: false, manage: false, createChild: false });
  });

  it('needs manage: an editor may not grant, a stranger does not find the workspace', async () => {
    await access.grant(owner.headers, mid, { userId: carol.id }, 'EDITOR');
    const byEditor = await server.gql(GRANT_WORKSPACE_ROLE, { input: { workspaceId: mid, userId: carol.id, role: 'ADMIN' } }, carol.headers);
    expect(refusal(byEditor)).toMatchObject({ code: 'FORBIDDEN' });
    const byStranger = await server.gql(GRANT_WORKSPACE_ROLE, { input: { workspaceId: mid, userId: stranger.id, role: 'ADMIN' } }, stranger.headers);
    expect(refusal(byStranger)).toMatchObject({ code: 'NOT_FOUND' });
    const revokeByEditor = await server.gql(REVOKE_WORKSPACE_ROLE, { input: { workspaceId: mid, userId: carol.id } }, carol.headers);
    expect(refusal(revokeByEditor)).toMatchObject({ code: 'FORBIDDEN' });
  });

  it('revoking a role the subject does not hold there is NO_DIRECT_ROLE', async () => {
    const revoke = await server.gql(REVOKE_WORKSPACE_ROLE, { input: { workspaceId: leaf, userId: alice.id } }, owner.headers);
    expect(refusal(revoke)).toEqual({ code: 'BAD_USER_INPUT', reason: 'NO_DIRECT_ROLE', field: 'userId' });
  });

  describe('the member list', () => {
    beforeAll(async () => {
      await access.grant(owner.headers, mid, { groupId: team }, 'EDITOR');
      await access.grant(owner.headers, leaf, { userId: alice.id }, 'ADMIN');
    });

    it('shows direct grants, or with includeInherited also those on ancestors, each with where it was granted', async () => {
      // The owner created every workspace below the root, so holds ADMIN on each of them; on the root
      // they hold none: creating the tenant made them tenant admin, which is where that power comes from.
      expect(await listed(owner, leaf)).toEqual(['alice:ADMIN@Leaf', 'owner:ADMIN@Leaf']);
      // By subject name, then id; one subject's grants nearest first.
      expect(await listed(owner, leaf, true)).toEqual([
        'alice:ADMIN@Leaf',
        'alice:MEMBER@Top*',
        'carol:EDITOR@Mid*',
        'owner:ADMIN@Leaf',
        'owner:ADMIN@Mid*',
        'owner:ADMIN@Top*',
        'Team:EDITOR@Mid*',
      ]);
    });

    it('asks for direct and inherited grants of one workspace side by side in one query', async () => {
      const both = await ok<{ workspace: { direct: { nodes: unknown[] }; all: { nodes: unknown[] } } }>(
        server,
        owner.headers,
        `query($id: ID!) { workspace(id: $id) { direct: members { nodes { role } } all: members(includeInherited: true) { nodes { role } } } }`,
        { id: leaf },
      );
      expect([both.workspace.direct.nodes.length, both.workspace.all.nodes.length]).toEqual([2, 7]);
    });

    it('pages through inherited grants without gaps or repeats', async () => {
      const all = await listed(owner, leaf, true);
      const seen: string[] = [];
      let after: string | null = null;
      for (;;) {
        const page: MembersResponse = await ok<MembersResponse>(server, owner.headers, MEMBERS, { id: leaf, inherited: true, first: 2, after });
        seen.push(...(page.workspace?.members.nodes.map(brief) ?? []));
        if (!page.workspace?.members.pageInfo.hasNextPage) break;
        after = page.workspace.members.pageInfo.endCursor;
      }
      expect(seen).toEqual(all);
    });

    it('leaves out grants on ancestors the caller cannot see, and the members of groups they cannot see', async () => {
      // bob sees Mid and Leaf through Team's editor role, not Top or the root.
      expect(await listed(bob, leaf, true)).toEqual(['alice:ADMIN@Leaf', 'carol:EDITOR@Mid*', 'owner:ADMIN@Leaf', 'owner:ADMIN@Mid*', 'Team:EDITOR@Mid*']);
      // carol, an editor of Mid but not in Team, sees the group's name in the list, not its members.
      const seenByCarol = await ok<MembersResponse>(server, carol.headers, MEMBERS, { id: mid });
      const teamGrant = seenByCarol.workspace?.members.nodes.find((n) => n.subject.__typename === 'Group');
      expect(teamGrant?.subject).toEqual({ __typename: 'Group', name: 'Team', members: { nodes: [] } });
      const seenByBob = await ok<MembersResponse>(server, bob.headers, MEMBERS, { id: mid });
      expect(seenByBob.workspace?.members.nodes.find((n) => n.subject.__typename === 'Group')?.subject.members?.nodes).toEqual([{ user: { username: 'bob' } }, { user: { username: 'owner' } }]);
      expect((await ok<MembersResponse>(server, stranger.headers, MEMBERS, { id: leaf, inherited: true })).workspace).toBeNull();
    });
  });

  it('leaving a group takes its roles along in the next request', async () => {
    expect(await access.permissions(bob.headers, leaf)).toMatchObject({ view: true, edit: true });
    await ok(server, bob.headers, REMOVE_GROUP_MEMBER, { input: { groupId: team, userId: bob.id } });
    expect(await access.permissions(bob.headers, leaf)).toBeNull();
  });
});
