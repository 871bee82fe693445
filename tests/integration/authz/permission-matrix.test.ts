import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ref, type SubjectRef, type Tuple } from '../../../src/infra/spicedb/relationships.js';
import type { SpiceDb } from '../../../src/infra/spicedb/spicedb.js';
import { Access, CHANGE_TENANT_MEMBER_ROLE, GRANT_WORKSPACE_ROLE, ok, refusal, signIn, type Person, type Role } from '../../support/access.js';
import { startChildService, type ChildService } from '../../support/child-service.js';
import { TestOidcProvider } from '../../support/oidc-provider.js';
import { CREATE_TENANT } from '../../support/operations.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { startTestSpiceDb } from '../../support/spicedb.js';

/*
 * schema.zed proved against the real SpiceDB. The tree:
 *
 *   tenant T ── root R ── A ── B          tenant U ── root X
 *                      └─ S ── S1 ── S2
 */
const user = (id: string): SubjectRef => ({ type: 'user', id });
const groupMembers: SubjectRef = { type: 'group', id: 'G', relation: 'member' };
const tuple = (type: string, id: string, relation: string, subject: SubjectRef): Tuple => ({ resource: ref(type, id), relation, subject });

const relationships: Tuple[] = [
  tuple('tenant', 'T', 'admin', user('tenantAdmin')),
  tuple('tenant', 'T', 'member', user('tenantMember')),
  tuple('tenant', 'T', 'member', user('aMember')),
  tuple('tenant', 'U', 'admin', user('otherAdmin')),
  ...['R', 'A', 'B', 'S'].map((w) => tuple('workspace', w, 'tenant', ref('tenant', 'T'))),
  tuple('workspace', 'R', 'creator_tenant', ref('tenant', 'T')),
  tuple('workspace', 'A', 'parent', ref('workspace', 'R')),
  tuple('workspace', 'S', 'parent', ref('workspace', 'R')),
  tuple('workspace', 'B', 'parent', ref('workspace', 'A')),
  tuple('workspace', 'X', 'tenant', ref('tenant', 'U')),
  tuple('workspace', 'X', 'creator_tenant', ref('tenant', 'U')),
  tuple('workspace', 'R', 'admin', user('rootAdmin')),
  tuple('workspace', 'A', 'admin', user('aAdmin')),
  tuple('workspace', 'A', 'editor', user('aEditor')),
  tuple('workspace', 'A', 'member', user('aMember')),
  tuple('group', 'G', 'tenant', ref('tenant', 'T')),
  tuple('group', 'G', 'direct_member', user('groupie')),
  tuple('group', 'G', 'admin', user('groupAdmin')),
  tuple('workspace', 'S', 'editor', groupMembers),
  // S's subtree, two levels below it: a group's role inherits like a user's.
  ...['S1', 'S2'].map((w) => tuple('workspace', w, 'tenant', ref('tenant', 'T'))),
  tuple('workspace', 'S1', 'parent', ref('workspace', 'S')),
  tuple('workspace', 'S2', 'parent', ref('workspace', 'S1')),
  tuple('api_key', 'K', 'owner', user('keyOwner')),
  tuple('api_key', 'K', 'tenant', ref('tenant', 'T')),
];

type Row = [subject: string, resource: string, permissions: Record<string, boolean>];
const ws = (view: boolean, edit: boolean, manage: boolean, createChild: boolean) => ({ view, edit, manage, create_child: createChild });

// Expected answers; each line reads "this user, on this workspace, may ...".
const workspaceMatrix: Row[] = [
  // Tenant admins manage the whole tree of their tenant, whoever holds its workspace roles.
  ['tenantAdmin', 'R', ws(true, true, true, true)],
  ['tenantAdmin', 'A', ws(true, true, true, true)],
  ['tenantAdmin', 'B', ws(true, true, true, true)],
  ['tenantAdmin', 'X', ws(false, false, false, false)],
  ['tenantMember', 'R', ws(false, false, false, true)],
  ['tenantMember', 'A', ws(false, false, false, false)],
  ['rootAdmin', 'R', ws(true, true, true, true)],
  ['rootAdmin', 'A', ws(true, true, true, true)],
  ['rootAdmin', 'B', ws(true, true, true, true)],
  ['rootAdmin', 'S', ws(true, true, true, true)],
  ['aAdmin', 'R', ws(false, false, false, false)],
  ['aAdmin', 'A', ws(true, true, true, true)],
  ['aAdmin', 'B', ws(true, true, true, true)],
  ['aAdmin', 'S', ws(false, false, false, false)],
  ['aEditor', 'A', ws(true, true, false, true)],
  ['aEditor', 'B', ws(true, true, false, true)],
  ['aEditor', 'R', ws(false, false, false, false)],
  ['aMember', 'A', ws(true, false, false, false)],
  ['aMember', 'B', ws(true, false, false, false)],
  ['aMember', 'S', ws(false, false, false, false)],
  ['aMember', 'R', ws(false, false, false, true)],
  ['groupie', 'S', ws(true, true, false, true)],
  ['groupAdmin', 'S', ws(true, true, false, true)],
  ['groupie', 'A', ws(false, false, false, false)],
  ['groupie', 'S1', ws(true, true, false, true)],
  ['groupie', 'S2', ws(true, true, false, true)],
  ['otherAdmin', 'R', ws(false, false, false, false)],
  ['otherAdmin', 'X', ws(true, true, true, true)],
  ['outsider', 'A', ws(false, false, false, false)],
];

const tenantMatrix: Row[] = [
  ['tenantAdmin', 'T', { view: true, manage: true, administrate: true, create_api_key: true, create_group: true }],
  ['tenantMember', 'T', { view: true, manage: false, administrate: false, create_api_key: true, create_group: true }],
  ['rootAdmin', 'T', { view: false, manage: false, administrate: false, create_api_key: false, create_group: false }],
  ['otherAdmin', 'T', { view: false, manage: false, administrate: false, create_api_key: false, create_group: false }],
];

const otherMatrix: [string, string, string, Record<string, boolean>][] = [
  ['groupie', 'group', 'G', { member: true, view: true, manage: false }],
  ['groupAdmin', 'group', 'G', { member: true, view: true, manage: true }],
  ['tenantAdmin', 'group', 'G', { member: false, view: true, manage: true }],
  ['tenantMember', 'group', 'G', { member: false, view: false, manage: false }],
  ['otherAdmin', 'group', 'G', { member: false, view: false, manage: false }],
  ['keyOwner', 'api_key', 'K', { view: true, revoke: true }],
  ['tenantAdmin', 'api_key', 'K', { view: true, revoke: true }],
  ['tenantMember', 'api_key', 'K', { view: false, revoke: false }],
];

describe('schema.zed permission matrix (real SpiceDB)', () => {
  let spicedb: SpiceDb;
  let token: string;

  beforeAll(async () => {
    spicedb = await startTestSpiceDb();
    token = await spicedb.write(relationships.map((t) => ({ op: 'touch', tuple: t })));
  });
  afterAll(() => spicedb.close());

  const cases = [
    ...workspaceMatrix.map(([subject, id, perms]) => ['workspace', subject, id, perms] as const),
    ...tenantMatrix.map(([subject, id, perms]) => ['tenant', subject, id, perms] as const),
    ...otherMatrix.map(([subject, type, id, perms]) => [type, subject, id, perms] as const),
  ];

  it.each(cases)('%s: %s on %s', async (type, subject, id, expected) => {
    const permissions = Object.keys(expected);
    const answers = await spicedb.checkBulk(
      permissions.map((permission) => ({ resource: ref(type, id), permission, subject: user(subject) })),
      token,
    );
    expect(Object.fromEntries(permissions.map((p, i) => [p, answers[i]]))).toEqual(expected);
  });
});

/*
 * The same model with the relationships the service itself writes: power that comes with a tenant
 * role goes with it. A creator, the bootstrap admin and an admin added later, each demoted (or
 * removed), end with exactly what their remaining grants give: the same for all of them, seen in
 * the next request by bearer and by their API keys, in this process and in a second one.
 */
describe('roles as the service writes them: demoted and removed admins', () => {
  let oidc: TestOidcProvider;
  let server: TestServer;
  let second: ChildService;
  let access: Access;
  let owner: Person;
  let creator: Person;
  let later: Person;
  let leaver: Person;
  let successor: Person;
  const ids = { tenant: '', root: '', child: '', otherTenant: '', otherRoot: '', bootstrapTenant: '', bootstrapRoot: '' };
  const keys: Record<string, string> = {};

  const CREATE_KEY = `mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { secret } }`;
  const newKey = async (person: Person, tenantId: string): Promise<string> =>
    (await ok<{ createApiKey: { secret: string } }>(server, person.headers, CREATE_KEY, { input: { tenantId, name: `key of ${person.username}` } })).createApiKey.secret;
  const newTenant = async (by: Person, name: string): Promise<{ id: string; root: string }> => {
    const data = await ok<{ createTenant: { tenant: { id: string; rootWorkspace: { id: string } } } }>(server, by.headers, CREATE_TENANT, { name });
    return { id: data.createTenant.tenant.id, root: data.createTenant.tenant.rootWorkspace.id };
  };
  const change = (as: Record<string, string>, tenantId: string, userId: string, role: Role) =>
    ok(server, as, CHANGE_TENANT_MEMBER_ROLE, { input: { tenantId, userId, role } });

  const TENANT_AND_TREE = `query($t: ID!, $r: ID!, $c: ID!) {
    tenant(id: $t) { viewerRole viewerPermissions { view administrate } }
    root: workspace(id: $r) { viewerPermissions { view edit manage createChild } }
    child: workspace(id: $c) { viewerPermissions { view edit manage createChild } }
  }`;
  /** What one request with `headers` to `url` says the caller may do. */
  const seen = async (url: string, headers: Record<string, string>, t: string, r: string, c: string): Promise<unknown> => {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ query: TENANT_AND_TREE, variables: { t, r, c } }),
    });
    const body = (await response.json()) as { data: unknown; errors?: unknown };
    expect(body.errors).toBeUndefined();
    return body.data;
  };
  const perms = (view: boolean, edit: boolean, manage: boolean, createChild: boolean) => ({ viewerPermissions: { view, edit, manage, createChild } });
  // A tenant member with no workspace role: may create children of the root, sees nothing of the tree.
  const DEMOTED = { tenant: { viewerRole: 'MEMBER', viewerPermissions: { view: true, administrate: false } }, root: null, child: null };
  const REMOVED = { tenant: null, root: null, child: null };

  beforeAll(async () => {
    oidc = await TestOidcProvider.start();
    await oidc.addKey('RS256');
    server = await startTestServer({ OIDC_ISSUER: oidc.issuer, OIDC_AUDIENCE: oidc.audience });
    access = new Access(server);
    [owner, creator, later, leaver, successor] = await Promise.all(
      ['owner', 'creator', 'later', 'leaver', 'successor'].map((name) => signIn(server, oidc, name)),
    ) as [Person, Person, Person, Person, Person];
    ({ id: ids.tenant, root: ids.root } = await newTenant(creator, 'Lifecycle'));
    await access.addTenantMember(creator.headers, ids.tenant, { userId: owner.id }, 'ADMIN');
    await access.addTenantMember(creator.headers, ids.tenant, { userId: later.id }, 'ADMIN');
    ids.child = await access.createWorkspace(owner.headers, ids.root, 'Child');
    ({ id: ids.otherTenant, root: ids.otherRoot } = await newTenant(leaver, 'Leaving'));
    await access.addTenantMember(leaver.headers, ids.otherTenant, { userId: owner.id }, 'ADMIN');
    const bootstrap = await server.asAdmin<{ viewer: { tenants: { nodes: { id: string; rootWorkspace: { id: string } }[] } } }>(
      '{ viewer { tenants { nodes { id rootWorkspace { id } } } } }',
    );
    const bootstrapTenant = bootstrap.data?.viewer.tenants.nodes[0];
    ids.bootstrapTenant = bootstrapTenant?.id ?? '';
    ids.bootstrapRoot = bootstrapTenant?.rootWorkspace.id ?? '';
    await access.addTenantMember({ 'x-api-key': server.adminKey }, ids.bootstrapTenant, { userId: successor.id }, 'ADMIN');
    keys.creator = await newKey(creator, ids.tenant);
    keys.later = await newKey(later, ids.tenant);
    keys.leaver = await newKey(leaver, ids.otherTenant);
    // A second process on the same database and SpiceDB datastore.
    second = await startChildService({ DATABASE_URL: server.database.url, OIDC_ISSUER: oidc.issuer, OIDC_AUDIENCE: oidc.audience });
  }, 120_000);
  afterAll(async () => {
    await second?.stop();
    await server?.stop();
    await oidc?.close();
  });

  it('before: every admin manages the whole tree, through the tenant role alone', async () => {
    const admin = { tenant: { viewerRole: 'ADMIN', viewerPermissions: { view: true, administrate: true } }, root: perms(true, true, true, true), child: perms(true, true, true, true) };
    expect(await seen(server.url, creator.headers, ids.tenant, ids.root, ids.child)).toEqual(admin);
    expect(await seen(second.url, { 'x-api-key': keys.later ?? '' }, ids.tenant, ids.root, ids.child)).toEqual(admin);
    // Nobody holds a grant on the root: the tenant role is where the power comes from.
    const members = await ok<{ workspace: { members: { nodes: unknown[] } } }>(server, owner.headers, `query($id: ID!) { workspace(id: $id) { members { nodes { role } } } }`, { id: ids.root });
    expect(members.workspace.members.nodes).toEqual([]);
  });

  it('creator demoted: what an admin added later and demoted has, by bearer and API key, in both processes', async () => {
    await change(owner.headers, ids.tenant, creator.id, 'MEMBER');
    await change(owner.headers, ids.tenant, later.id, 'MEMBER');
    for (const url of [server.url, second.url]) {
      expect(await seen(url, creator.headers, ids.tenant, ids.root, ids.child)).toEqual(DEMOTED);
      expect(await seen(url, { 'x-api-key': keys.creator ?? '' }, ids.tenant, ids.root, ids.child)).toEqual(DEMOTED);
      expect(await seen(url, { 'x-api-key': keys.later ?? '' }, ids.tenant, ids.root, ids.child)).toEqual(DEMOTED);
    }
    await expect(spiceDbAnswers(server, creator.id, ids.tenant, ids.root, ids.child)).resolves.toEqual(await spiceDbAnswers(server, later.id, ids.tenant, ids.root, ids.child));
    // The demoted creator cannot hand out roles any more.
    const grant = await server.gql(GRANT_WORKSPACE_ROLE, { input: { workspaceId: ids.child, userId: creator.id, role: 'ADMIN' } }, creator.headers);
    expect(refusal(grant).code).toBe('NOT_FOUND');
  });

  it('creator removed: nothing of the tenant is left, in either process', async () => {
    await access.removeTenantMember(owner.headers, ids.otherTenant, leaver.id);
    for (const url of [server.url, second.url]) {
      expect(await seen(url, leaver.headers, ids.otherTenant, ids.otherRoot, ids.otherRoot)).toEqual(REMOVED);
    }
    const byKey = await fetch(second.url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': keys.leaver ?? '' }, body: '{"query":"{ __typename }"}' });
    expect(byKey.status).toBe(401);
    expect(await spiceDbAnswers(server, leaver.id, ids.otherTenant, ids.otherRoot, ids.otherRoot)).toEqual({ tenant: [false, false], root: [false, false, false, false], child: [false, false, false, false] });
  });

  it('bootstrap admin demoted: their key acts as a plain member', async () => {
    const bootstrapAdmin = await server.asAdmin<{ viewer: { user: { id: string } } }>('{ viewer { user { id } } }');
    await change(successor.headers, ids.bootstrapTenant, bootstrapAdmin.data?.viewer.user.id ?? '', 'MEMBER');
    for (const url of [server.url, second.url]) {
      expect(await seen(url, { 'x-api-key': server.adminKey }, ids.bootstrapTenant, ids.bootstrapRoot, ids.bootstrapRoot)).toEqual(DEMOTED);
    }
  });
});

/** SpiceDB's own answers for a user, at the freshness token the service stored: [view, administrate] on the tenant, [view, edit, manage, create_child] on each workspace. */
async function spiceDbAnswers(server: TestServer, userId: string, tenantId: string, rootId: string, childId: string) {
  const { rows } = await server.database.pool.query<{ zed_token: string }>('SELECT zed_token FROM authz_state');
  const token = rows[0]?.zed_token ?? null;
  const ask = (type: string, id: string, permissions: string[]) =>
    server.runtime.spicedb.checkBulk(permissions.map((permission) => ({ resource: ref(type, id), permission, subject: user(userId) })), token);
  const onWorkspace = ['view', 'edit', 'manage', 'create_child'];
  return { tenant: await ask('tenant', tenantId, ['view', 'administrate']), root: await ask('workspace', rootId, onWorkspace), child: await ask('workspace', childId, onWorkspace) };
}
