import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Access, ADD_TENANT_MEMBER, CHANGE_TENANT_MEMBER_ROLE, ok, refusal, REMOVE_TENANT_MEMBER, signIn, type Person } from '../../support/access.js';
import { raceAtLock } from '../../support/lock-gate.js';
import { TestOidcProvider } from '../../support/oidc-provider.js';
import { CREATE_TENANT } from '../../support/operations.js';
import { startTestServer, type TestServer } from '../../support/server.js';

const MISSING_ID = '01J00000000000000000000000';
const TENANT = `query($id: ID!) { tenant(id: $id) { id viewerRole viewerPermissions { view administrate } } }`;
const MEMBERS = `query($id: ID!, $first: Int, $after: String, $search: String) {
  tenant(id: $id) { members(first: $first, after: $after, search: $search) {
    nodes { user { username } role addedAt } edges { cursor } pageInfo { hasNextPage endCursor } } }
}`;

interface MembersPage {
  tenant: { members: { nodes: { user: { username: string }; role: string }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } } | null;
}

describe('tenant members', () => {
  let oidc: TestOidcProvider;
  let server: TestServer;
  let access: Access;
  let owner: Person;
  let alice: Person;
  let bob: Person;
  let carol: Person;
  let outsider: Person;
  let tenantId: string;

  const adminCount = async (id: string): Promise<number> =>
    (await server.database.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM tenant_members WHERE tenant_id = $1 AND role = 'admin'`, [id])).rows[0]?.n ?? -1;

  /** A fresh tenant owned by `by`, so each test starts from known members. */
  const newTenant = async (by: Person, name: string): Promise<string> =>
    (await ok<{ createTenant: { tenant: { id: string } } }>(server, by.headers, CREATE_TENANT, { name })).createTenant.tenant.id;

  beforeAll(async () => {
    oidc = await TestOidcProvider.start();
    await oidc.addKey('RS256');
    server = await startTestServer({ OIDC_ISSUER: oidc.issuer, OIDC_AUDIENCE: oidc.audience });
    access = new Access(server);
    owner = await signIn(server, oidc, 'owner');
    alice = await signIn(server, oidc, 'alice', { email: 'Alice.Liddell@Example.com', name: 'Alice Liddell' });
    bob = await signIn(server, oidc, 'bob', { email: 'bob@example.com', name: 'Bøb Ågren' });
    carol = await signIn(server, oidc, 'Carol', { email: 'carol@example.com' });
    outsider = await signIn(server, oidc, 'outsider');
    tenantId = await newTenant(owner, 'Acme');
  });
  afterAll(async () => {
    await server.stop();
    await oidc.close();
  });

  it('an admin adds a user by id; they see the tenant and their role in their very next request', async () => {
    expect((await server.gql(TENANT, { id: tenantId }, alice.headers)).data).toEqual({ tenant: null });
    const added = await ok<{ addTenantMember: { member: { user: { id: string }; role: string }; authorizationSynced: boolean } }>(
      server,
      owner.headers,
      ADD_TENANT_MEMBER,
      { input: { tenantId, userId: alice.id, role: 'MEMBER' } },
    );
    expect(added.addTenantMember).toMatchObject({ member: { user: { id: alice.id }, role: 'MEMBER' }, authorizationSynced: true });
    expect((await server.gql(TENANT, { id: tenantId }, alice.headers)).data).toEqual({
      tenant: { id: tenantId, viewerRole: 'MEMBER', viewerPermissions: { view: true, administrate: false } },
    });
    expect((await server.gql(TENANT, { id: tenantId }, owner.headers)).data).toMatchObject({ tenant: { viewerRole: 'ADMIN' } });
  });

  it('finds people by email case-insensitively, among users who signed in', async () => {
    const added = await access.addTenantMember(owner.headers, tenantId, { email: '  BOB@EXAMPLE.COM ' }, 'ADMIN');
    expect(added).toMatchObject({ addTenantMember: { member: { user: { id: bob.id, username: 'bob' }, role: 'ADMIN' } } });
    const unknown = await server.gql(ADD_TENANT_MEMBER, { input: { tenantId, email: 'nobody@example.com', role: 'MEMBER' } }, owner.headers);
    expect(refusal(unknown)).toEqual({ code: 'NOT_FOUND', reason: 'USER_NOT_FOUND', field: 'email' });
    const unknownId = await server.gql(ADD_TENANT_MEMBER, { input: { tenantId, userId: MISSING_ID, role: 'MEMBER' } }, owner.headers);
    expect(refusal(unknownId)).toEqual({ code: 'NOT_FOUND', reason: 'USER_NOT_FOUND', field: 'userId' });
  });

  it('an email two users share is ambiguous; either can still be added by id', async () => {
    const twin1 = await signIn(server, oidc, 'twin-1', { email: 'twins@example.com' });
    await signIn(server, oidc, 'twin-2', { email: 'Twins@Example.com' });
    const ambiguous = await server.gql(ADD_TENANT_MEMBER, { input: { tenantId, email: 'twins@example.com', role: 'MEMBER' } }, owner.headers);
    expect(refusal(ambiguous)).toEqual({ code: 'CONFLICT', reason: 'AMBIGUOUS_EMAIL' });
    await access.addTenantMember(owner.headers, tenantId, { userId: twin1.id });
  });

  it('adding a member twice is ALREADY_MEMBER, whatever role is asked for', async () => {
    for (const role of ['MEMBER', 'ADMIN']) {
      const again = await server.gql(ADD_TENANT_MEMBER, { input: { tenantId, email: 'alice.liddell@example.com', role } }, owner.headers);
      expect(refusal(again)).toEqual({ code: 'CONFLICT', reason: 'ALREADY_MEMBER' });
    }
  });

  it('only admins add, re-role and remove others: members get FORBIDDEN, outsiders NOT_FOUND', async () => {
    const byMember = await server.gql(ADD_TENANT_MEMBER, { input: { tenantId, userId: carol.id, role: 'MEMBER' } }, alice.headers);
    expect(refusal(byMember)).toMatchObject({ code: 'FORBIDDEN' });
    const byOutsider = await server.gql(ADD_TENANT_MEMBER, { input: { tenantId, userId: carol.id, role: 'MEMBER' } }, outsider.headers);
    expect(refusal(byOutsider)).toMatchObject({ code: 'NOT_FOUND' });
    const promote = await server.gql(CHANGE_TENANT_MEMBER_ROLE, { input: { tenantId, userId: alice.id, role: 'ADMIN' } }, alice.headers);
    expect(refusal(promote)).toMatchObject({ code: 'FORBIDDEN' });
    const remove = await server.gql(REMOVE_TENANT_MEMBER, { input: { tenantId, userId: bob.id } }, alice.headers);
    expect(refusal(remove)).toMatchObject({ code: 'FORBIDDEN' });
    // Permission comes before the state of the target: a non-member target still gets FORBIDDEN.
    const removeOutsider = await server.gql(REMOVE_TENANT_MEMBER, { input: { tenantId, userId: outsider.id } }, alice.headers);
    expect(refusal(removeOutsider)).toMatchObject({ code: 'FORBIDDEN' });
  });

  it('checks in order: input, visibility, permission, then the state of the tenant', async () => {
    const t = await newTenant(owner, 'Order');
    await access.addTenantMember(owner.headers, t, { userId: alice.id });
    const change = (headers: Record<string, string>, input: Record<string, unknown>) =>
      server.gql(CHANGE_TENANT_MEMBER_ROLE, { input: { tenantId: t, userId: owner.id, role: 'MEMBER', ...input } }, headers);
    // A malformed id is bad input even for someone who could not see the tenant anyway.
    expect(refusal(await change(outsider.headers, { userId: 'owner' }))).toMatchObject({ code: 'BAD_USER_INPUT', field: 'userId' });
    // Hidden before forbidden: an outsider learns nothing, not even that they lack the permission.
    expect(refusal(await change(outsider.headers, {}))).toMatchObject({ code: 'NOT_FOUND' });
    // Forbidden before the state: a member is not told that the target is the last admin.
    expect(refusal(await change(alice.headers, {}))).toMatchObject({ code: 'FORBIDDEN' });
    expect(refusal(await change(owner.headers, {}))).toEqual({ code: 'CONFLICT', reason: 'LAST_TENANT_ADMIN' });
  });

  it('changes roles; the role takes effect in the next request', async () => {
    const t = await newTenant(owner, 'Roles Inc');
    await access.addTenantMember(owner.headers, t, { userId: carol.id });
    const promoted = await ok(server, owner.headers, CHANGE_TENANT_MEMBER_ROLE, { input: { tenantId: t, userId: carol.id, role: 'ADMIN' } });
    expect(promoted).toEqual({ changeTenantMemberRole: { member: { user: { id: carol.id }, role: 'ADMIN' }, authorizationSynced: true } });
    expect((await server.gql(TENANT, { id: t }, carol.headers)).data).toMatchObject({ tenant: { viewerRole: 'ADMIN', viewerPermissions: { administrate: true } } });
    // The same role again changes nothing and is no error.
    const same = await ok(server, carol.headers, CHANGE_TENANT_MEMBER_ROLE, { input: { tenantId: t, userId: carol.id, role: 'ADMIN' } });
    expect(same).toMatchObject({ changeTenantMemberRole: { member: { role: 'ADMIN' } } });
    await ok(server, carol.headers, CHANGE_TENANT_MEMBER_ROLE, { input: { tenantId: t, userId: owner.id, role: 'MEMBER' } });
    expect((await server.gql(TENANT, { id: t }, owner.headers)).data).toMatchObject({ tenant: { viewerRole: 'MEMBER', viewerPermissions: { administrate: false } } });
    const notMember = await server.gql(CHANGE_TENANT_MEMBER_ROLE, { input: { tenantId: t, userId: outsider.id, role: 'ADMIN' } }, carol.headers);
    expect(refusal(notMember)).toEqual({ code: 'BAD_USER_INPUT', reason: 'NOT_A_TENANT_MEMBER', field: 'userId' });
  });

  it('never zero admins: the last admin can be neither demoted nor removed, nor leave', async () => {
    const t = await newTenant(owner, 'Solo');
    await access.addTenantMember(owner.headers, t, { userId: alice.id });
    const demote = await server.gql(CHANGE_TENANT_MEMBER_ROLE, { input: { tenantId: t, userId: owner.id, role: 'MEMBER' } }, owner.headers);
    expect(refusal(demote)).toEqual({ code: 'CONFLICT', reason: 'LAST_TENANT_ADMIN' });
    const leave = await server.gql(REMOVE_TENANT_MEMBER, { input: { tenantId: t, userId: owner.id } }, owner.headers);
    expect(refusal(leave)).toEqual({ code: 'CONFLICT', reason: 'LAST_TENANT_ADMIN' });
    expect(await adminCount(t)).toBe(1);
    // With a second admin the first may go.
    await ok(server, owner.headers, CHANGE_TENANT_MEMBER_ROLE, { input: { tenantId: t, userId: alice.id, role: 'ADMIN' } });
    await access.removeTenantMember(owner.headers, t, owner.id);
    expect(await adminCount(t)).toBe(1);
    expect((await server.gql(TENANT, { id: t }, owner.headers)).data).toEqual({ tenant: null });
  });

  it('any member may leave; a removed member sees the tenant no more', async () => {
    const t = await newTenant(owner, 'Leavers');
    await access.addTenantMember(owner.headers, t, { userId: alice.id });
    await access.addTenantMember(owner.headers, t, { userId: carol.id });
    const left = await ok(server, alice.headers, REMOVE_TENANT_MEMBER, { input: { tenantId: t, userId: alice.id } });
    expect(left).toEqual({ removeTenantMember: { removedUserId: alice.id, authorizationSynced: true } });
    expect((await server.gql(TENANT, { id: t }, alice.headers)).data).toEqual({ tenant: null });
    await access.removeTenantMember(owner.headers, t, carol.id);
    expect((await server.gql(TENANT, { id: t }, carol.headers)).data).toEqual({ tenant: null });
    const again = await server.gql(REMOVE_TENANT_MEMBER, { input: { tenantId: t, userId: carol.id } }, owner.headers);
    expect(refusal(again)).toEqual({ code: 'BAD_USER_INPUT', reason: 'NOT_A_TENANT_MEMBER', field: 'userId' });
  });

  const lockTenant = (id: string) => ({ sql: 'SELECT id FROM tenants WHERE id = $1 FOR NO KEY UPDATE', params: [id] });

  it('two admins removing each other at the same moment leave exactly one', async () => {
    const t = await newTenant(owner, 'Race');
    await access.addTenantMember(owner.headers, t, { userId: bob.id }, 'ADMIN');
    // Both requests pass their permission check (both are admins), then meet at the tenant's member lock.
    const results = await raceAtLock(server, lockTenant(t), 2, () =>
      Promise.all([
        server.gql(REMOVE_TENANT_MEMBER, { input: { tenantId: t, userId: bob.id } }, owner.headers),
        server.gql(REMOVE_TENANT_MEMBER, { input: { tenantId: t, userId: owner.id } }, bob.headers),
      ]),
    );
    const outcomes = results.map((r) => (r.errors ? refusal(r) : 'removed'));
    expect(outcomes.filter((o) => o === 'removed')).toHaveLength(1);
    expect(outcomes).toContainEqual({ code: 'CONFLICT', reason: 'LAST_TENANT_ADMIN' });
    expect(await adminCount(t)).toBe(1);
  });

  it('two admins demoting each other at the same moment leave exactly one', async () => {
    const t = await newTenant(owner, 'Demote race');
    await access.addTenantMember(owner.headers, t, { userId: bob.id }, 'ADMIN');
    const results = await raceAtLock(server, lockTenant(t), 2, () =>
      Promise.all([
        server.gql(CHANGE_TENANT_MEMBER_ROLE, { input: { tenantId: t, userId: bob.id, role: 'MEMBER' } }, owner.headers),
        server.gql(CHANGE_TENANT_MEMBER_ROLE, { input: { tenantId: t, userId: owner.id, role: 'MEMBER' } }, bob.headers),
      ]),
    );
    expect(results.filter((r) => !r.errors)).toHaveLength(1);
    expect(results.map(refusal)).toContainEqual({ code: 'CONFLICT', reason: 'LAST_TENANT_ADMIN' });
    expect(await adminCount(t)).toBe(1);
  });

  it('left to run freely, mutual removals never leave a tenant without an admin', async () => {
    for (let round = 0; round < 4; round += 1) {
      const t = await newTenant(owner, `Free race ${round}`);
      await access.addTenantMember(owner.headers, t, { userId: bob.id }, 'ADMIN');
      const results = await Promise.all([
        server.gql(REMOVE_TENANT_MEMBER, { input: { tenantId: t, userId: bob.id } }, owner.headers),
        server.gql(REMOVE_TENANT_MEMBER, { input: { tenantId: t, userId: owner.id } }, bob.headers),
      ]);
      // Whoever loses either found themselves removed already (NOT_FOUND) or met the rule (CONFLICT).
      expect(results.filter((r) => !r.errors)).toHaveLength(1);
      expect(await adminCount(t)).toBe(1);
    }
  });

  describe('the member list', () => {
    let t: string;
    beforeAll(async () => {
      t = await newTenant(owner, 'Listed');
      for (const person of [carol, alice, bob]) await access.addTenantMember(owner.headers, t, { userId: person.id });
    });

    it('is ordered by username, case-insensitively, and pages with cursors', async () => {
      const all = await ok<MembersPage>(server, owner.headers, MEMBERS, { id: t });
      expect(all.tenant?.members.nodes.map((n) => [n.user.username, n.role])).toEqual([
        ['alice', 'MEMBER'],
        ['bob', 'MEMBER'],
        ['Carol', 'MEMBER'],
        ['owner', 'ADMIN'],
      ]);
      const seen: string[] = [];
      let after: string | null = null;
      for (;;) {
        const page: MembersPage = await ok<MembersPage>(server, alice.headers, MEMBERS, { id: t, first: 3, after });
        seen.push(...(page.tenant?.members.nodes.map((n) => n.user.username) ?? []));
        if (!page.tenant?.members.pageInfo.hasNextPage) break;
        after = page.tenant.members.pageInfo.endCursor;
      }
      expect(seen).toEqual(['alice', 'bob', 'Carol', 'owner']);
    });

    it('searches username, name and email case-insensitively across Unicode', async () => {
      const search = async (text: string) =>
        (await ok<MembersPage>(server, alice.headers, MEMBERS, { id: t, search: text })).tenant?.members.nodes.map((n) => n.user.username);
      expect(await search('CAROL')).toEqual(['Carol']);
      expect(await search('liddell')).toEqual(['alice']);
      expect(await search('BØB ÅG')).toEqual(['bob']);
      expect(await search('@EXAMPLE.com')).toEqual(['alice', 'bob', 'Carol']);
      expect(await search('%')).toEqual([]);
    });

    it('is hidden from outsiders with the tenant itself', async () => {
      expect((await server.gql(MEMBERS, { id: t }, outsider.headers)).data).toEqual({ tenant: null });
    });
  });
});
