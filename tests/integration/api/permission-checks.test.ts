import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Access, ok, refusal, signIn, type Person } from '../../support/access.js';
import { captureLogs, requestLine, type CapturedLogs } from '../../support/logs.js';
import { TestOidcProvider } from '../../support/oidc-provider.js';
import { CREATE_TENANT } from '../../support/operations.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { startSpiceDbBridge, type SpiceDbBridge } from '../../support/spicedb-grpc-bridge.js';
import { waitFor } from '../../support/wait-for.js';

/*
 * checkPermissions: the caller's answers, in input order, as one SpiceDB call; false and nothing
 * else for what is missing, hidden or outside an API key's tenant; at most 100 checks; a permission
 * the type does not define is refused naming the check.
 *
 *   tenant "Checks" (owner):  root ── A ── A1      alice: MEMBER on A;  bob: tenant member only
 *                                  └── B
 *   tenant "Other" (carol):   root ── W2           alice: EDITOR on W2
 */
const CHECK = /* GraphQL */ `query Check($checks: [PermissionCheckInput!]!) {
  checkPermissions(checks: $checks) { resourceType resourceId permission allowed }
}`;
const MISSING_ID = '01J00000000000000000000000';

type Check = { resourceType: string; resourceId: string; permission: string };
type Answer = Check & { allowed: boolean };

describe('checkPermissions', () => {
  let oidc: TestOidcProvider;
  let server: TestServer;
  let logs: CapturedLogs;
  let access: Access;
  let owner: Person;
  let alice: Person;
  let bob: Person;
  let aliceKey: Record<string, string>;
  const ids: Record<string, string> = {};

  const check = async (as: Record<string, string>, checks: Check[]) => {
    const response = await server.gql<{ checkPermissions: Answer[] }>(CHECK, { checks }, as);
    return { response, answers: response.data?.checkPermissions.map((a) => a.allowed) };
  };
  const ws = (id: string, permission: string): Check => ({ resourceType: 'WORKSPACE', resourceId: id, permission });

  beforeAll(async () => {
    logs = captureLogs();
    oidc = await TestOidcProvider.start();
    await oidc.addKey('RS256');
    server = await startTestServer({ OIDC_ISSUER: oidc.issuer, OIDC_AUDIENCE: oidc.audience, LOG_LEVEL: 'info' }, { logger: logs.logger });
    access = new Access(server);
    owner = await signIn(server, oidc, 'owner');
    alice = await signIn(server, oidc, 'alice');
    bob = await signIn(server, oidc, 'bob');
    const carol = await signIn(server, oidc, 'carol');
    const created = await ok<{ createTenant: { tenant: { id: string; rootWorkspace: { id: string } } } }>(server, owner.headers, CREATE_TENANT, { name: 'Checks' });
    ids.tenant = created.createTenant.tenant.id;
    ids.root = created.createTenant.tenant.rootWorkspace.id;
    ids.A = await access.createWorkspace(owner.headers, ids.root, 'A');
    ids.A1 = await access.createWorkspace(owner.headers, ids.A, 'A1');
    ids.B = await access.createWorkspace(owner.headers, ids.root, 'B');
    await access.addTenantMember(owner.headers, ids.tenant, { userId: alice.id });
    await access.addTenantMember(owner.headers, ids.tenant, { userId: bob.id });
    await access.grant(owner.headers, ids.A, { userId: alice.id }, 'MEMBER');
    ids.group = await access.createGroup(owner.headers, ids.tenant, 'Owners only');
    const other = await ok<{ createTenant: { tenant: { id: string; rootWorkspace: { id: string } } } }>(server, carol.headers, CREATE_TENANT, { name: 'Other' });
    ids.other = other.createTenant.tenant.id;
    ids.W2 = await access.createWorkspace(carol.headers, other.createTenant.tenant.rootWorkspace.id, 'W2');
    await access.addTenantMember(carol.headers, ids.other, { userId: alice.id });
    await access.grant(carol.headers, ids.W2, { userId: alice.id }, 'EDITOR');
    const key = await ok<{ createApiKey: { secret: string } }>(server, alice.headers, 'mutation($t: ID!) { createApiKey(input: { tenantId: $t, name: "k" }) { secret } }', { t: ids.tenant });
    aliceKey = { 'x-api-key': key.createApiKey.secret };
  });
  afterAll(async () => {
    await server.stop();
    await oidc.close();
  });

  it('answers each check in input order, echoing it, in one SpiceDB call', async () => {
    const checks = [
      ws(ids.A ?? '', 'VIEW'),
      ws(ids.A ?? '', 'EDIT'),
      ws(ids.A1 ?? '', 'VIEW'),
      ws(ids.B ?? '', 'VIEW'),
      { resourceType: 'TENANT', resourceId: ids.tenant ?? '', permission: 'CREATE_GROUP' },
      { resourceType: 'TENANT', resourceId: ids.tenant ?? '', permission: 'ADMINISTRATE' },
      { resourceType: 'GROUP', resourceId: ids.group ?? '', permission: 'VIEW' },
      ws(ids.W2 ?? '', 'EDIT'),
    ];
    const { response, answers } = await check(alice.headers, checks);
    expect(response.errors).toBeUndefined();
    expect(response.data?.checkPermissions).toEqual(checks.map((c, i) => ({ ...c, allowed: answers?.[i] })));
    expect(answers).toEqual([true, false, true, false, true, false, false, true]);
    const line = await requestLine(logs, response.headers);
    expect(line.spicedb).toBe(1);
    // Provisioning and the freshness token (bearer), then the resources' tenants, all types in one
    // statement; the first request after the set-up's writes also asks the outbox which tenants
    // they touched (answer-cache.ts).
    expect(line.sql).toBe(3 + 1);
    // The same questions at the same freshness token: answered from the shared cache, without that statement.
    const again = await check(alice.headers, checks);
    expect(again.answers).toEqual(answers);
    const againLine = await requestLine(logs, again.response.headers);
    expect({ sql: againLine.sql, spicedb: againLine.spicedb }).toEqual({ sql: 3, spicedb: 0 });
  });

  it('agrees with what the mutations accept: a tenant member may create children of a root they cannot see', async () => {
    const { answers } = await check(bob.headers, [ws(ids.root ?? '', 'CREATE_CHILD'), ws(ids.root ?? '', 'VIEW'), ws(ids.A ?? '', 'CREATE_CHILD')]);
    expect(answers).toEqual([true, false, false]);
    expect(await access.createWorkspace(bob.headers, ids.root ?? '', 'made by bob')).toMatch(/^[0-9A-Z]{26}$/);
  });

  it('is no oracle: missing, hidden and out-of-tenant resources answer false and nothing else', async () => {
    const trashed = await access.createWorkspace(owner.headers, ids.A1 ?? '', 'to trash');
    await ok(server, owner.headers, 'mutation($id: ID!) { deleteWorkspace(input: { id: $id }) { deletedWorkspaceId } }', { id: trashed });
    const checks = [
      ws(MISSING_ID, 'VIEW'),
      ws(ids.B ?? '', 'VIEW'),
      ws(trashed, 'VIEW'),
      { resourceType: 'GROUP', resourceId: MISSING_ID, permission: 'VIEW' },
      { resourceType: 'GROUP', resourceId: ids.group ?? '', permission: 'MANAGE' },
      { resourceType: 'API_KEY', resourceId: MISSING_ID, permission: 'REVOKE' },
      { resourceType: 'TENANT', resourceId: MISSING_ID, permission: 'VIEW' },
    ];
    const { response, answers } = await check(bob.headers, checks);
    expect(response.errors).toBeUndefined();
    expect(answers).toEqual(checks.map(() => false));
    // Nothing but the echo and `false`: the missing and the hidden look alike.
    expect(response.data?.checkPermissions[0]).toEqual({ ...checks[0], allowed: false });
    expect(response.data?.checkPermissions[1]).toEqual({ ...checks[1], allowed: false });
  });

  it("confines an API key to its tenant: the owner's rights elsewhere answer false through it", async () => {
    const checks = [ws(ids.W2 ?? '', 'VIEW'), ws(ids.W2 ?? '', 'EDIT'), { resourceType: 'TENANT', resourceId: ids.other ?? '', permission: 'VIEW' }, ws(ids.A ?? '', 'VIEW')];
    expect((await check(alice.headers, checks)).answers).toEqual([true, true, true, true]);
    expect((await check(aliceKey, checks)).answers).toEqual([false, false, false, true]);
  });

  it('takes at most 100 checks: 101 is BAD_USER_INPUT TOO_MANY_CHECKS, 100 are answered', async () => {
    const hundred = Array.from({ length: 100 }, (_, i) => ws(i % 2 ? (ids.A ?? '') : (ids.B ?? ''), 'VIEW'));
    const { response, answers } = await check(alice.headers, hundred);
    expect(response.errors).toBeUndefined();
    expect(answers).toEqual(hundred.map((_, i) => i % 2 === 1));
    expect((await requestLine(logs, response.headers)).spicedb).toBeLessThanOrEqual(1);
    const tooMany = await check(alice.headers, [...hundred, ws(ids.A ?? '', 'VIEW')]);
    expect(refusal(tooMany.response)).toEqual({ code: 'BAD_USER_INPUT', reason: 'TOO_MANY_CHECKS', field: 'checks' });
    expect(tooMany.response.data ?? null).toBeNull();
    // Aliases do not multiply the limit: it holds for the request.
    const aliased = await server.gql<Record<string, Answer[] | null>>(
      `query($a: [PermissionCheckInput!]!, $b: [PermissionCheckInput!]!) { a: checkPermissions(checks: $a) { allowed } b: checkPermissions(checks: $b) { allowed } }`,
      { a: hundred.slice(0, 60), b: hundred.slice(0, 60) },
      alice.headers,
    );
    expect(aliased.errors?.map((e) => [e.path, e.extensions.reason])).toEqual([[['b'], 'TOO_MANY_CHECKS']]);
    // checkPermissions is non-null, so the refused alias takes the whole response with it.
    expect(aliased.data ?? null).toBeNull();
  });

  it('refuses a permission the resource type does not define, naming the check', async () => {
    const checks = [ws(ids.A ?? '', 'VIEW'), ws(ids.A ?? '', 'EDIT'), { resourceType: 'TENANT', resourceId: ids.tenant ?? '', permission: 'VIEW' }, ws(ids.A ?? '', 'ADMINISTRATE')];
    const { response } = await check(alice.headers, checks);
    expect(refusal(response)).toEqual({ code: 'BAD_USER_INPUT', reason: 'PERMISSION_NOT_DEFINED', field: 'checks[3].permission' });
    const group = await check(alice.headers, [{ resourceType: 'GROUP', resourceId: ids.group ?? '', permission: 'EDIT' }]);
    expect(refusal(group.response)).toEqual({ code: 'BAD_USER_INPUT', reason: 'PERMISSION_NOT_DEFINED', field: 'checks[0].permission' });
    const badId = await check(alice.headers, [ws(ids.A ?? '', 'VIEW'), ws('not an id', 'VIEW')]);
    expect(refusal(badId.response)).toEqual({ code: 'BAD_USER_INPUT', reason: 'INVALID_ID', field: 'checks[1].resourceId' });
  });

  it("counts each check in the request's cost estimate", async () => {
    const small = await startTestServer({ GRAPHQL_MAX_COST: '60' });
    try {
      const as = { 'x-api-key': small.adminKey };
      const root = small.runtime.bootstrap.rootWorkspaceId;
      const fifty = await small.gql<{ checkPermissions: Answer[] }>(CHECK, { checks: Array.from({ length: 50 }, () => ws(root, 'VIEW')) }, as);
      expect(fifty.errors).toBeUndefined();
      expect(fifty.data?.checkPermissions).toHaveLength(50);
      const seventy = await small.gql(CHECK, { checks: Array.from({ length: 70 }, () => ws(root, 'VIEW')) }, as);
      expect(seventy.errors?.[0]?.extensions).toMatchObject({ code: 'GRAPHQL_VALIDATION_FAILED', reason: 'MAX_COST_EXCEEDED' });
      expect(seventy.data ?? null).toBeNull();
    } finally {
      await small.stop();
    }
  });

  it("reflects the caller's own earlier change in their next request", async () => {
    expect((await check(alice.headers, [ws(ids.A1 ?? '', 'VIEW')])).answers).toEqual([true]);
    await access.revoke(owner.headers, ids.A ?? '', { userId: alice.id });
    expect((await check(alice.headers, [ws(ids.A1 ?? '', 'VIEW'), ws(ids.A ?? '', 'VIEW')])).answers).toEqual([false, false]);
    await access.grant(owner.headers, ids.A1 ?? '', { userId: alice.id }, 'ADMIN');
    expect((await check(alice.headers, [ws(ids.A1 ?? '', 'MANAGE'), ws(ids.A ?? '', 'VIEW')])).answers).toEqual([true, false]);
  });
});

describe('checkPermissions when SpiceDB is unreachable', () => {
  let bridge: SpiceDbBridge;
  let server: TestServer;

  beforeAll(async () => {
    bridge = await startSpiceDbBridge();
    server = await startTestServer({ SPICEDB_ENDPOINT: bridge.endpoint, SPICEDB_TOKEN: 'test', SPICEDB_INSECURE: 'true' });
  }, 60_000);
  afterAll(async () => {
    await server.stop();
    await bridge.close();
  });

  it('fails with a retryable error, never with an answer, then recovers', async () => {
    const root = server.runtime.bootstrap.rootWorkspaceId;
    const checks = [{ resourceType: 'WORKSPACE', resourceId: root, permission: 'MANAGE' }];
    await bridge.stop();
    const during = await server.asAdmin<{ checkPermissions: Answer[] }>(CHECK, { checks });
    expect(during.errors?.[0]?.extensions).toMatchObject({ code: 'INTERNAL_SERVER_ERROR', reason: 'AUTHORIZATION_UNAVAILABLE' });
    expect(during.data ?? null).toBeNull();
    await bridge.start();
    await waitFor(async () => (await server.asAdmin(CHECK, { checks })).errors === undefined, { timeoutMs: 10_000 });
    expect((await server.asAdmin<{ checkPermissions: Answer[] }>(CHECK, { checks })).data?.checkPermissions[0]?.allowed).toBe(true);
  });
});
