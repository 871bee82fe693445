import { daysFromNow } from '../../../src/api-keys/api-key.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Access, ok, refusal, signIn, type Person } from '../../support/access.js';
import { outboxSettled } from '../../support/fixtures.js';
import { TestOidcProvider } from '../../support/oidc-provider.js';
import { CREATE_TENANT } from '../../support/operations.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { TEST_SETUP } from '../../support/services.js';

const USERS = `query($ids: [ID!], $search: String, $first: Int, $after: String) {
  users(ids: $ids, search: $search, first: $first, after: $after) { nodes { id username } pageInfo { hasNextPage endCursor } }
}`;
const ENTITIES = `query($r: [_Any!]!) { _entities(representations: $r) { __typename ... on User { id username } ... on Group { id name } } }`;

interface UsersPage {
  users: { nodes: { id: string; username: string }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } };
}

/*
 * People are visible to those who share a tenant with them (and everyone to themselves); an API key
 * sees the people of its own tenant only. Kartograph's lookup missed tenant admins; here the admin
 * of a tenant is as findable as its members.
 */
describe('finding people, and what outsiders and other tenants’ API keys see', () => {
  let oidc: TestOidcProvider;
  let server: TestServer;
  let access: Access;
  let admin: Person;
  let alice: Person;
  let bob: Person;
  let loner: Person;
  let acme: string;
  let globex: string;
  let acmeGroup: string;
  let globexGroup: string;
  let aliceAcmeKey: Record<string, string>;
  let aliceGlobexKey: Record<string, string>;

  const usernames = async (headers: Record<string, string>, variables: Record<string, unknown> = {}) =>
    (await ok<UsersPage>(server, headers, USERS, variables)).users.nodes.map((n) => n.username);
  const keyFor = async (tenantId: string, userId: string): Promise<Record<string, string>> => {
    const { services } = server.runtime;
    const issued = await services.uow.run((tx) => services.apiKeys.issue(tx, { tenantId, ownerUserId: userId, name: `key ${tenantId}`, expiresAt: daysFromNow(30) }), TEST_SETUP);
    await outboxSettled(server);
    return { 'x-api-key': issued.value.secret };
  };

  beforeAll(async () => {
    oidc = await TestOidcProvider.start();
    await oidc.addKey('RS256');
    server = await startTestServer({ OIDC_ISSUER: oidc.issuer, OIDC_AUDIENCE: oidc.audience });
    access = new Access(server);
    admin = await signIn(server, oidc, 'admin', { name: 'Ada Admin', email: 'ada@acme.test' });
    alice = await signIn(server, oidc, 'alice', { name: 'Alice', email: 'alice@acme.test' });
    bob = await signIn(server, oidc, 'bob', { name: 'Bob', email: 'bob@globex.test' });
    loner = await signIn(server, oidc, 'loner');
    acme = (await ok<{ createTenant: { tenant: { id: string } } }>(server, admin.headers, CREATE_TENANT, { name: 'Acme' })).createTenant.tenant.id;
    globex = (await ok<{ createTenant: { tenant: { id: string } } }>(server, bob.headers, CREATE_TENANT, { name: 'Globex' })).createTenant.tenant.id;
    await access.addTenantMember(admin.headers, acme, { userId: alice.id });
    await access.addTenantMember(bob.headers, globex, { userId: alice.id });
    acmeGroup = await access.createGroup(admin.headers, acme, 'Acme people');
    globexGroup = await access.createGroup(bob.headers, globex, 'Globex people');
    await access.addGroupMember(bob.headers, globexGroup, alice.id);
    aliceAcmeKey = await keyFor(acme, alice.id);
    aliceGlobexKey = await keyFor(globex, alice.id);
  });
  afterAll(async () => {
    await server.stop();
    await oidc.close();
  });

  it('lists the caller and everyone sharing a tenant with them, admins included, by username', async () => {
    expect(await usernames(alice.headers)).toEqual(['admin', 'alice', 'bob']);
    // The admin of Acme is found by Acme's plain members, and sees them.
    expect(await usernames(admin.headers)).toEqual(['admin', 'alice']);
    expect(await usernames(bob.headers)).toEqual(['alice', 'bob']);
    expect(await usernames(loner.headers)).toEqual(['loner']);
  });

  it('searches username, name and email case-insensitively, within what the caller may see', async () => {
    expect(await usernames(alice.headers, { search: 'ADA' })).toEqual(['admin']);
    expect(await usernames(alice.headers, { search: '@acme.TEST' })).toEqual(['admin', 'alice']);
    expect(await usernames(alice.headers, { search: 'bob' })).toEqual(['bob']);
    expect(await usernames(admin.headers, { search: 'bob' })).toEqual([]);
    expect(await usernames(loner.headers, { search: 'a' })).toEqual([]);
  });

  it('looks up ids, leaving out unknown and hidden ones, at most 100', async () => {
    const ids = [bob.id, admin.id, '01J00000000000000000000000', loner.id];
    expect(await usernames(alice.headers, { ids })).toEqual(['admin', 'bob']);
    expect(await usernames(admin.headers, { ids })).toEqual(['admin']);
    expect(await usernames(loner.headers, { ids })).toEqual(['loner']);
    const hundred = Array.from({ length: 100 }, () => '01J00000000000000000000000');
    expect(await usernames(alice.headers, { ids: hundred })).toEqual([]);
    const tooMany = await server.gql(USERS, { ids: [...hundred, bob.id] }, alice.headers);
    expect(refusal(tooMany)).toEqual({ code: 'BAD_USER_INPUT', reason: 'TOO_MANY_IDS', field: 'ids' });
    expect(refusal(await server.gql(USERS, { ids: ['nope'] }, alice.headers))).toEqual({ code: 'BAD_USER_INPUT', reason: 'INVALID_ID', field: 'ids' });
  });

  it('pages by username', async () => {
    const first = await ok<UsersPage>(server, alice.headers, USERS, { first: 2 });
    expect(first.users.nodes.map((n) => n.username)).toEqual(['admin', 'alice']);
    const rest = await ok<UsersPage>(server, alice.headers, USERS, { first: 2, after: first.users.pageInfo.endCursor });
    expect(rest.users).toMatchObject({ nodes: [{ username: 'bob' }], pageInfo: { hasNextPage: false } });
  });

  it('an API key sees the people and groups of its own tenant only', async () => {
    expect(await usernames(aliceAcmeKey)).toEqual(['admin', 'alice']);
    expect(await usernames(aliceGlobexKey)).toEqual(['alice', 'bob']);
    expect(await usernames(aliceAcmeKey, { ids: [bob.id] })).toEqual([]);
    expect((await ok<{ group: unknown }>(server, aliceAcmeKey, 'query($id: ID!) { group(id: $id) { id } }', { id: globexGroup })).group).toBeNull();
    expect((await ok<{ group: unknown }>(server, aliceGlobexKey, 'query($id: ID!) { group(id: $id) { name } }', { id: globexGroup })).group).toEqual({ name: 'Globex people' });
    const members = await ok<{ tenant: unknown }>(server, aliceAcmeKey, 'query($t: ID!) { tenant(id: $t) { members { nodes { role } } } }', { t: globex });
    expect(members.tenant).toBeNull();
  });

  it('resolves User and Group entities only for those who may see them', async () => {
    const representations = [
      { __typename: 'User', id: bob.id },
      { __typename: 'User', id: admin.id },
      { __typename: 'Group', id: acmeGroup },
      { __typename: 'Group', id: globexGroup },
      { __typename: 'User', id: 'not-an-id' },
    ];
    const entities = async (headers: Record<string, string>) => (await ok<{ _entities: unknown[] }>(server, headers, ENTITIES, { r: representations }))._entities;
    expect(await entities(alice.headers)).toEqual([
      { __typename: 'User', id: bob.id, username: 'bob' },
      { __typename: 'User', id: admin.id, username: 'admin' },
      null, // alice is not in Acme people, nor an Acme admin
      { __typename: 'Group', id: globexGroup, name: 'Globex people' },
      null,
    ]);
    expect(await entities(aliceAcmeKey)).toEqual([null, { __typename: 'User', id: admin.id, username: 'admin' }, null, null, null]);
    expect(await entities(admin.headers)).toEqual([null, { __typename: 'User', id: admin.id, username: 'admin' }, { __typename: 'Group', id: acmeGroup, name: 'Acme people' }, null, null]);
    expect(await entities(loner.headers)).toEqual([null, null, null, null, null]);
  });

  it('an API key of another tenant cannot act on this one: NOT_FOUND, nothing changed', async () => {
    const add = await server.gql(
      'mutation($t: ID!, $u: ID!) { addTenantMember(input: { tenantId: $t, userId: $u, role: ADMIN }) { member { role } } }',
      { t: globex, u: loner.id },
      aliceAcmeKey,
    );
    expect(refusal(add)).toMatchObject({ code: 'NOT_FOUND' });
    const join = await server.gql(
      'mutation($g: ID!, $u: ID!) { addGroupMember(input: { groupId: $g, userId: $u, role: ADMIN }) { group { id } } }',
      { g: globexGroup, u: alice.id },
      aliceAcmeKey,
    );
    expect(refusal(join)).toMatchObject({ code: 'NOT_FOUND' });
  });
});
