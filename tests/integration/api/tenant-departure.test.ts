import { daysFromNow } from '../../../src/api-keys/api-key.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tupleKey } from '../../../src/infra/spicedb/relationships.js';
import { Access, ok, signIn, type Person } from '../../support/access.js';
import { outboxSettled } from '../../support/fixtures.js';
import { TestOidcProvider } from '../../support/oidc-provider.js';
import { CREATE_TENANT } from '../../support/operations.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { TEST_SETUP } from '../../support/services.js';

const EVERYTHING = `query($t: ID!, $a: ID!, $g: ID!, $h: ID!, $people: [ID!]) {
  tenant(id: $t) { id }
  a: workspace(id: $a) { id }
  group(id: $g) { id }
  h: group(id: $h) { id }
  users(ids: $people) { nodes { id } }
}`;

interface Everything {
  tenant: { id: string } | null;
  a: { id: string } | null;
  group: { id: string } | null;
  h: { id: string } | null;
  users: { nodes: { id: string }[] };
}

/*
 * Removing a member leaves nothing of them in the tenant: in the same transaction their workspace
 * roles (also those from creating workspaces), group memberships (also as a group's last admin)
 * and API keys go; the next request sees nothing, and re-adding brings nothing back.
 */
describe('leaving a tenant leaves nothing behind', () => {
  let oidc: TestOidcProvider;
  let server: TestServer;
  let access: Access;
  let owner: Person;
  let dave: Person;
  let elsewhere: Person;
  let t: string;
  let root: string;
  const ws = { a: '', b: '', c: '' };
  let g: string;
  let h: string;
  let otherTenant: string;
  let daveKey: string;

  const keyHeaders = () => ({ 'x-api-key': daveKey });
  const relationshipsOf = async (userId: string): Promise<string[]> => {
    const all = await Promise.all(['tenant', 'workspace', 'group'].map((resourceType) => server.runtime.spicedb.readRelationships({ resourceType }, null)));
    return all
      .flat()
      .map(tupleKey)
      .filter((k) => k.endsWith(`@user:${userId}`))
      .sort();
  };
  const rowsOf = async (userId: string) => {
    const q = async (sql: string) => (await server.database.pool.query(sql, [userId])).rows;
    return {
      tenants: await q('SELECT tenant_id, role FROM tenant_members WHERE user_id = $1 ORDER BY 1'),
      grants: await q('SELECT workspace_id, role FROM workspace_members WHERE user_id = $1 ORDER BY 1'),
      groups: await q('SELECT group_id, role FROM group_members WHERE user_id = $1 ORDER BY 1'),
      activeKeys: await q('SELECT tenant_id FROM api_keys WHERE owner_user_id = $1 AND revoked_at IS NULL ORDER BY 1'),
    };
  };

  beforeAll(async () => {
    oidc = await TestOidcProvider.start();
    await oidc.addKey('RS256');
    server = await startTestServer({ OIDC_ISSUER: oidc.issuer, OIDC_AUDIENCE: oidc.audience });
    access = new Access(server);
    owner = await signIn(server, oidc, 'owner');
    dave = await signIn(server, oidc, 'dave', { email: 'dave@example.com' });
    elsewhere = await signIn(server, oidc, 'elsewhere');
    const created = await ok<{ createTenant: { tenant: { id: string; rootWorkspace: { id: string } } } }>(server, owner.headers, CREATE_TENANT, { name: 'Acme' });
    t = created.createTenant.tenant.id;
    root = created.createTenant.tenant.rootWorkspace.id;
    ws.a = await access.createWorkspace(owner.headers, root, 'A');
    ws.b = await access.createWorkspace(owner.headers, ws.a, 'B');
    await access.addTenantMember(owner.headers, t, { userId: dave.id });
    await access.grant(owner.headers, ws.a, { userId: dave.id }, 'EDITOR');
    ws.c = await access.createWorkspace(dave.headers, ws.a, 'C by dave'); // dave becomes its admin
    g = await access.createGroup(owner.headers, t, 'Engineering');
    await access.addGroupMember(owner.headers, g, dave.id, 'ADMIN');
    await access.grant(owner.headers, ws.b, { groupId: g }, 'MEMBER');
    h = await access.createGroup(dave.headers, t, "Dave's group"); // dave is its only admin
    // Dave also belongs to another tenant, which his leaving this one must not touch.
    const other = await ok<{ createTenant: { tenant: { id: string; rootWorkspace: { id: string } } } }>(server, elsewhere.headers, CREATE_TENANT, { name: 'Elsewhere' });
    otherTenant = other.createTenant.tenant.id;
    await access.addTenantMember(elsewhere.headers, otherTenant, { userId: dave.id });
    await access.grant(elsewhere.headers, other.createTenant.tenant.rootWorkspace.id, { userId: dave.id }, 'MEMBER');
    const { services } = server.runtime;
    const issued = await services.uow.run((tx) => services.apiKeys.issue(tx, { tenantId: t, ownerUserId: dave.id, name: 'laptop', expiresAt: daysFromNow(30) }), TEST_SETUP);
    daveKey = issued.value.secret;
    await outboxSettled(server);
  });
  afterAll(async () => {
    await server.stop();
    await oidc.close();
  });

  it('before: dave holds roles, groups and a working key in the tenant', async () => {
    const rows = await rowsOf(dave.id);
    expect(rows.grants).toHaveLength(3); // editor on A, admin of C, member of Elsewhere's root
    expect(rows.groups).toHaveLength(2);
    expect(rows.activeKeys).toEqual([{ tenant_id: t }]);
    expect((await server.gql('{ viewer { user { id } } }', {}, keyHeaders())).status).toBe(200);
    const seen = await ok<Everything>(server, dave.headers, EVERYTHING, { t, a: ws.a, g, h, people: [owner.id] });
    expect(seen).toMatchObject({ tenant: { id: t }, a: { id: ws.a }, group: { id: g }, h: { id: h }, users: { nodes: [{ id: owner.id }] } });
  });

  it('removal deletes every role, membership and key of the tenant in one transaction, and nothing elsewhere', async () => {
    const before = await server.database.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM outbox');
    const removed = await access.removeTenantMember(owner.headers, t, dave.id);
    expect(removed).toEqual({ removeTenantMember: { removedUserId: dave.id, authorizationSynced: true } });
    const rows = await rowsOf(dave.id);
    expect(rows.tenants).toEqual([{ tenant_id: otherTenant, role: 'member' }]);
    expect(rows.grants).toHaveLength(1);
    expect(rows.groups).toEqual([]);
    expect(rows.activeKeys).toEqual([]);
    // One transaction: every event of the removal was appended together, after the ones before it.
    const events = await server.database.pool.query<{ event_type: string; created_at: Date }>('SELECT event_type, created_at FROM outbox WHERE seq > $1 ORDER BY seq', [
      before.rows[0]?.n ?? 0,
    ]);
    expect(events.rows.map((e) => e.event_type).sort()).toEqual(
      ['GroupMemberRemoved', 'GroupMemberRemoved', 'TenantMemberRemoved', 'WorkspaceMemberRemoved', 'WorkspaceMemberRemoved'].sort(),
    );
    expect(new Set(events.rows.map((e) => e.created_at.toISOString())).size).toBe(1);
    // SpiceDB: only the other tenant's relationships name dave.
    const remaining = await relationshipsOf(dave.id);
    expect(remaining).toHaveLength(2);
    expect(remaining.every((k) => k.includes(otherTenant) || !k.includes(t))).toBe(true);
    expect(remaining.some((k) => k.startsWith(`tenant:${otherTenant}#member`))).toBe(true);
  });

  it('the next request sees nothing of the tenant: not its workspaces, groups or people, not through _entities', async () => {
    const seen = await ok<Everything>(server, dave.headers, EVERYTHING, { t, a: ws.a, g, h, people: [owner.id] });
    expect(seen).toEqual({ tenant: null, a: null, group: null, h: null, users: { nodes: [] } });
    const entities = await ok<{ _entities: unknown[] }>(
      server,
      dave.headers,
      `query($r: [_Any!]!) { _entities(representations: $r) { __typename ... on Tenant { id } ... on Workspace { id } ... on Group { id } ... on User { id } } }`,
      {
        r: [
          { __typename: 'Tenant', id: t },
          { __typename: 'Workspace', id: ws.c },
          { __typename: 'Group', id: h },
          { __typename: 'User', id: owner.id },
          { __typename: 'User', id: dave.id },
        ],
      },
    );
    expect(entities._entities).toEqual([null, null, null, null, { __typename: 'User', id: dave.id }]);
    const workspaces = await server.gql('query($t: ID!) { workspaces(tenantId: $t) { nodes { id } } }', { t }, dave.headers);
    expect(workspaces.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND' });
    // His key for the tenant is revoked: authentication fails like for any unknown key.
    const byKey = await server.gql('{ viewer { user { id } } }', {}, keyHeaders());
    expect(byKey.status).toBe(401);
    // The others no longer see him either.
    const members = await ok<{ tenant: { members: { nodes: { user: { id: string } }[] } }; workspace: { members: { nodes: unknown[] } } }>(
      server,
      owner.headers,
      'query($t: ID!, $c: ID!) { tenant(id: $t) { members { nodes { user { id } } } } workspace(id: $c) { members { nodes { role } } } }',
      { t, c: ws.c },
    );
    expect(members.tenant.members.nodes.map((n) => n.user.id)).toEqual([owner.id]);
    expect(members.workspace.members.nodes).toEqual([]);
  });

  it('a group whose last admin left stays manageable by the tenant admins', async () => {
    const bob = await signIn(server, oidc, 'bob');
    await access.addTenantMember(owner.headers, t, { userId: bob.id });
    await access.addGroupMember(owner.headers, h, bob.id, 'ADMIN');
    expect((await server.gql('query($h: ID!) { group(id: $h) { name } }', { h }, bob.headers)).data).toEqual({ group: { name: "Dave's group" } });
  });

  it('re-adding him brings back none of his roles, groups or keys', async () => {
    await access.addTenantMember(owner.headers, t, { userId: dave.id });
    const seen = await ok<Everything>(server, dave.headers, EVERYTHING, { t, a: ws.a, g, h, people: [owner.id] });
    expect(seen).toMatchObject({ tenant: { id: t }, a: null, group: null, h: null, users: { nodes: [{ id: owner.id }] } });
    expect(await access.permissions(dave.headers, ws.c)).toBeNull();
    expect(await access.permissions(dave.headers, ws.b)).toBeNull();
    expect((await server.gql('{ viewer { user { id } } }', {}, keyHeaders())).status).toBe(401);
    const rows = await rowsOf(dave.id);
    expect(rows.groups).toEqual([]);
    expect(rows.activeKeys).toEqual([]);
    expect(await relationshipsOf(dave.id)).toContain(`tenant:${t}#member@user:${dave.id}`);
    expect((await relationshipsOf(dave.id)).filter((k) => k.startsWith('workspace:') || k.startsWith('group:'))).toHaveLength(1);
  });

  it('when every workspace admin has left, a tenant admin still manages the whole tree', async () => {
    const eve = await signIn(server, oidc, 'eve');
    await access.addTenantMember(owner.headers, t, { userId: eve.id }, 'ADMIN');
    // The owner created the tenant and A and B: admin of the root, A and B. Now they leave.
    await access.removeTenantMember(owner.headers, t, owner.id);
    const grants = await server.database.pool.query(`SELECT count(*)::int AS n FROM workspace_members m JOIN workspaces w ON w.id = m.workspace_id WHERE w.tenant_id = $1 AND m.role = 'admin'`, [t]);
    expect(grants.rows[0]).toEqual({ n: 0 });
    for (const id of [root, ws.a, ws.b, ws.c]) {
      expect(await access.permissions(eve.headers, id)).toEqual({ view: true, edit: true, manage: true, createChild: true });
    }
    await access.grant(eve.headers, ws.a, { userId: dave.id }, 'ADMIN');
    expect(await access.permissions(dave.headers, ws.b)).toEqual({ view: true, edit: true, manage: true, createChild: true });
    const renamed = await ok(server, eve.headers, 'mutation($id: ID!) { renameWorkspace(input: { id: $id, name: "Recovered" }) { workspace { name } } }', { id: ws.b });
    expect(renamed).toEqual({ renameWorkspace: { workspace: { name: 'Recovered' } } });
  });
});
