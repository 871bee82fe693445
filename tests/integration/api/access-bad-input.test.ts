import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Access,
  ADD_GROUP_MEMBER,
  ADD_TENANT_MEMBER,
  CHANGE_GROUP_MEMBER_ROLE,
  CHANGE_TENANT_MEMBER_ROLE,
  CREATE_GROUP,
  DELETE_GROUP,
  GRANT_WORKSPACE_ROLE,
  REMOVE_GROUP_MEMBER,
  REMOVE_TENANT_MEMBER,
  RENAME_GROUP,
  REVOKE_WORKSPACE_ROLE,
  signIn,
  type Person,
} from '../../support/access.js';
import { outboxSettled } from '../../support/fixtures.js';
import { TestOidcProvider } from '../../support/oidc-provider.js';
import { CREATE_TENANT } from '../../support/operations.js';
import { startTestServer, type GraphQLResponse, type TestServer } from '../../support/server.js';
import { snapshot } from '../../support/snapshot.js';

const MISSING_ID = '01J00000000000000000000000';
const forgedCursor = (key: string, id: string): string => Buffer.from(JSON.stringify([key, id]), 'utf8').toString('base64url');

/** Names no group may have: [description, name, reason], as for workspaces. */
const BAD_NAMES: [string, string, string][] = [
  ['empty', '', 'NAME_EMPTY'],
  ['blank', ' \t ', 'NAME_EMPTY'],
  ['zero-width only', '\u200b\u2060', 'NAME_EMPTY'],
  ['256 characters', 'x'.repeat(256), 'NAME_TOO_LONG'],
  ['a control character', 'bell\u0007', 'NAME_CONTROL_CHARACTERS'],
  ['a right-to-left override', 'team\u202egpj.exe', 'NAME_BIDI_CONTROL'],
  ['a lone surrogate', 'x\ud800', 'INVALID_UNICODE'],
];

/*
 * Every access-management mutation refuses bad input with a stable code and changes nothing in
 * PostgreSQL or SpiceDB. Checks come in this order: input, visibility, permission, subject, state.
 */
describe('access management: bad input changes nothing', () => {
  let oidc: TestOidcProvider;
  let server: TestServer;
  let access: Access;
  let admin: Record<string, string>;
  let owner: Person;
  let member: Person;
  let outsider: Person;
  let tenantId: string;
  let rootId: string;
  let groupId: string;
  let foreignTenantId: string;
  let foreignGroupId: string;
  let foreignWorkspaceId: string;

  const expectRefused = async (send: () => Promise<GraphQLResponse>, expected: { code: string; field?: string; reason?: string }): Promise<void> => {
    const before = await snapshot(server);
    const response = await send();
    expect(response.errors?.[0]?.extensions).toMatchObject(expected);
    await outboxSettled(server);
    expect(await snapshot(server)).toEqual(before);
  };
  const as = (headers: Record<string, string>, query: string, input: Record<string, unknown>) => () => server.gql(query, { input }, headers);

  beforeAll(async () => {
    oidc = await TestOidcProvider.start();
    await oidc.addKey('RS256');
    server = await startTestServer({ OIDC_ISSUER: oidc.issuer, OIDC_AUDIENCE: oidc.audience });
    access = new Access(server);
    admin = { 'x-api-key': server.adminKey };
    tenantId = server.runtime.bootstrap.tenantId;
    rootId = server.runtime.bootstrap.rootWorkspaceId;
    owner = await signIn(server, oidc, 'owner');
    member = await signIn(server, oidc, 'member', { email: 'member@example.com' });
    outsider = await signIn(server, oidc, 'outsider', { email: 'outsider@example.com' });
    await access.addTenantMember(admin, tenantId, { userId: member.id });
    groupId = await access.createGroup(admin, tenantId, 'Team');
    await access.createGroup(admin, tenantId, 'Other team');
    const foreign = await server.gql<{ createTenant: { tenant: { id: string; rootWorkspace: { id: string } } } }>(CREATE_TENANT, { name: 'Foreign' }, owner.headers);
    foreignTenantId = foreign.data?.createTenant.tenant.id ?? '';
    foreignWorkspaceId = foreign.data?.createTenant.tenant.rootWorkspace.id ?? '';
    foreignGroupId = await access.createGroup(owner.headers, foreignTenantId, 'Foreign team');
  });
  afterAll(async () => {
    await server.stop();
    await oidc.close();
  });

  describe('addTenantMember', () => {
    const add = (input: Record<string, unknown>) => as(admin, ADD_TENANT_MEMBER, { tenantId, role: 'MEMBER', ...input });
    it.each([
      ['both userId and email', () => ({ userId: outsider.id, email: 'outsider@example.com' }), { code: 'BAD_USER_INPUT', reason: 'EXACTLY_ONE_OF' }],
      ['neither userId nor email', () => ({}), { code: 'BAD_USER_INPUT', reason: 'EXACTLY_ONE_OF' }],
      ['a malformed userId', () => ({ userId: 'bob' }), { code: 'BAD_USER_INPUT', field: 'userId', reason: 'INVALID_ID' }],
      ['a malformed tenantId', () => ({ tenantId: 'acme', email: 'outsider@example.com' }), { code: 'BAD_USER_INPUT', field: 'tenantId', reason: 'INVALID_ID' }],
      ['a blank email', () => ({ email: '  ' }), { code: 'BAD_USER_INPUT', field: 'email', reason: 'EMAIL_EMPTY' }],
      ['an email with NUL', () => ({ email: 'a\u0000@b' }), { code: 'BAD_USER_INPUT', field: 'email', reason: 'NUL_CHARACTER' }],
      ['an unknown role', () => ({ email: 'outsider@example.com', role: 'OWNER' }), { code: 'BAD_USER_INPUT' }],
    ] as [string, () => Record<string, unknown>, { code: string }][])('%s', async (_, input, expected) => {
      // Inputs are built when the test runs: the people exist only once beforeAll has run.
      await expectRefused(add(input()), expected);
    });
    it('an unknown user or email, a missing or foreign tenant, an existing member', async () => {
      await expectRefused(add({ userId: MISSING_ID }), { code: 'NOT_FOUND', reason: 'USER_NOT_FOUND' });
      await expectRefused(add({ email: 'nobody@example.com' }), { code: 'NOT_FOUND', reason: 'USER_NOT_FOUND' });
      await expectRefused(add({ tenantId: MISSING_ID, userId: outsider.id }), { code: 'NOT_FOUND' });
      await expectRefused(add({ tenantId: foreignTenantId, userId: outsider.id }), { code: 'NOT_FOUND' });
      await expectRefused(add({ email: 'MEMBER@example.com' }), { code: 'CONFLICT', reason: 'ALREADY_MEMBER' });
      await expectRefused(as(member.headers, ADD_TENANT_MEMBER, { tenantId, userId: outsider.id, role: 'ADMIN' }), { code: 'FORBIDDEN' });
    });
  });

  describe('changeTenantMemberRole and removeTenantMember', () => {
    it('malformed ids, strangers, the last admin', async () => {
      await expectRefused(as(admin, CHANGE_TENANT_MEMBER_ROLE, { tenantId, userId: 'x', role: 'ADMIN' }), { code: 'BAD_USER_INPUT', field: 'userId' });
      await expectRefused(as(admin, CHANGE_TENANT_MEMBER_ROLE, { tenantId, userId: outsider.id, role: 'ADMIN' }), { code: 'BAD_USER_INPUT', reason: 'NOT_A_TENANT_MEMBER' });
      await expectRefused(as(admin, REMOVE_TENANT_MEMBER, { tenantId: 'x', userId: member.id }), { code: 'BAD_USER_INPUT', field: 'tenantId' });
      await expectRefused(as(admin, REMOVE_TENANT_MEMBER, { tenantId, userId: MISSING_ID }), { code: 'BAD_USER_INPUT', reason: 'NOT_A_TENANT_MEMBER' });
      await expectRefused(as(outsider.headers, REMOVE_TENANT_MEMBER, { tenantId, userId: member.id }), { code: 'NOT_FOUND' });
      const me = (await server.gql<{ viewer: { user: { id: string } } }>('{ viewer { user { id } } }', {}, admin)).data?.viewer.user.id ?? '';
      await expectRefused(as(admin, CHANGE_TENANT_MEMBER_ROLE, { tenantId, userId: me, role: 'MEMBER' }), { code: 'CONFLICT', reason: 'LAST_TENANT_ADMIN' });
      await expectRefused(as(admin, REMOVE_TENANT_MEMBER, { tenantId, userId: me }), { code: 'CONFLICT', reason: 'LAST_TENANT_ADMIN' });
    });
  });

  describe('groups', () => {
    it.each(BAD_NAMES)('createGroup with %s', async (_, name, reason) => {
      await expectRefused(as(admin, CREATE_GROUP, { tenantId, name }), { code: 'BAD_USER_INPUT', field: 'name', reason });
    });
    it.each(BAD_NAMES)('renameGroup to %s', async (_, name, reason) => {
      await expectRefused(as(admin, RENAME_GROUP, { id: groupId, name }), { code: 'BAD_USER_INPUT', field: 'name', reason });
    });
    it('ids, visibility and names taken', async () => {
      await expectRefused(as(admin, CREATE_GROUP, { tenantId: 'x', name: 'ok' }), { code: 'BAD_USER_INPUT', field: 'tenantId' });
      await expectRefused(as(admin, CREATE_GROUP, { tenantId: foreignTenantId, name: 'ok' }), { code: 'NOT_FOUND' });
      await expectRefused(as(admin, CREATE_GROUP, { tenantId, name: 'TEAM' }), { code: 'CONFLICT', reason: 'GROUP_NAME_TAKEN' });
      await expectRefused(as(admin, RENAME_GROUP, { id: groupId, name: 'other TEAM' }), { code: 'CONFLICT', reason: 'GROUP_NAME_TAKEN' });
      await expectRefused(as(admin, RENAME_GROUP, { id: 'x', name: 'ok' }), { code: 'BAD_USER_INPUT', field: 'id' });
      await expectRefused(as(admin, RENAME_GROUP, { id: foreignGroupId, name: 'ok' }), { code: 'NOT_FOUND' });
      await expectRefused(as(admin, DELETE_GROUP, { id: MISSING_ID }), { code: 'NOT_FOUND' });
      await expectRefused(as(admin, DELETE_GROUP, { id: foreignGroupId }), { code: 'NOT_FOUND' });
      await expectRefused(as(member.headers, DELETE_GROUP, { id: groupId }), { code: 'NOT_FOUND' });
    });
    it('group members: ids, strangers, duplicates, the last admin', async () => {
      await expectRefused(as(admin, ADD_GROUP_MEMBER, { groupId: 'x', userId: member.id, role: 'MEMBER' }), { code: 'BAD_USER_INPUT', field: 'groupId' });
      await expectRefused(as(admin, ADD_GROUP_MEMBER, { groupId, userId: 'x', role: 'MEMBER' }), { code: 'BAD_USER_INPUT', field: 'userId' });
      await expectRefused(as(admin, ADD_GROUP_MEMBER, { groupId, userId: outsider.id, role: 'MEMBER' }), { code: 'BAD_USER_INPUT', reason: 'NOT_A_TENANT_MEMBER' });
      await expectRefused(as(admin, ADD_GROUP_MEMBER, { groupId, userId: MISSING_ID, role: 'MEMBER' }), { code: 'BAD_USER_INPUT', reason: 'NOT_A_TENANT_MEMBER' });
      await expectRefused(as(admin, ADD_GROUP_MEMBER, { groupId: foreignGroupId, userId: member.id, role: 'MEMBER' }), { code: 'NOT_FOUND' });
      const me = (await server.gql<{ viewer: { user: { id: string } } }>('{ viewer { user { id } } }', {}, admin)).data?.viewer.user.id ?? '';
      await expectRefused(as(admin, ADD_GROUP_MEMBER, { groupId, userId: me, role: 'MEMBER' }), { code: 'CONFLICT', reason: 'ALREADY_MEMBER' });
      await expectRefused(as(admin, CHANGE_GROUP_MEMBER_ROLE, { groupId, userId: member.id, role: 'ADMIN' }), { code: 'BAD_USER_INPUT', reason: 'NOT_A_GROUP_MEMBER' });
      await expectRefused(as(admin, CHANGE_GROUP_MEMBER_ROLE, { groupId, userId: me, role: 'MEMBER' }), { code: 'CONFLICT', reason: 'LAST_GROUP_ADMIN' });
      await expectRefused(as(admin, REMOVE_GROUP_MEMBER, { groupId, userId: me }), { code: 'CONFLICT', reason: 'LAST_GROUP_ADMIN' });
      await expectRefused(as(admin, REMOVE_GROUP_MEMBER, { groupId, userId: member.id }), { code: 'BAD_USER_INPUT', reason: 'NOT_A_GROUP_MEMBER' });
    });
  });

  describe('grantWorkspaceRole and revokeWorkspaceRole', () => {
    const grant = (input: Record<string, unknown>) => as(admin, GRANT_WORKSPACE_ROLE, { workspaceId: rootId, role: 'EDITOR', ...input });
    it('both or neither subject, malformed ids', async () => {
      await expectRefused(grant({ userId: member.id, groupId }), { code: 'BAD_USER_INPUT', reason: 'EXACTLY_ONE_OF' });
      await expectRefused(grant({}), { code: 'BAD_USER_INPUT', reason: 'EXACTLY_ONE_OF' });
      await expectRefused(grant({ userId: 'x' }), { code: 'BAD_USER_INPUT', field: 'userId', reason: 'INVALID_ID' });
      await expectRefused(grant({ groupId: 'x' }), { code: 'BAD_USER_INPUT', field: 'groupId', reason: 'INVALID_ID' });
      await expectRefused(grant({ workspaceId: 'x', userId: member.id }), { code: 'BAD_USER_INPUT', field: 'workspaceId' });
      await expectRefused(as(admin, REVOKE_WORKSPACE_ROLE, { workspaceId: rootId }), { code: 'BAD_USER_INPUT', reason: 'EXACTLY_ONE_OF' });
    });
    it('unknown subjects, subjects of another tenant, workspaces out of sight', async () => {
      await expectRefused(grant({ userId: outsider.id }), { code: 'BAD_USER_INPUT', reason: 'NOT_A_TENANT_MEMBER' });
      await expectRefused(grant({ userId: MISSING_ID }), { code: 'BAD_USER_INPUT', reason: 'NOT_A_TENANT_MEMBER' });
      await expectRefused(grant({ groupId: foreignGroupId }), { code: 'BAD_USER_INPUT', reason: 'NOT_A_TENANT_GROUP' });
      await expectRefused(grant({ groupId: MISSING_ID }), { code: 'BAD_USER_INPUT', reason: 'NOT_A_TENANT_GROUP' });
      await expectRefused(grant({ workspaceId: MISSING_ID, userId: member.id }), { code: 'NOT_FOUND' });
      await expectRefused(grant({ workspaceId: foreignWorkspaceId, userId: member.id }), { code: 'NOT_FOUND' });
      await expectRefused(as(admin, REVOKE_WORKSPACE_ROLE, { workspaceId: rootId, userId: member.id }), { code: 'BAD_USER_INPUT', reason: 'NO_DIRECT_ROLE' });
      await expectRefused(as(admin, REVOKE_WORKSPACE_ROLE, { workspaceId: rootId, groupId }), { code: 'BAD_USER_INPUT', reason: 'NO_DIRECT_ROLE' });
    });
  });

  describe('query arguments', () => {
    const members = `query($t: ID!, $s: String, $a: String) { tenant(id: $t) { members(search: $s, after: $a) { nodes { role } } } }`;
    const wsMembers = `query($w: ID!, $a: String) { workspace(id: $w) { members(includeInherited: true, after: $a) { nodes { role } } } }`;
    it.each([
      ['users: more than 100 ids', `query($ids: [ID!]) { users(ids: $ids) { nodes { id } } }`, { ids: Array.from({ length: 101 }, () => MISSING_ID) }, 'ids', 'TOO_MANY_IDS'],
      ['users: a malformed id', `query($ids: [ID!]) { users(ids: $ids) { nodes { id } } }`, { ids: ['x'] }, 'ids', 'INVALID_ID'],
      ['users: NUL in search', `query($s: String) { users(search: $s) { nodes { id } } }`, { s: 'a\u0000' }, 'search', 'NUL_CHARACTER'],
      ['users: a forged cursor', `query($a: String) { users(after: $a) { nodes { id } } }`, { a: forgedCursor('a\u0000', MISSING_ID) }, 'after', 'INVALID_CURSOR'],
      ['group: a malformed id', `{ group(id: "x") { id } }`, {}, 'id', 'INVALID_ID'],
      ['Tenant.members: a lone surrogate in search', members, { s: '\ud800' }, 'search', 'INVALID_UNICODE'],
      ['Tenant.members: a forged cursor', members, { a: forgedCursor('\udfff', MISSING_ID) }, 'after', 'INVALID_CURSOR'],
      ['Workspace.members: a cursor hiding NUL in its key', wsMembers, { a: forgedCursor('["a\\u0000",1]', MISSING_ID) }, 'after', 'INVALID_CURSOR'],
      ['Workspace.members: a cursor with a depth that is no depth', wsMembers, { a: forgedCursor('["a",-1]', MISSING_ID) }, 'after', 'INVALID_CURSOR'],
      ['Workspace.members: a tenant-member cursor', wsMembers, { a: forgedCursor('alice', MISSING_ID) }, 'after', 'INVALID_CURSOR'],
    ] as [string, string, Record<string, unknown>, string, string][])('%s', async (_, query, variables, field, reason) => {
      await expectRefused(() => server.gql(query, { t: tenantId, w: rootId, ...variables }, admin), { code: 'BAD_USER_INPUT', field, reason });
    });
  });
});
