import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { daysFromNow } from '../../../src/api-keys/api-key.js';
import { Access, ok, refusal, signIn, type Person } from '../../support/access.js';
import { outboxSettled } from '../../support/fixtures.js';
import { TestOidcProvider } from '../../support/oidc-provider.js';
import { CREATE_TENANT } from '../../support/operations.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { TEST_SETUP } from '../../support/services.js';
import { waitFor } from '../../support/wait-for.js';

const GRANT = `mutation($input: GrantWorkspaceRoleInput!) {
  grantWorkspaceRole(input: $input) { member { role expiresAt } authorizationSynced }
}`;
const ADD_MEMBER = `mutation($input: AddTenantMemberInput!) { addTenantMember(input: $input) { member { role expiresAt } authorizationSynced } }`;
const ADD_GROUP_MEMBER = `mutation($input: AddGroupMemberInput!) { addGroupMember(input: $input) { member { role expiresAt } authorizationSynced } }`;
const CHANGE_ROLE = `mutation($input: ChangeTenantMemberRoleInput!) { changeTenantMemberRole(input: $input) { member { role } } }`;
const MEMBERS = `query($w: ID!, $t: ID!, $g: ID!) {
  workspace(id: $w) { members(first: 50) { totalCount nodes { subject { ... on User { id } ... on Group { id } } role expiresAt } } }
  tenant(id: $t) { members(first: 50) { totalCount nodes { user { id } role expiresAt } } }
  group(id: $g) { members(first: 50) { totalCount nodes { user { id } role expiresAt } } }
}`;

interface Listed {
  workspace: { members: { totalCount: number; nodes: { subject: { id: string }; role: string; expiresAt: string | null }[] } };
  tenant: { members: { totalCount: number; nodes: { user: { id: string }; role: string; expiresAt: string | null }[] } };
  group: { members: { totalCount: number; nodes: { user: { id: string }; role: string; expiresAt: string | null }[] } };
}

const WHO = `query($w: ID!, $u: ID!) {
  workspace(id: $w) { accessExplanation(permission: EDIT, userId: $u) { allowed paths { source } } usersWithAccess(permission: EDIT, first: 50) { nodes { id } } }
}`;
const MINE = `query($t: ID!) { accessibleWorkspaces(tenantId: $t, permission: EDIT, first: 50) { nodes { id } } }`;

interface Who {
  workspace: { accessExplanation: { allowed: boolean; paths: { source: string }[] }; usersWithAccess: { nodes: { id: string }[] } };
}

const inSeconds = (s: number) => new Date(Date.now() + s * 1000).toISOString();

/*
 * Grants that expire (issue 20), over HTTP against real PostgreSQL and the embedded SpiceDB on it.
 * The sweeper does not run by itself here (GRANT_EXPIRY_SWEEP_MS=0): access must end at the instant
 * with nothing but SpiceDB's expiration and the reads' `now()`; the sweep is then called by hand.
 */
describe('expiring grants', () => {
  let oidc: TestOidcProvider;
  let server: TestServer;
  let access: Access;
  let owner: Person;
  let t: string;
  let a: string;
  let g: string;
  const people: Record<string, Person> = {};

  const listed = () => ok<Listed>(server, owner.headers, MEMBERS, { w: a, t, g });
  const canView = async (who: Person, workspaceId = a) => (await access.permissions(who.headers, workspaceId))?.view ?? false;
  const count = async (sql: string, params: unknown[] = []) => (await server.database.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${sql}`, params)).rows[0]?.n ?? 0;
  const audit = async (action: string, subjectId: string) =>
    (
      await server.database.pool.query<{ via: string; job: string | null; changes: { field: string; before: string | null; after: string | null }[] }>(
        'SELECT via, job, changes FROM audit_log WHERE action = $1 AND subject_id = $2 ORDER BY id',
        [action, subjectId],
      )
    ).rows;

  beforeAll(async () => {
    oidc = await TestOidcProvider.start();
    await oidc.addKey('RS256');
    server = await startTestServer({ OIDC_ISSUER: oidc.issuer, OIDC_AUDIENCE: oidc.audience, GRANT_EXPIRY_SWEEP_MS: '0', MAX_GRANT_DAYS: '30' });
    access = new Access(server);
    owner = await signIn(server, oidc, 'owner');
    for (const name of ['ann', 'bob', 'carl', 'dan', 'eve', 'fay', 'gus']) people[name] = await signIn(server, oidc, name);
    const created = await ok<{ createTenant: { tenant: { id: string; rootWorkspace: { id: string } } } }>(server, owner.headers, CREATE_TENANT, { name: 'Expiry' });
    t = created.createTenant.tenant.id;
    a = await access.createWorkspace(owner.headers, created.createTenant.tenant.rootWorkspace.id, 'A');
    g = await access.createGroup(owner.headers, t, 'Contractors');
    for (const name of ['ann', 'bob', 'carl', 'eve', 'fay', 'gus']) await access.addTenantMember(owner.headers, t, { userId: people[name]?.id ?? '' });
    await outboxSettled(server);
  });
  afterAll(async () => {
    await server?.stop();
    await oidc?.close();
  });

  it('a user grant counts until its end, then is denied with no sweep and hidden from lists and counts; the sweep deletes it as SYSTEM', async () => {
    const ann = people.ann as Person;
    const before = (await listed()).workspace.members.totalCount;
    const at = inSeconds(3);
    const granted = await ok<{ grantWorkspaceRole: { member: { role: string; expiresAt: string } } }>(server, owner.headers, GRANT, {
      input: { workspaceId: a, userId: ann.id, role: 'EDITOR', expiresAt: at },
    });
    expect(granted.grantWorkspaceRole.member).toEqual({ role: 'EDITOR', expiresAt: at });
    expect(await access.permissions(ann.headers, a)).toMatchObject({ view: true, edit: true });
    const shown = await listed();
    expect(shown.workspace.members.totalCount).toBe(before + 1);
    expect(shown.workspace.members.nodes.find((n) => n.subject.id === ann.id)?.expiresAt).toBe(at);
    const explained = await ok<Who>(server, owner.headers, WHO, { w: a, u: ann.id });
    expect(explained.workspace.accessExplanation).toEqual({ allowed: true, paths: [{ source: 'EDITOR' }] });
    expect(explained.workspace.usersWithAccess.nodes.map((n) => n.id)).toContain(ann.id);
    expect((await ok<{ accessibleWorkspaces: { nodes: { id: string }[] } }>(server, ann.headers, MINE, { t })).accessibleWorkspaces.nodes).toEqual([{ id: a }]);

    await waitFor(async () => !(await canView(ann)), { timeoutMs: 10_000, intervalMs: 200, message: 'the grant to end' });
    expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(at));
    const hidden = await listed();
    expect(hidden.workspace.members.totalCount).toBe(before);
    expect(hidden.workspace.members.nodes.some((n) => n.subject.id === ann.id)).toBe(false);
    // The explanations read PostgreSQL: they agree with SpiceDB at once.
    const unexplained = await ok<Who>(server, owner.headers, WHO, { w: a, u: ann.id });
    expect(unexplained.workspace.accessExplanation).toEqual({ allowed: false, paths: [] });
    expect(unexplained.workspace.usersWithAccess.nodes.map((n) => n.id)).not.toContain(ann.id);
    expect((await ok<{ accessibleWorkspaces: { nodes: unknown[] } }>(server, ann.headers, MINE, { t })).accessibleWorkspaces.nodes).toEqual([]);
    // Nothing swept it: the row is still there, counted as absent.
    expect(await count('workspace_members WHERE user_id = $1', [ann.id])).toBe(1);

    const swept = await server.runtime.services.grantExpiry.sweep();
    expect(swept.grants).toBe(1);
    expect(await count('workspace_members WHERE user_id = $1', [ann.id])).toBe(0);
    const entries = await audit('WORKSPACE_ROLE_EXPIRED', ann.id);
    expect(entries).toEqual([{ via: 'SYSTEM', job: 'grant-expiry', changes: [{ field: 'role', before: 'editor', after: null }, { field: 'expiresAt', before: at, after: null }] }]);
    expect(await canView(ann)).toBe(false);
  });

  it('a group grant and a group membership each end on time', async () => {
    const bob = people.bob as Person;
    const carl = people.carl as Person;
    const holders = await access.createGroup(owner.headers, t, 'Holders');
    await access.addGroupMember(owner.headers, holders, bob.id);
    await access.grant(owner.headers, a, { groupId: g }, 'MEMBER');
    const at = inSeconds(3);
    // Bob's group's grant expires; Carl's membership of a group whose grant stays expires.
    await ok(server, owner.headers, GRANT, { input: { workspaceId: a, groupId: holders, role: 'MEMBER', expiresAt: at } });
    await ok(server, owner.headers, ADD_GROUP_MEMBER, { input: { groupId: g, userId: carl.id, role: 'MEMBER', expiresAt: at } });
    expect([await canView(bob), await canView(carl)]).toEqual([true, true]);
    expect((await listed()).group.members.nodes.find((n) => n.user.id === carl.id)?.expiresAt).toBe(at);
    const groupCount = (await listed()).group.members.totalCount;

    await waitFor(async () => !(await canView(bob)) && !(await canView(carl)), { timeoutMs: 10_000, intervalMs: 200, message: 'both to end' });
    const after = await listed();
    expect(after.group.members.totalCount).toBe(groupCount - 1);
    expect(after.workspace.members.nodes.some((n) => n.subject.id === holders)).toBe(false);
    // Carl's group itself keeps its grant: only his membership ended.
    expect(after.workspace.members.nodes.some((n) => n.subject.id === g)).toBe(true);

    const swept = await server.runtime.services.grantExpiry.sweep();
    expect(swept).toMatchObject({ grants: 1, groupMembers: 1 });
    expect(await audit('GROUP_MEMBER_EXPIRED', carl.id)).toMatchObject([{ via: 'SYSTEM' }]);
    expect(await audit('WORKSPACE_ROLE_EXPIRED', holders)).toMatchObject([{ via: 'SYSTEM' }]);
    expect(await count('group_members WHERE user_id = $1', [carl.id])).toBe(0);
  });

  it('a tenant membership ends on time with its grants capped to it, then departs like removeTenantMember', async () => {
    const dan = people.dan as Person;
    const at = inSeconds(3.5);
    const added = await ok<{ addTenantMember: { member: { expiresAt: string } } }>(server, owner.headers, ADD_MEMBER, {
      input: { tenantId: t, userId: dan.id, role: 'MEMBER', expiresAt: at },
    });
    expect(added.addTenantMember.member.expiresAt).toBe(at);
    // Granted without an end, and for a day: both capped to the membership's end.
    const grant = await ok<{ grantWorkspaceRole: { member: { expiresAt: string } } }>(server, owner.headers, GRANT, { input: { workspaceId: a, userId: dan.id, role: 'EDITOR' } });
    expect(grant.grantWorkspaceRole.member.expiresAt).toBe(at);
    const joined = await ok<{ addGroupMember: { member: { expiresAt: string } } }>(server, owner.headers, ADD_GROUP_MEMBER, {
      input: { groupId: g, userId: dan.id, role: 'MEMBER', expiresAt: inSeconds(86_400) },
    });
    expect(joined.addGroupMember.member.expiresAt).toBe(at);
    const { services } = server.runtime;
    const key = (await services.uow.run((tx) => services.apiKeys.issue(tx, { tenantId: t, ownerUserId: dan.id, name: 'laptop', expiresAt: daysFromNow(30) }), TEST_SETUP)).value.secret;
    const byKey = () => server.gql('{ viewer { user { id } } }', {}, { 'x-api-key': key });
    expect((await byKey()).status).toBe(200);
    expect(await canView(dan)).toBe(true);
    expect((await ok<{ tenant: { id: string } | null }>(server, dan.headers, 'query($t: ID!) { tenant(id: $t) { id } }', { t })).tenant).toEqual({ id: t });
    const members = (await listed()).tenant.members.totalCount;

    await waitFor(async () => !(await canView(dan)), { timeoutMs: 10_000, intervalMs: 200, message: 'the membership to end' });
    expect((await ok<{ tenant: { id: string } | null }>(server, dan.headers, 'query($t: ID!) { tenant(id: $t) { id } }', { t })).tenant).toBeNull();
    expect((await listed()).tenant.members.totalCount).toBe(members - 1);
    // The key authenticates only a member: refused from the end on, before any sweep.
    expect((await byKey()).status).toBe(401);

    const swept = await server.runtime.services.grantExpiry.sweep();
    expect(swept.tenantMembers).toBe(1);
    expect(await count('tenant_members WHERE user_id = $1', [dan.id])).toBe(0);
    expect(await count('workspace_members WHERE user_id = $1', [dan.id])).toBe(0);
    expect(await count('group_members WHERE user_id = $1', [dan.id])).toBe(0);
    const headline = await audit('TENANT_MEMBER_EXPIRED', dan.id);
    expect(headline).toMatchObject([{ via: 'SYSTEM', job: 'grant-expiry' }]);
    // Taken along exactly as a removal takes them: a revocation and a group removal, by SYSTEM.
    expect(await audit('WORKSPACE_ROLE_REVOKED', dan.id)).toMatchObject([{ via: 'SYSTEM' }]);
    expect(await audit('GROUP_MEMBER_REMOVED', dan.id)).toMatchObject([{ via: 'SYSTEM' }]);
    expect(await count('api_keys WHERE owner_user_id = $1 AND revoked_at IS NULL', [dan.id])).toBe(0);
  });

  it('a tenant ADMIN never expires: adding one with an end, or promoting an expiring member, is refused and changes nothing', async () => {
    const eve = people.eve as Person;
    const rows = () => count('tenant_members WHERE tenant_id = $1', [t]);
    const before = await rows();
    const outbox = await count('outbox');
    const admin = await server.gql(ADD_MEMBER, { input: { tenantId: t, userId: (people.dan as Person).id, role: 'ADMIN', expiresAt: inSeconds(60) } }, owner.headers);
    expect(refusal(admin)).toEqual({ code: 'BAD_USER_INPUT', reason: 'EXPIRY_NOT_ALLOWED', field: 'expiresAt' });
    // Eve becomes an expiring member (the same role again, with an end), then cannot be promoted.
    await ok(server, owner.headers, ADD_MEMBER, { input: { tenantId: t, userId: eve.id, role: 'MEMBER', expiresAt: inSeconds(600) } });
    expect(await audit('TENANT_MEMBER_EXPIRY_CHANGED', eve.id)).toHaveLength(1);
    const promoted = await server.gql(CHANGE_ROLE, { input: { tenantId: t, userId: eve.id, role: 'ADMIN' } }, owner.headers);
    expect(refusal(promoted)).toEqual({ code: 'BAD_USER_INPUT', reason: 'EXPIRY_NOT_ALLOWED', field: 'expiresAt' });
    expect(await rows()).toBe(before);
    expect(await count('tenant_members WHERE user_id = $1 AND role = $2', [eve.id, 'member'])).toBe(1);
    expect(await count('outbox')).toBe((outbox ?? 0) + 1);
    // Without the end, the promotion goes through.
    await ok(server, owner.headers, ADD_MEMBER, { input: { tenantId: t, userId: eve.id, role: 'MEMBER', expiresAt: null } });
    await ok(server, owner.headers, CHANGE_ROLE, { input: { tenantId: t, userId: eve.id, role: 'ADMIN' } });
  });

  it('granting the same role again extends, shortens or removes the end', async () => {
    const fay = people.fay as Person;
    const expiry = async () =>
      (await server.database.pool.query<{ expires_at: Date | null }>('SELECT expires_at FROM workspace_members WHERE user_id = $1', [fay.id])).rows[0]?.expires_at ?? null;
    await ok(server, owner.headers, GRANT, { input: { workspaceId: a, userId: fay.id, role: 'MEMBER', expiresAt: inSeconds(2) } });
    const later = inSeconds(86_400);
    await ok(server, owner.headers, GRANT, { input: { workspaceId: a, userId: fay.id, role: 'MEMBER', expiresAt: later } });
    expect((await expiry())?.toISOString()).toBe(later);
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect(await canView(fay)).toBe(true);
    await ok(server, owner.headers, GRANT, { input: { workspaceId: a, userId: fay.id, role: 'MEMBER' } });
    expect(await expiry()).toBeNull();
    expect((await audit('WORKSPACE_ROLE_EXPIRY_CHANGED', fay.id)).map((e) => e.changes[0]?.after)).toEqual([later, null]);
    // Shortened: SpiceDB's relationship is rewritten with the new end and denies after it.
    await ok(server, owner.headers, GRANT, { input: { workspaceId: a, userId: fay.id, role: 'MEMBER', expiresAt: inSeconds(2) } });
    await waitFor(async () => !(await canView(fay)), { timeoutMs: 10_000, intervalMs: 200, message: 'the shortened grant to end' });
    // Granted again once ended (not yet swept): a new grant in its row.
    await ok(server, owner.headers, GRANT, { input: { workspaceId: a, userId: fay.id, role: 'EDITOR' } });
    expect(await access.permissions(fay.headers, a)).toMatchObject({ edit: true });
    expect(await expiry()).toBeNull();
  });

  it('an end set on a membership caps what the member already holds, in PostgreSQL and SpiceDB', async () => {
    const fay = people.fay as Person;
    const holders = await access.createGroup(owner.headers, t, 'Capped');
    await access.addGroupMember(owner.headers, holders, fay.id);
    const at = inSeconds(86_400);
    await ok(server, owner.headers, ADD_MEMBER, { input: { tenantId: t, userId: fay.id, role: 'MEMBER', expiresAt: at } });
    const ends = await server.database.pool.query<{ expires_at: Date | null }>(
      'SELECT expires_at FROM workspace_members WHERE user_id = $1 UNION ALL SELECT expires_at FROM group_members WHERE user_id = $1',
      [fay.id],
    );
    expect(ends.rows.map((r) => r.expires_at?.toISOString())).toEqual([at, at]);
    const held = await server.runtime.spicedb.readRelationships({ resourceType: 'workspace', resourceId: a, relation: 'editor' }, null);
    expect(held.find((r) => r.subject.id === fay.id)?.expiresAt).toBe(at);
    const inGroup = await server.runtime.spicedb.readRelationships({ resourceType: 'group', resourceId: holders }, null);
    expect(inGroup.find((r) => r.subject.id === fay.id)?.expiresAt).toBe(at);
    expect((await audit('WORKSPACE_ROLE_EXPIRY_CHANGED', fay.id)).at(-1)?.changes).toEqual([{ field: 'expiresAt', before: null, after: at }]);
    expect(await audit('GROUP_MEMBER_EXPIRY_CHANGED', fay.id)).toHaveLength(1);
  });

  it('an end in the past or past MAX_GRANT_DAYS is refused on every mutation and changes nothing', async () => {
    const gus = people.gus as Person;
    const state = async () => ({
      grants: await count('workspace_members'),
      groups: await count('group_members'),
      tenants: await count('tenant_members'),
      outbox: await count('outbox'),
      audit: await count('audit_log'),
    });
    const before = await state();
    const past = new Date(Date.now() - 1000).toISOString();
    const far = inSeconds(31 * 86_400);
    for (const [expiresAt, reason] of [
      [past, 'EXPIRY_IN_PAST'],
      [far, 'EXPIRY_TOO_FAR'],
    ] as const) {
      const answers = [
        await server.gql(GRANT, { input: { workspaceId: a, userId: gus.id, role: 'MEMBER', expiresAt } }, owner.headers),
        await server.gql(ADD_GROUP_MEMBER, { input: { groupId: g, userId: gus.id, role: 'MEMBER', expiresAt } }, owner.headers),
        await server.gql(ADD_MEMBER, { input: { tenantId: t, userId: gus.id, role: 'MEMBER', expiresAt } }, owner.headers),
      ];
      for (const answer of answers) expect(refusal(answer)).toEqual({ code: 'BAD_USER_INPUT', reason, field: 'expiresAt' });
    }
    expect(await state()).toEqual(before);
  });

  it('a restore from the trash writes an expiring grant back with its end', async () => {
    const bob = people.bob as Person;
    const x = await access.createWorkspace(owner.headers, a, 'X');
    const at = inSeconds(86_400);
    await ok(server, owner.headers, GRANT, { input: { workspaceId: x, userId: bob.id, role: 'MEMBER', expiresAt: at } });
    await ok(server, owner.headers, 'mutation($id: ID!) { deleteWorkspace(input: { id: $id }) { authorizationSynced } }', { id: x });
    const held = () => server.runtime.spicedb.readRelationships({ resourceType: 'workspace', resourceId: x, relation: 'member' }, null);
    expect(await held()).toEqual([]);
    await ok(server, owner.headers, 'mutation($id: ID!) { restoreWorkspace(input: { id: $id }) { authorizationSynced } }', { id: x });
    expect((await held()).map((r) => [r.subject.id, r.expiresAt])).toEqual([[bob.id, at]]);
  });

  it('a re-grant racing the sweep of its ended grant always leaves the new grant', async () => {
    const gus = people.gus as Person;
    for (let round = 0; round < 3; round += 1) {
      await ok(server, owner.headers, GRANT, { input: { workspaceId: a, userId: gus.id, role: 'MEMBER', expiresAt: inSeconds(1) } });
      await waitFor(async () => !(await canView(gus)), { timeoutMs: 10_000, intervalMs: 100, message: 'the grant to end' });
      const [regrant] = await Promise.all([
        server.gql(GRANT, { input: { workspaceId: a, userId: gus.id, role: 'EDITOR' } }, owner.headers),
        server.runtime.services.grantExpiry.sweep(),
      ]);
      expect(regrant.errors).toBeUndefined();
      const rows = await server.database.pool.query<{ role: string; expires_at: Date | null }>('SELECT role, expires_at FROM workspace_members WHERE user_id = $1', [gus.id]);
      expect(rows.rows).toEqual([{ role: 'editor', expires_at: null }]);
      expect(await access.permissions(gus.headers, a)).toMatchObject({ edit: true });
      await access.revoke(owner.headers, a, { userId: gus.id });
    }
  });

  it('two sweepers at once delete each expired row once, with one audit entry each', async () => {
    const users = [people.bob, people.carl].map((p) => (p as Person).id);
    const at = inSeconds(1.5);
    for (const userId of users) await ok(server, owner.headers, GRANT, { input: { workspaceId: a, userId, role: 'MEMBER', expiresAt: at } });
    await waitFor(async () => (await count('workspace_members WHERE expires_at <= now()')) === 2, { timeoutMs: 10_000, intervalMs: 100 });
    const [first, second] = await Promise.all([server.runtime.services.grantExpiry.sweep(), server.runtime.services.grantExpiry.sweep()]);
    expect((first?.grants ?? 0) + (second?.grants ?? 0)).toBe(2);
    for (const userId of users) expect(await audit('WORKSPACE_ROLE_EXPIRED', userId)).toHaveLength(1);
    expect(await count('workspace_members WHERE expires_at <= now()')).toBe(0);
  });
});
