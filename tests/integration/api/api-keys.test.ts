import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TenantRole } from '../../../src/events/roles.js';
import { startChildService, type ChildService } from '../../support/child-service.js';
import { captureLogs, type CapturedLogs } from '../../support/logs.js';
import { TestOidcProvider } from '../../support/oidc-provider.js';
import { CREATE_TENANT } from '../../support/operations.js';
import { startTestServer, type GraphQLResponse, type TestServer } from '../../support/server.js';
import { snapshot } from '../../support/snapshot.js';
import { waitFor } from '../../support/wait-for.js';

const CREATE_KEY = `mutation($input: CreateApiKeyInput!) {
  createApiKey(input: $input) { secret apiKey { id name prefix status createdAt expiresAt lastUsedAt revokedAt owner { id } tenant { id } } authorizationSynced }
}`;
const REVOKE_KEY = `mutation($id: ID!) { revokeApiKey(input: { id: $id }) { apiKey { id status revokedAt } authorizationSynced } }`;
const TENANT_KEYS = `query($id: ID!, $inactive: Boolean) {
  tenant(id: $id) { apiKeys(includeInactive: $inactive) { nodes { id name status lastUsedAt owner { id username } } } }
}`;
const VIEWER_KEYS = `query($inactive: Boolean) { viewer { apiKeys(includeInactive: $inactive) { nodes { id name status tenant { id } } } } }`;

interface KeyNode {
  id: string;
  name: string;
  status: string;
  lastUsedAt: string | null;
  owner: { id: string; username: string };
}
interface Created {
  createApiKey: { secret: string; apiKey: { id: string; name: string; prefix: string; status: string; expiresAt: string; owner: { id: string } } };
}

describe('API key lifecycle over HTTP', () => {
  let oidc: TestOidcProvider;
  let server: TestServer;
  let logs: CapturedLogs;
  let tenantId: string;
  const bearer: Record<string, Record<string, string>> = {};
  const userIds: Record<string, string> = {};

  const as = (who: string) => bearer[who] ?? {};
  const signIn = async (who: string): Promise<void> => {
    bearer[who] = { authorization: `Bearer ${await oidc.sign({ sub: who, preferred_username: who })}` };
    const me = await server.gql<{ viewer: { user: { id: string } } }>('{ viewer { user { id } } }', {}, as(who));
    userIds[who] = me.data?.viewer.user.id ?? '';
  };
  /** Adds a signed-in user to a tenant, as one of its admins would. */
  const join = async (who: string, role: TenantRole, tenant = tenantId, by: Record<string, string> = as('admin')): Promise<void> => {
    const added = await server.gql(
      'mutation($input: AddTenantMemberInput!) { addTenantMember(input: $input) { member { role } authorizationSynced } }',
      { input: { tenantId: tenant, userId: userIds[who], role: role.toUpperCase() } },
      by,
    );
    expect(added.errors).toBeUndefined();
  };
  const createKey = (who: string | Record<string, string>, input: Record<string, unknown>) =>
    server.gql<Created>(CREATE_KEY, { input: { tenantId, ...input } }, typeof who === 'string' ? as(who) : who);
  const tenantKeys = async (who: string, inactive = false): Promise<KeyNode[]> =>
    (await server.gql<{ tenant: { apiKeys: { nodes: KeyNode[] } } }>(TENANT_KEYS, { id: tenantId, inactive }, as(who))).data?.tenant.apiKeys.nodes ?? [];
  const whoAmI = (url: string, key: string) =>
    fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': key }, body: JSON.stringify({ query: '{ viewer { user { id } authenticatedVia } }' }) });

  beforeAll(async () => {
    oidc = await TestOidcProvider.start();
    await oidc.addKey('RS256');
    logs = captureLogs('info');
    server = await startTestServer({ OIDC_ISSUER: oidc.issuer, OIDC_AUDIENCE: oidc.audience, LOG_LEVEL: 'info' }, { logger: logs.logger });
    for (const who of ['admin', 'member', 'other', 'outsider']) await signIn(who);
    const created = await server.gql<{ createTenant: { tenant: { id: string } } }>(CREATE_TENANT, { name: 'Keys Inc' }, as('admin'));
    tenantId = created.data?.createTenant.tenant.id ?? '';
    await join('member', 'member');
    await join('other', 'member');
  });
  afterAll(async () => {
    await server.stop();
    await oidc.close();
  });

  it('creates a key whose secret is shown once, works at once, and is listed without it', async () => {
    const created = await createKey('member', { name: 'CI deploy' });
    expect(created.errors).toBeUndefined();
    const { secret, apiKey } = created.data?.createApiKey ?? { secret: '', apiKey: { id: '', prefix: '', status: '', expiresAt: '', owner: { id: '' } } };
    expect(secret).toMatch(/^karto_\w{46}$/);
    expect(apiKey).toMatchObject({ name: 'CI deploy', status: 'ACTIVE', prefix: secret.slice(0, 10), owner: { id: userIds.member } });
    const days = (Date.parse(apiKey.expiresAt) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(29.9);
    expect(days).toBeLessThanOrEqual(30);

    const use = await whoAmI(server.url, secret);
    expect(await use.json()).toEqual({ data: { viewer: { user: { id: userIds.member }, authenticatedVia: 'API_KEY' } } });
    // Written off the request's critical path, visible within a few seconds.
    const used = await waitFor(async () => (await tenantKeys('member')).find((k) => k.id === apiKey.id)?.lastUsedAt, { timeoutMs: 5000 });
    expect(Date.parse(used)).toBeLessThanOrEqual(Date.now());

    const listed = JSON.stringify(await server.gql(VIEWER_KEYS, {}, as('member')));
    expect(listed).toContain(apiKey.id);
    expect(listed).not.toContain(secret.slice(10));
  });

  it('lists newest first: a member sees their own keys, a tenant admin every member\'s', async () => {
    const first = (await createKey('other', { name: 'first' })).data?.createApiKey.apiKey.id;
    const second = (await createKey('other', { name: 'second' })).data?.createApiKey.apiKey.id;
    const otherSees = await tenantKeys('other');
    expect(otherSees.map((k) => k.id)).toEqual([second, first]);
    expect((await tenantKeys('member')).map((k) => k.id)).not.toContain(first);
    const adminSees = await tenantKeys('admin');
    expect(adminSees.map((k) => k.id)).toEqual(expect.arrayContaining([first, second]));
    expect(adminSees.find((k) => k.id === first)?.owner.username).toBe('other');
    // Pages follow the same order.
    const page = `query($id: ID!, $after: String) { tenant(id: $id) { apiKeys(first: 1, after: $after) { nodes { id } pageInfo { hasNextPage endCursor } } } }`;
    type Paged = { tenant: { apiKeys: { nodes: { id: string }[]; pageInfo: { hasNextPage: boolean; endCursor: string } } } };
    const one = await server.gql<Paged>(page, { id: tenantId }, as('other'));
    const two = await server.gql<Paged>(page, { id: tenantId, after: one.data?.tenant.apiKeys.pageInfo.endCursor }, as('other'));
    expect([one.data?.tenant.apiKeys.nodes[0]?.id, two.data?.tenant.apiKeys.nodes[0]?.id]).toEqual([second, first]);
    expect(one.data?.tenant.apiKeys.pageInfo.hasNextPage).toBe(true);
  });

  it('lets a tenant admin revoke a member\'s key, once, and the key fails in the next request of any process', async () => {
    const created = (await createKey('member', { name: 'to revoke' })).data?.createApiKey;
    const secret = created?.secret ?? '';
    const child: ChildService = await startChildService({ DATABASE_URL: server.database.url, OIDC_ISSUER: oidc.issuer, OIDC_AUDIENCE: oidc.audience });
    try {
      expect((await whoAmI(child.url, secret)).status).toBe(200);
      const revoked = await server.gql<{ revokeApiKey: { apiKey: { status: string; revokedAt: string } } }>(REVOKE_KEY, { id: created?.apiKey.id }, as('admin'));
      expect(revoked.data?.revokeApiKey.apiKey.status).toBe('REVOKED');
      for (const url of [server.url, child.url]) {
        const refused = await whoAmI(url, secret);
        expect(refused.status).toBe(401);
        expect(await refused.json()).toMatchObject({
          errors: [{ message: 'Invalid API key: unknown, revoked and expired keys are all refused alike', extensions: { code: 'UNAUTHENTICATED' } }],
        });
      }
    } finally {
      await child.stop();
    }
    const again = await server.gql(REVOKE_KEY, { id: created?.apiKey.id }, as('admin'));
    expect(again.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT', reason: 'ALREADY_REVOKED' });
    expect((await tenantKeys('member')).map((k) => k.id)).not.toContain(created?.apiKey.id);
    expect((await tenantKeys('member', true)).find((k) => k.id === created?.apiKey.id)?.status).toBe('REVOKED');
  });

  it('does not let a member see or revoke another member\'s key', async () => {
    const theirs = (await createKey('other', { name: 'private' })).data?.createApiKey.apiKey.id;
    const attempt = await server.gql(REVOKE_KEY, { id: theirs }, as('member'));
    expect(attempt.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND' });
    const lookup = await server.gql<{ _entities: unknown[] }>('query($r: [_Any!]!) { _entities(representations: $r) { ... on ApiKey { id } } }', { r: [{ __typename: 'ApiKey', id: theirs }] }, as('member'));
    expect(lookup.data?._entities).toEqual([null]);
  });

  it('refuses key management through an API key, even of the key itself', async () => {
    const { secret, apiKey } = (await createKey('member', { name: 'automation' })).data?.createApiKey ?? { secret: '', apiKey: { id: '' } };
    const viaKey = { 'x-api-key': secret };
    const before = await snapshot(server);
    const mint = await createKey(viaKey, { name: 'successor' });
    expect(mint.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'API_KEY_CANNOT_MANAGE_KEYS' });
    const revoke = await server.gql(REVOKE_KEY, { id: apiKey.id }, viaKey);
    expect(revoke.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'API_KEY_CANNOT_MANAGE_KEYS' });
    expect(await snapshot(server)).toEqual(before);
    // Through a key, the viewer sees the owner's keys in that key's tenant.
    const listed = await server.gql<{ viewer: { apiKeys: { nodes: { tenant: { id: string } }[] } } }>(VIEWER_KEYS, {}, viaKey);
    expect(new Set(listed.data?.viewer.apiKeys.nodes.map((k) => k.tenant.id))).toEqual(new Set([tenantId]));
  });

  it('honours expiry: an expired key fails and is listed as EXPIRED only with includeInactive', async () => {
    const { secret, apiKey } = (await createKey('member', { name: 'short', expiresInDays: 1 })).data?.createApiKey ?? { secret: '', apiKey: { id: '' } };
    await server.database.pool.query(`UPDATE api_keys SET expires_at = now() - interval '1 second' WHERE id = $1`, [apiKey.id]);
    expect((await whoAmI(server.url, secret)).status).toBe(401);
    expect((await tenantKeys('member')).map((k) => k.id)).not.toContain(apiKey.id);
    expect((await tenantKeys('member', true)).find((k) => k.id === apiKey.id)?.status).toBe('EXPIRED');
  });

  it.each<[string, Record<string, unknown>, Record<string, string>]>([
    ['expiresInDays 0', { name: 'k', expiresInDays: 0 }, { field: 'expiresInDays', reason: 'INVALID_EXPIRY' }],
    ['expiresInDays 3651', { name: 'k', expiresInDays: 3651 }, { field: 'expiresInDays', reason: 'INVALID_EXPIRY' }],
    ['an empty name', { name: '   ' }, { field: 'name', reason: 'NAME_EMPTY' }],
    ['a control character', { name: 'a\u0007b' }, { field: 'name', reason: 'NAME_CONTROL_CHARACTERS' }],
    ['a 256-character name', { name: 'x'.repeat(256) }, { field: 'name', reason: 'NAME_TOO_LONG' }],
    ['a malformed tenant id', { tenantId: 'nope', name: 'k' }, { field: 'tenantId', reason: 'INVALID_ID' }],
  ])('refuses %s and changes nothing', async (_label, input, expected) => {
    const before = await snapshot(server);
    const response = await createKey('member', input);
    expect(response.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', ...expected });
    expect(await snapshot(server)).toEqual(before);
  });

  it('refuses a second active key of the same name, in any case, and changes nothing', async () => {
    await createKey('member', { name: 'Nightly' });
    const before = await snapshot(server);
    const duplicate = await createKey('member', { name: 'NIGHTLY' });
    expect(duplicate.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT', reason: 'API_KEY_NAME_TAKEN' });
    expect(await snapshot(server)).toEqual(before);
  });

  it('hides keys of other tenants, from users and from their keys, _entities included', async () => {
    const elsewhere = await server.gql<{ createTenant: { tenant: { id: string } } }>(CREATE_TENANT, { name: 'Elsewhere' }, as('outsider'));
    const otherTenant = elsewhere.data?.createTenant.tenant.id ?? '';
    const foreign = await server.gql<Created>(CREATE_KEY, { input: { tenantId: otherTenant, name: 'foreign' } }, as('outsider'));
    const foreignId = foreign.data?.createApiKey.apiKey.id;
    const memberKey = (await createKey('member', { name: 'probe' })).data?.createApiKey.secret ?? '';
    for (const headers of [as('member'), as('admin'), { 'x-api-key': memberKey }]) {
      const entity = await server.gql<{ _entities: unknown[] }>('query($r: [_Any!]!) { _entities(representations: $r) { ... on ApiKey { id } } }', { r: [{ __typename: 'ApiKey', id: foreignId }] }, headers);
      expect(entity.data?._entities).toEqual([null]);
    }
    const attempt = await server.gql(REVOKE_KEY, { id: foreignId }, as('admin'));
    expect(attempt.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND' });
    const create = await createKey('member', { tenantId: otherTenant, name: 'intrusion' });
    expect(create.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND', field: 'tenantId' });
  });

  it("keeps a departed owner's revoked keys listed for admins, owner included", async () => {
    const key = (await createKey('other', { name: 'leaver' })).data?.createApiKey.apiKey.id ?? '';
    // Removing a member revokes their keys in the tenant, in the same transaction.
    const removed = await server.gql(
      'mutation($t: ID!, $u: ID!) { removeTenantMember(input: { tenantId: $t, userId: $u }) { removedUserId } }',
      { t: tenantId, u: userIds.other },
      as('admin'),
    );
    expect(removed.errors).toBeUndefined();
    const listed = (await tenantKeys('admin', true)).find((k) => k.id === key);
    expect(listed).toMatchObject({ status: 'REVOKED', owner: { id: userIds.other, username: 'other' } });
    // The owner who left sees nothing of the tenant, their own keys included.
    const mine = await server.gql<{ viewer: { apiKeys: { nodes: unknown[] } } }>(VIEWER_KEYS, { inactive: true }, as('other'));
    expect(mine.data?.viewer.apiKeys.nodes).toEqual([]);
    const entity = await server.gql<{ _entities: unknown[] }>('query($r: [_Any!]!) { _entities(representations: $r) { ... on ApiKey { id } } }', { r: [{ __typename: 'ApiKey', id: key }] }, as('other'));
    expect(entity.data?._entities).toEqual([null]);
  });

  it('never writes a secret to the log', () => {
    const secrets = [...logs.raw.join('\n').matchAll(/karto_\w{46}/g)];
    expect(secrets).toEqual([]);
    expect(logs.lines.filter((l) => l.event === 'api_key_created').length).toBeGreaterThan(3);
  });

  it('shows the bootstrap key as an ordinary key named bootstrap, which an admin can revoke', async () => {
    await join('admin', 'admin', server.runtime.bootstrap.tenantId, { 'x-api-key': server.adminKey });
    const keys = await server.gql<{ tenant: { apiKeys: { nodes: KeyNode[] } } }>(TENANT_KEYS, { id: server.runtime.bootstrap.tenantId }, as('admin'));
    const bootstrapKey = keys.data?.tenant.apiKeys.nodes.find((k) => k.name === 'bootstrap');
    expect(bootstrapKey).toMatchObject({ status: 'ACTIVE', owner: { username: 'bootstrap-admin' } });
    const revoked: GraphQLResponse = await server.gql(REVOKE_KEY, { id: bootstrapKey?.id }, as('admin'));
    expect(revoked.errors).toBeUndefined();
    expect((await whoAmI(server.url, server.adminKey)).status).toBe(401);
  });
});
