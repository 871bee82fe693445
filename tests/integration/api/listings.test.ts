import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADD_GROUP_MEMBER,
  ADD_TENANT_MEMBER,
  CREATE_GROUP,
  GRANT_WORKSPACE_ROLE,
  REVOKE_WORKSPACE_ROLE,
  ok,
  refusal,
  signIn,
  type Person,
} from '../../support/access.js';
import { outboxSettled } from '../../support/fixtures.js';
import { TestOidcProvider } from '../../support/oidc-provider.js';
import { CREATE_TENANT, CREATE_WORKSPACE, type CreatedWorkspace } from '../../support/operations.js';
import { allPages, type Connection } from '../../support/pages.js';
import { startTestServer, type TestServer } from '../../support/server.js';

/*
 * Listings for callers who are not tenant admins are computed from PostgreSQL (the caller's grants,
 * their groups' grants and the tree; tenant and group memberships), not from SpiceDB's
 * LookupResources. They must list exactly what SpiceDB says the caller may view, in list order
 * (name_key, then id), page by page.
 */
const WORKSPACES = `query Workspaces($t: ID!, $first: Int, $after: String, $q: String) {
  workspaces(tenantId: $t, first: $first, after: $after, nameContains: $q) { nodes { id } pageInfo { hasNextPage endCursor } }
}`;
const TENANT_WORKSPACES = `query TenantWorkspaces($t: ID!, $first: Int, $after: String) {
  tenant(id: $t) { workspaces(first: $first, after: $after) { nodes { id } pageInfo { hasNextPage endCursor } } }
}`;
const TENANT_GROUPS = `query TenantGroups($t: ID!, $first: Int, $after: String) {
  tenant(id: $t) { groups(first: $first, after: $after) { nodes { id } pageInfo { hasNextPage endCursor } } }
}`;
const TENANTS = `query Tenants($first: Int, $after: String) { viewer { tenants(first: $first, after: $after) { nodes { id } pageInfo { hasNextPage endCursor } } } }`;

type Data = Record<string, unknown>;
const workspacesOf = (d: Data) => d.workspaces as Connection | undefined;
const underTenant = (field: 'workspaces' | 'groups') => (d: Data) => (d.tenant as Record<string, Connection> | null)?.[field];
const tenantsOf = (d: Data) => (d.viewer as { tenants: Connection }).tenants;

describe('listings of callers who are not tenant admins', () => {
  let oidc: TestOidcProvider;
  let server: TestServer;
  let tenantId: string;
  const ws = new Map<string, string>();
  const people = new Map<string, Person>();
  const person = (name: string): Person => {
    const p = people.get(name);
    if (!p) throw new Error(name);
    return p;
  };
  const id = (name: string): string => {
    const found = ws.get(name);
    if (!found) throw new Error(name);
    return found;
  };
  const admin = (): Record<string, string> => ({ 'x-api-key': server.adminKey });

  /** What SpiceDB says `userId` may view, among `candidates`, in list order (PostgreSQL sorts it). */
  const spicedbViewable = async (type: 'workspace' | 'group' | 'tenant', userId: string, table: string, where = 'true', values: unknown[] = []): Promise<string[]> => {
    const ids = await server.runtime.spicedb.lookupResources(type, 'view', { type: 'user', id: userId }, null);
    const { rows } = await server.database.pool.query<{ id: string }>(
      `SELECT id FROM ${table} WHERE id = ANY($1::text[]) AND ${where} ORDER BY name_key, id`,
      [ids, ...values],
    );
    return rows.map((r) => r.id);
  };

  const create = async (parent: string, name: string, headers = admin()): Promise<string> => {
    const created = await ok<CreatedWorkspace>(server, headers, CREATE_WORKSPACE, { parentId: ws.get(parent) ?? parent, name });
    ws.set(name, created.createWorkspace.workspace.id);
    return created.createWorkspace.workspace.id;
  };
  const grant = (workspace: string, subject: { userId: string } | { groupId: string }, role: string, headers = admin()) =>
    ok(server, headers, GRANT_WORKSPACE_ROLE, { input: { workspaceId: id(workspace), ...subject, role } });
  const group = async (name: string): Promise<string> =>
    (await ok<{ createGroup: { group: { id: string } } }>(server, admin(), CREATE_GROUP, { input: { tenantId, name } })).createGroup.group.id;
  const join = (groupId: string, userId: string, role = 'MEMBER') => ok(server, admin(), ADD_GROUP_MEMBER, { input: { groupId, userId, role } });

  beforeAll(async () => {
    oidc = await TestOidcProvider.start();
    await oidc.addKey('RS256');
    server = await startTestServer({ OIDC_ISSUER: oidc.issuer, OIDC_AUDIENCE: oidc.audience, AUTHZ_SYNC_WAIT_MS: '300' });
    tenantId = server.runtime.bootstrap.tenantId;
    ws.set('root', server.runtime.bootstrap.rootWorkspaceId);
    // Names chosen so that list order is not creation order, nor the tree's order.
    for (const [parent, name] of [
      ['root', 'Alpha'], ['Alpha', 'alpha one'], ['alpha one', 'Alpha one leaf'], ['Alpha', 'Zulu under alpha'],
      ['root', 'beta'], ['beta', 'Beta child'], ['Beta child', 'a beta grandchild'],
      ['root', 'Gamma'], ['Gamma', 'Gamma child'], ['Gamma child', 'Gamma grandchild'], ['root', 'Écho'], ['Écho', 'echo child'],
    ] as const) await create(parent, name);
    for (const name of ['tenant-admin', 'plain', 'direct', 'grouped', 'group-admin', 'two-tenants', 'outsider']) people.set(name, await signIn(server, oidc, name));
    for (const name of ['tenant-admin', 'plain', 'direct', 'grouped', 'group-admin', 'two-tenants']) {
      await ok(server, admin(), ADD_TENANT_MEMBER, { input: { tenantId, userId: person(name).id, role: name === 'tenant-admin' ? 'ADMIN' : 'MEMBER' } });
    }
    await grant('Alpha', { userId: person('direct').id }, 'ADMIN');
    await grant('alpha one', { userId: person('direct').id }, 'MEMBER'); // below their other grant
    await grant('Gamma child', { userId: person('direct').id }, 'EDITOR');
    const readers = await group('Readers');
    await join(readers, person('grouped').id);
    await grant('beta', { groupId: readers }, 'MEMBER');
    await grant('Beta child', { userId: person('grouped').id }, 'MEMBER'); // below their group's grant
    await join(await group('Empty group'), person('grouped').id);
    const echoTeam = await group('Écho team');
    await join(echoTeam, person('group-admin').id, 'ADMIN');
    await grant('Écho', { groupId: echoTeam }, 'EDITOR');
    await grant('Gamma grandchild', { userId: person('two-tenants').id }, 'MEMBER');
    // A second tenant where `two-tenants` also holds a grant: never part of the first tenant's lists.
    const other = await ok<{ createTenant: { tenant: { id: string; rootWorkspace: { id: string } } } }>(server, person('outsider').headers, CREATE_TENANT, { name: 'Second' });
    const otherProject = await create(other.createTenant.tenant.rootWorkspace.id, 'Alpha in second', person('outsider').headers);
    await ok(server, person('outsider').headers, ADD_TENANT_MEMBER, { input: { tenantId: other.createTenant.tenant.id, userId: person('two-tenants').id, role: 'MEMBER' } });
    await ok(server, person('outsider').headers, GRANT_WORKSPACE_ROLE, { input: { workspaceId: otherProject, userId: person('two-tenants').id, role: 'ADMIN' } });
    await outboxSettled(server);
  }, 120_000);
  afterAll(async () => {
    await server.stop();
    await oidc.close();
  });

  const everyone = ['tenant-admin', 'plain', 'direct', 'grouped', 'group-admin', 'two-tenants'];

  it("lists, page by page, exactly the tenant's workspaces SpiceDB says each caller may view, in name order", async () => {
    const sizes: Record<string, number> = {};
    for (const name of everyone) {
      const p = person(name);
      const expected = await spicedbViewable('workspace', p.id, 'workspaces', 'tenant_id = $2', [tenantId]);
      sizes[name] = expected.length;
      expect(await allPages(server, p.headers, WORKSPACES, workspacesOf, { t: tenantId }), name).toEqual(expected);
      expect(await allPages(server, p.headers, TENANT_WORKSPACES, underTenant('workspaces'), { t: tenantId }, 3), name).toEqual(expected);
      const filtered = await spicedbViewable('workspace', p.id, 'workspaces', `tenant_id = $2 AND name_key LIKE '%a%'`, [tenantId]);
      expect(await allPages(server, p.headers, WORKSPACES, workspacesOf, { t: tenantId, q: 'A' }), `${name} nameContains`).toEqual(filtered);
    }
    // The cases are what they claim: nested grants counted once, groups expanding, no grant nothing.
    expect(sizes).toEqual({ 'tenant-admin': 13, plain: 0, direct: 6, grouped: 3, 'group-admin': 2, 'two-tenants': 1 });
  });

  it("lists the groups and tenants SpiceDB says each caller may view", async () => {
    for (const name of [...everyone, 'outsider']) {
      const p = person(name);
      const tenants = await spicedbViewable('tenant', p.id, 'tenants');
      expect(await allPages(server, p.headers, TENANTS, tenantsOf, {}, 1), name).toEqual(tenants);
      if (name === 'outsider') continue;
      const groups = await spicedbViewable('group', p.id, 'groups', 'tenant_id = $2', [tenantId]);
      expect(await allPages(server, p.headers, TENANT_GROUPS, underTenant('groups'), { t: tenantId }, 1), name).toEqual(groups);
    }
    expect((await spicedbViewable('tenant', person('two-tenants').id, 'tenants')).length).toBe(2);
    expect((await spicedbViewable('group', person('grouped').id, 'groups')).length).toBe(2);
  });

  it('a tenant the caller does not belong to is NOT_FOUND, and an API key stays in its tenant', async () => {
    const outsider = await server.gql(WORKSPACES, { t: tenantId }, person('outsider').headers);
    expect(refusal(outsider)).toEqual({ code: 'NOT_FOUND', field: 'tenantId' });
    const secondTenant = (await server.database.pool.query<{ id: string }>(`SELECT id FROM tenants WHERE name = 'Second'`)).rows[0]?.id;
    const createKey = (t: string | undefined) =>
      ok<{ createApiKey: { secret: string } }>(server, person('two-tenants').headers, 'mutation($t: ID!) { createApiKey(input: { tenantId: $t, name: "k" }) { secret } }', { t });
    const asKey = { 'x-api-key': (await createKey(tenantId)).createApiKey.secret };
    await createKey(secondTenant);
    expect(refusal(await server.gql(WORKSPACES, { t: secondTenant }, asKey))).toEqual({ code: 'NOT_FOUND', field: 'tenantId' });
    expect(await allPages(server, asKey, WORKSPACES, workspacesOf, { t: tenantId })).toEqual([id('Gamma grandchild')]);
    expect(await allPages(server, asKey, TENANTS, tenantsOf)).toEqual([tenantId]);
    // The owner's keys in every tenant they belong to; through the key, only its own tenant's.
    const KEYS = '{ viewer { apiKeys { nodes { tenant { id } } } } }';
    type Keys = { viewer: { apiKeys: { nodes: { tenant: { id: string } }[] } } };
    const bearerKeys = await server.gql<Keys>(KEYS, {}, person('two-tenants').headers);
    expect(bearerKeys.data?.viewer.apiKeys.nodes).toEqual([{ tenant: { id: secondTenant } }, { tenant: { id: tenantId } }]);
    expect((await server.gql<Keys>(KEYS, {}, asKey)).data?.viewer.apiKeys.nodes).toEqual([{ tenant: { id: tenantId } }]);
  });

  it('reflects a grant and a revocation as soon as PostgreSQL commits them, before SpiceDB has them', async () => {
    const plain = person('plain');
    const list = () => allPages(server, plain.headers, WORKSPACES, workspacesOf, { t: tenantId });
    const gamma = ['Gamma', 'Gamma child', 'Gamma grandchild'].map(id);
    await server.runtime.relay.stop();
    try {
      const granted = await ok<{ grantWorkspaceRole: { authorizationSynced: boolean } }>(server, admin(), GRANT_WORKSPACE_ROLE, { input: { workspaceId: id('Gamma'), userId: plain.id, role: 'MEMBER' } });
      expect(granted.grantWorkspaceRole.authorizationSynced).toBe(false);
      expect(await list()).toEqual(gamma);
      expect(await spicedbViewable('workspace', plain.id, 'workspaces')).toEqual([]);
    } finally {
      server.runtime.relay.start();
    }
    await outboxSettled(server);
    expect(await spicedbViewable('workspace', plain.id, 'workspaces')).toEqual(gamma);
    await server.runtime.relay.stop();
    try {
      await ok(server, admin(), REVOKE_WORKSPACE_ROLE, { input: { workspaceId: id('Gamma'), userId: plain.id } });
      expect(await list()).toEqual([]);
      expect(await spicedbViewable('workspace', plain.id, 'workspaces')).toEqual(gamma);
    } finally {
      server.runtime.relay.start();
    }
    await outboxSettled(server);
    expect(await spicedbViewable('workspace', plain.id, 'workspaces')).toEqual([]);
  });
});
