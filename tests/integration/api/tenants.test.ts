import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMember } from '../../support/fixtures.js';
import { TestOidcProvider } from '../../support/oidc-provider.js';
import { CREATE_TENANT, CREATE_WORKSPACE, DELETE_TENANT, GET_WORKSPACE, type CreatedWorkspace } from '../../support/operations.js';
import { startTestServer, type TestServer } from '../../support/server.js';

interface CreatedTenant {
  createTenant: {
    tenant: { id: string; name: string; rootWorkspace: { id: string; name: string; isRoot: boolean; depth: number } };
    authorizationSynced: boolean;
  };
}

describe('tenants over HTTP', () => {
  let oidc: TestOidcProvider;
  let server: TestServer;
  const bearer = async (sub: string) => ({ authorization: `Bearer ${await oidc.sign({ sub, preferred_username: sub, name: `${sub} Example` })}` });

  beforeAll(async () => {
    oidc = await TestOidcProvider.start();
    await oidc.addKey('RS256');
    server = await startTestServer({ OIDC_ISSUER: oidc.issuer, OIDC_AUDIENCE: oidc.audience });
  });
  afterAll(async () => {
    await server.stop();
    await oidc.close();
  });

  it('a new OIDC user belongs to no tenant until they create one, then administers it and its root', async () => {
    const alice = await bearer('alice');
    const before = await server.gql<{ viewer: { user: { username: string; name: string }; tenants: { nodes: unknown[] } } }>(
      `{ viewer { user { username name } tenants { nodes { id } } } }`,
      {},
      alice,
    );
    expect(before.data?.viewer).toEqual({ user: { username: 'alice', name: 'alice Example' }, tenants: { nodes: [] } });

    const created = await server.gql<CreatedTenant>(CREATE_TENANT, { name: ' Acme ' }, alice);
    expect(created.errors).toBeUndefined();
    expect(created.data?.createTenant).toMatchObject({
      authorizationSynced: true,
      tenant: { name: 'Acme', rootWorkspace: { name: 'Root', isRoot: true, depth: 0 }, viewerPermissions: { view: true, manage: true, administrate: true, createApiKey: true } },
    });
    const after = await server.gql<{ viewer: { tenants: { nodes: { name: string }[] } } }>(`{ viewer { tenants { nodes { name } } } }`, {}, alice);
    expect(after.data?.viewer.tenants.nodes).toEqual([{ name: 'Acme' }]);
  });

  it('tenant names are unique case-insensitively', async () => {
    const bob = await bearer('bob');
    expect((await server.gql(CREATE_TENANT, { name: 'Globex' }, bob)).errors).toBeUndefined();
    const duplicate = await server.gql(CREATE_TENANT, { name: 'GLOBEX' }, bob);
    expect(duplicate.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT', reason: 'TENANT_NAME_TAKEN' });
    const count = await server.database.pool.query(`SELECT count(*)::int AS n FROM tenants WHERE lower(name) = 'globex'`);
    expect(count.rows[0]).toEqual({ n: 1 });
  });

  it('an API key is confined to its tenant and cannot create another', async () => {
    const response = await server.asAdmin(CREATE_TENANT, { name: 'Escape attempt' });
    expect(response.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'API_KEY_CONFINED' });
  });

  it('deleting a tenant removes its whole tree, keys and relationships in one go', async () => {
    const carol = await bearer('carol');
    const created = await server.gql<CreatedTenant>(CREATE_TENANT, { name: 'Doomed' }, carol);
    const tenant = created.data?.createTenant.tenant;
    if (!tenant) throw new Error('no tenant');
    const child = await server.gql<CreatedWorkspace>(CREATE_WORKSPACE, { parentId: tenant.rootWorkspace.id, name: 'child' }, carol);
    const childId = child.data?.createWorkspace.workspace.id ?? '';
    await server.gql(CREATE_WORKSPACE, { parentId: childId, name: 'grandchild' }, carol);
    const member = await createMember(server, { tenantId: tenant.id, username: 'doomed-member' });

    const byMember = await server.gql(DELETE_TENANT, { id: tenant.id }, member.headers);
    expect(byMember.errors?.[0]?.extensions.code).toBe('FORBIDDEN');
    const byStranger = await server.gql(DELETE_TENANT, { id: tenant.id }, await bearer('mallory'));
    expect(byStranger.errors?.[0]?.extensions.code).toBe('NOT_FOUND');

    const deleted = await server.gql(DELETE_TENANT, { id: tenant.id }, carol);
    expect(deleted.data).toEqual({ deleteTenant: { deletedTenantId: tenant.id, authorizationSynced: true } });
    const rows = await server.database.pool.query(
      `SELECT (SELECT count(*) FROM workspaces WHERE tenant_id = $1)::int AS workspaces,
              (SELECT count(*) FROM tenant_members WHERE tenant_id = $1)::int AS members,
              (SELECT count(*) FROM api_keys WHERE tenant_id = $1)::int AS keys,
              (SELECT count(*) FROM tenants WHERE id = $1)::int AS tenants`,
      [tenant.id],
    );
    expect(rows.rows[0]).toEqual({ workspaces: 0, members: 0, keys: 0, tenants: 0 });
    const spice = await server.runtime.spicedb.readRelationships({ resourceType: 'workspace', resourceId: childId }, null);
    expect(spice).toEqual([]);
    const tenantTuples = await server.runtime.spicedb.readRelationships({ resourceType: 'tenant', resourceId: tenant.id }, null);
    expect(tenantTuples).toEqual([]);
    // The member's key died with the tenant.
    const withOldKey = await server.gql(GET_WORKSPACE, { id: childId }, member.headers);
    expect(withOldKey.status).toBe(401);
  });

  it('pages the tenants a user can view', async () => {
    const dave = await bearer('dave');
    for (const name of ['Dave C', 'Dave A', 'Dave B']) await server.gql(CREATE_TENANT, { name }, dave);
    type Page = { tenants: { nodes: { name: string }[]; pageInfo: { hasNextPage: boolean; endCursor: string } } };
    const first = await server.gql<Page>(`{ tenants(first: 2) { nodes { name } pageInfo { hasNextPage endCursor } } }`, {}, dave);
    expect(first.data?.tenants.nodes.map((n) => n.name)).toEqual(['Dave A', 'Dave B']);
    const rest = await server.gql<Page>(
      `query($after: String) { tenants(first: 2, after: $after) { nodes { name } pageInfo { hasNextPage endCursor } } }`,
      { after: first.data?.tenants.pageInfo.endCursor },
      dave,
    );
    expect(rest.data?.tenants.nodes.map((n) => n.name)).toEqual(['Dave C']);
    expect(rest.data?.tenants.pageInfo.hasNextPage).toBe(false);
  });
});

describe('with ALLOW_TENANT_CREATION=false', () => {
  let oidc: TestOidcProvider;
  let server: TestServer;
  beforeAll(async () => {
    oidc = await TestOidcProvider.start();
    await oidc.addKey('ES256');
    server = await startTestServer({ OIDC_ISSUER: oidc.issuer, OIDC_AUDIENCE: oidc.audience, ALLOW_TENANT_CREATION: 'false' });
  });
  afterAll(async () => {
    await server.stop();
    await oidc.close();
  });

  it('refuses to create tenants and changes nothing', async () => {
    const token = await oidc.sign({ sub: 'erin' });
    const response = await server.gql(CREATE_TENANT, { name: 'Nope' }, { authorization: `Bearer ${token}` });
    expect(response.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'TENANT_CREATION_DISABLED' });
    const count = await server.database.pool.query('SELECT count(*)::int AS n FROM tenants');
    expect(count.rows[0]).toEqual({ n: 1 });
  });
});
