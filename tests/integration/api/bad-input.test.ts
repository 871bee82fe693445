import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outboxSettled } from '../../support/fixtures.js';
import { TestOidcProvider } from '../../support/oidc-provider.js';
import { CREATE_TENANT, CREATE_WORKSPACE, DELETE_TENANT, DELETE_WORKSPACE, RENAME_WORKSPACE, type CreatedWorkspace } from '../../support/operations.js';
import { startTestServer, type GraphQLResponse, type TestServer } from '../../support/server.js';
import { snapshot } from '../../support/snapshot.js';

const MISSING_ID = '01J00000000000000000000000';
const LONG = 'x'.repeat(256);
const LONE_SURROGATE = 'broken \ud800 name';
/** A cursor as the API encodes one, with whatever key and id a client cares to forge. */
const forgedCursor = (key: string, id: string): string => Buffer.from(JSON.stringify([key, id]), 'utf8').toString('base64url');

/** Names no sibling, tenant or key may have: each case is [description, name, reason]. */
const UNICODE_NAME_CASES: [string, string, string][] = [
  ['a lone surrogate', LONE_SURROGATE, 'INVALID_UNICODE'],
  ['a lone low surrogate at the end', 'end\udc00', 'INVALID_UNICODE'],
  ['only zero-width characters', '\u200b\u200c\u200d\u2060\ufeff', 'NAME_EMPTY'],
  ['only invisible fillers and soft hyphens', '\u3164 \u00ad\u115f\u2800', 'NAME_EMPTY'],
  ['only ideographic and no-break spaces', '\u3000\u00a0\u202f', 'NAME_EMPTY'],
  ['a right-to-left override', 'invoice\u202egpj.exe', 'NAME_BIDI_CONTROL'],
  ['a left-to-right embedding', '\u202aname', 'NAME_BIDI_CONTROL'],
  ['a first-strong isolate', 'a\u2068b\u2069', 'NAME_BIDI_CONTROL'],
];

describe('bad input is refused with a stable code and changes nothing', () => {
  let oidc: TestOidcProvider;
  let server: TestServer;
  let owner: Record<string, string>;
  let rootId: string;
  let tenantId: string;
  let a: string;
  let deepest: string;
  let foreignTenantId: string;
  let foreignWorkspaceId: string;

  const expectRefused = async (
    send: () => Promise<GraphQLResponse>,
    expected: { code: string; field?: string; reason?: string },
  ): Promise<void> => {
    const before = await snapshot(server);
    const response = await send();
    expect(response.errors?.[0]?.extensions).toMatchObject(expected);
    await outboxSettled(server);
    expect(await snapshot(server)).toEqual(before);
  };

  beforeAll(async () => {
    oidc = await TestOidcProvider.start();
    await oidc.addKey('RS256');
    server = await startTestServer({ OIDC_ISSUER: oidc.issuer, OIDC_AUDIENCE: oidc.audience, MAX_WORKSPACE_DEPTH: '3' });
    owner = { authorization: `Bearer ${await oidc.sign({ sub: 'owner' })}` };
    rootId = server.runtime.bootstrap.rootWorkspaceId;
    tenantId = server.runtime.bootstrap.tenantId;
    const make = async (parentId: string, name: string) =>
      (await server.asAdmin<CreatedWorkspace>(CREATE_WORKSPACE, { parentId, name })).data?.createWorkspace.workspace.id ?? '';
    a = await make(rootId, 'A');
    await make(a, 'Child of A');
    deepest = await make(await make(a, 'Level 2'), 'Level 3');
    const foreign = await server.gql<{ createTenant: { tenant: { id: string; rootWorkspace: { id: string } } } }>(CREATE_TENANT, { name: 'Foreign' }, owner);
    foreignTenantId = foreign.data?.createTenant.tenant.id ?? '';
    foreignWorkspaceId = foreign.data?.createTenant.tenant.rootWorkspace.id ?? '';
    await outboxSettled(server);
  });
  afterAll(async () => {
    await server.stop();
    await oidc.close();
  });

  describe('createWorkspace', () => {
    const create = (parentId: string, name: string) => () => server.asAdmin(CREATE_WORKSPACE, { parentId, name });
    it.each([
      ['empty name', '', 'NAME_EMPTY'],
      ['whitespace-only name', ' \t  ', 'NAME_EMPTY'],
      ['256-character name', LONG, 'NAME_TOO_LONG'],
      ['control character', 'bell\u0007', 'NAME_CONTROL_CHARACTERS'],
      ['newline', 'two\nlines', 'NAME_CONTROL_CHARACTERS'],
      ['NUL', 'nul\u0000', 'NAME_CONTROL_CHARACTERS'],
      ...UNICODE_NAME_CASES,
    ])('%s', async (_, name, reason) => {
      await expectRefused(create(rootId, name), { code: 'BAD_USER_INPUT', field: 'name', reason });
    });
    it('malformed parent ID', async () => {
      await expectRefused(create('not-a-ulid', 'ok'), { code: 'BAD_USER_INPUT', field: 'parentId', reason: 'INVALID_ID' });
    });
    it('missing parent', async () => {
      await expectRefused(create(MISSING_ID, 'ok'), { code: 'NOT_FOUND' });
    });
    it("a valid ID of another tenant's workspace", async () => {
      await expectRefused(create(foreignWorkspaceId, 'ok'), { code: 'NOT_FOUND' });
    });
    it('a duplicate sibling name in different case', async () => {
      await expectRefused(create(a, 'CHILD OF a'), { code: 'CONFLICT', reason: 'WORKSPACE_NAME_TAKEN' });
    });
    it('deeper than MAX_WORKSPACE_DEPTH', async () => {
      await expectRefused(create(deepest, 'too deep'), { code: 'BAD_USER_INPUT', field: 'parentId', reason: 'WORKSPACE_TOO_DEEP' });
    });
  });

  describe('renameWorkspace', () => {
    const rename = (id: string, name: string) => () => server.asAdmin(RENAME_WORKSPACE, { id, name });
    it.each([
      ['empty name', '', 'NAME_EMPTY'],
      ['whitespace-only name', '   ', 'NAME_EMPTY'],
      ['256-character name', LONG, 'NAME_TOO_LONG'],
      ['control character', 'tab\there', 'NAME_CONTROL_CHARACTERS'],
      ...UNICODE_NAME_CASES,
    ])('%s', async (_, name, reason) => {
      await expectRefused(rename(a, name), { code: 'BAD_USER_INPUT', field: 'name', reason });
    });
    it('malformed ID', async () => {
      await expectRefused(rename('42', 'ok'), { code: 'BAD_USER_INPUT', field: 'id' });
    });
    it('missing workspace', async () => {
      await expectRefused(rename(MISSING_ID, 'ok'), { code: 'NOT_FOUND' });
    });
    it("another tenant's workspace", async () => {
      await expectRefused(rename(foreignWorkspaceId, 'ok'), { code: 'NOT_FOUND' });
    });
    it('a sibling name in different case', async () => {
      const level2Sibling = await server.asAdmin<CreatedWorkspace>(CREATE_WORKSPACE, { parentId: a, name: 'Sibling' });
      const id = level2Sibling.data?.createWorkspace.workspace.id ?? '';
      await expectRefused(rename(id, 'child of A'), { code: 'CONFLICT', reason: 'WORKSPACE_NAME_TAKEN' });
    });
  });

  describe('deleteWorkspace', () => {
    const remove = (id: string) => () => server.asAdmin(DELETE_WORKSPACE, { id });
    it('malformed ID', async () => expectRefused(remove('nope'), { code: 'BAD_USER_INPUT', field: 'id' }));
    it('missing workspace', async () => expectRefused(remove(MISSING_ID), { code: 'NOT_FOUND' }));
    it("another tenant's workspace", async () => expectRefused(remove(foreignWorkspaceId), { code: 'NOT_FOUND' }));
    it('the root', async () => expectRefused(remove(rootId), { code: 'CONFLICT', reason: 'CANNOT_DELETE_ROOT' }));
    it('a workspace with children', async () => expectRefused(remove(a), { code: 'CONFLICT', reason: 'WORKSPACE_HAS_CHILDREN' }));
  });

  describe('createTenant and deleteTenant', () => {
    const createTenant = (name: string) => () => server.gql(CREATE_TENANT, { name }, owner);
    it.each([
      ['empty name', '', 'NAME_EMPTY'],
      ['whitespace-only name', '  ', 'NAME_EMPTY'],
      ['256-character name', LONG, 'NAME_TOO_LONG'],
      ['control character', 'nul\u0000', 'NAME_CONTROL_CHARACTERS'],
      ...UNICODE_NAME_CASES,
    ])('%s', async (_, name, reason) => {
      await expectRefused(createTenant(name), { code: 'BAD_USER_INPUT', field: 'name', reason });
    });
    it('a duplicate name in different case', async () => {
      await expectRefused(createTenant('FOREIGN'), { code: 'CONFLICT', reason: 'TENANT_NAME_TAKEN' });
    });
    it('delete: malformed, missing, and another tenant', async () => {
      await expectRefused(() => server.asAdmin(DELETE_TENANT, { id: 'x' }), { code: 'BAD_USER_INPUT', field: 'id' });
      await expectRefused(() => server.asAdmin(DELETE_TENANT, { id: MISSING_ID }), { code: 'NOT_FOUND' });
      await expectRefused(() => server.asAdmin(DELETE_TENANT, { id: foreignTenantId }), { code: 'NOT_FOUND' });
    });
  });

  describe('query arguments', () => {
    it.each([
      ['malformed workspace ID', `{ workspace(id: "zzz") { id } }`, 'id'],
      ['malformed tenant ID', `{ tenant(id: "zzz") { id } }`, 'id'],
      ['malformed tenantId', `{ workspaces(tenantId: "zzz") { nodes { id } } }`, 'tenantId'],
      ['negative first', `{ tenants(first: -1) { nodes { id } } }`, 'first'],
      ['first above 500', `{ tenants(first: 501) { nodes { id } } }`, 'first'],
      ['a cursor we never issued', `{ tenants(after: "garbage") { nodes { id } } }`, 'after'],
    ])('%s', async (_, query, field) => {
      await expectRefused(() => server.asAdmin(query), { code: 'BAD_USER_INPUT', field });
    });
    it('nameContains longer than a name can be', async () => {
      const query = `query($t: ID!, $n: String) { workspaces(tenantId: $t, nameContains: $n) { nodes { id } } }`;
      await expectRefused(() => server.asAdmin(query, { t: tenantId, n: LONG }), { code: 'BAD_USER_INPUT', field: 'nameContains', reason: 'NAME_FILTER_TOO_LONG' });
    });
    describe('nameContains and cursors that PostgreSQL could not take', () => {
      const listQuery = `query($t: ID!, $n: String, $after: String) { workspaces(tenantId: $t, nameContains: $n, after: $after) { nodes { id } } }`;
      const nestedQuery = `query($t: ID!, $n: String, $after: String) { tenant(id: $t) { workspaces(nameContains: $n, after: $after) { nodes { id } } } }`;
      const cases: [string, { n?: string; after?: string }, string, string][] = [
        ['NUL in nameContains', { n: 'a\u0000b' }, 'nameContains', 'NUL_CHARACTER'],
        ['a lone surrogate in nameContains', { n: 'x\ud83d' }, 'nameContains', 'INVALID_UNICODE'],
        ['a cursor whose key holds NUL', { after: forgedCursor('a\u0000', MISSING_ID) }, 'after', 'INVALID_CURSOR'],
        ['a cursor whose key is not well-formed', { after: forgedCursor('\udfff', MISSING_ID) }, 'after', 'INVALID_CURSOR'],
        ['a cursor whose id is not an id', { after: forgedCursor('a', 'not-an-id') }, 'after', 'INVALID_CURSOR'],
        ['a cursor whose id holds NUL', { after: forgedCursor('a', '\u0000') }, 'after', 'INVALID_CURSOR'],
      ];
      it.each(cases)('Query.workspaces: %s', async (_, variables, field, reason) => {
        await expectRefused(() => server.asAdmin(listQuery, { t: tenantId, ...variables }), { code: 'BAD_USER_INPUT', field, reason });
      });
      it.each(cases)('Tenant.workspaces: %s', async (_, variables, field, reason) => {
        await expectRefused(() => server.asAdmin(nestedQuery, { t: tenantId, ...variables }), { code: 'BAD_USER_INPUT', field, reason });
      });
      it.each([
        ['tenants', `{ tenants(after: "${forgedCursor('a\u0000', MISSING_ID)}") { nodes { id } } }`],
        ['children', `query($id: ID!) { workspace(id: $id) { children(after: "${forgedCursor('\ud800', MISSING_ID)}") { nodes { id } } } }`],
      ])('a forged cursor on %s', async (_, query) => {
        await expectRefused(() => server.asAdmin(query, { id: rootId }), { code: 'BAD_USER_INPUT', field: 'after', reason: 'INVALID_CURSOR' });
      });
    });
    it('a bearer token with NUL in a claim is a 401 and provisions nobody', async () => {
      const token = await oidc.sign({ sub: 'claims-nul', name: 'Mallory\u0000' });
      const before = await snapshot(server);
      const response = await server.gql(`{ viewer { user { username } } }`, {}, { authorization: `Bearer ${token}` });
      expect(response.status).toBe(401);
      expect(response.errors?.[0]?.extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'TOKEN_CLAIM_INVALID' });
      expect(await snapshot(server)).toEqual(before);
    });
    it('workspaces of a tenant the caller cannot view', async () => {
      await expectRefused(() => server.asAdmin(`query($t: ID!) { workspaces(tenantId: $t) { nodes { id } } }`, { t: foreignTenantId }), {
        code: 'NOT_FOUND',
        field: 'tenantId',
      });
    });
  });
});
