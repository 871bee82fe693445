import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Access, ADD_TENANT_MEMBER, ok, refusal, signIn, type Person } from '../../support/access.js';
import { raceAtLock } from '../../support/lock-gate.js';
import { captureLogs } from '../../support/logs.js';
import { TestOidcProvider } from '../../support/oidc-provider.js';
import { CREATE_TENANT, DELETE_TENANT, DELETE_WORKSPACE } from '../../support/operations.js';
import { startTestServer, type GraphQLResponse, type TestServer } from '../../support/server.js';

const INVITE = /* GraphQL */ `mutation Invite($input: InviteTenantMemberInput!) {
  inviteTenantMember(input: $input) {
    invitation { id email role status tenantName invitedBy { id } createdAt expiresAt respondedAt
      workspaceRoles { workspace { id } workspaceId role } groups { group { id } groupId role } }
    authorizationSynced
  }
}`;
const ACCEPT = /* GraphQL */ `mutation Accept($id: ID!) {
  acceptInvitation(input: { id: $id }) { invitation { id status respondedAt } member { user { id } role } skipped authorizationSynced }
}`;
const DECLINE = /* GraphQL */ `mutation Decline($id: ID!) { declineInvitation(input: { id: $id }) { invitation { id status respondedAt } authorizationSynced } }`;
const REVOKE = /* GraphQL */ `mutation Revoke($id: ID!) { revokeInvitation(input: { id: $id }) { invitation { id status revokedAt } authorizationSynced } }`;
const VIEWER_INVITATIONS = /* GraphQL */ `{ viewer { invitations { totalCount nodes { id email tenantName role status invitedBy { username } workspaceRoles { workspace { id } workspaceId role } } } } }`;
const TENANT_INVITATIONS = /* GraphQL */ `query($id: ID!, $first: Int, $after: String, $status: InvitationStatus) {
  tenant(id: $id) { invitations(first: $first, after: $after, status: $status) {
    totalCount nodes { id email status } edges { cursor } pageInfo { hasNextPage endCursor } } }
}`;
const TENANT = `query($id: ID!) { tenant(id: $id) { id viewerRole } }`;
const ENTITIES = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Invitation { id email status } } }`;

interface Invited {
  id: string;
  email: string;
  role: string;
  status: string;
  tenantName: string;
  invitedBy: { id: string } | null;
  createdAt: string;
  expiresAt: string;
  respondedAt: string | null;
  workspaceRoles: { workspace: { id: string } | null; workspaceId: string; role: string }[];
  groups: { group: { id: string } | null; groupId: string; role: string }[];
}

describe('invitations', () => {
  let oidc: TestOidcProvider;
  let server: TestServer;
  let access: Access;
  let owner: Person;
  let member: Person;
  let outsider: Person;
  let tenantId: string;
  let rootId: string;
  let counter = 0;
  const logs = captureLogs('info');

  /** Someone whose token carries `email` with `email_verified: verified` ('absent': no such claim); the first request provisions them. */
  const person = async (username: string, email: string | null, verified: unknown = true): Promise<Person> => {
    const claims = { sub: `sub-${username}`, preferred_username: username, ...(email === null ? {} : { email }), ...(verified === 'absent' ? {} : { email_verified: verified }) };
    const headers = { authorization: `Bearer ${await oidc.sign(claims, { expiresIn: 3600 })}` };
    const me = await server.gql<{ viewer: { user: { id: string } } }>('{ viewer { user { id } } }', {}, headers);
    const id = me.data?.viewer.user.id;
    if (!id) throw new Error(`sign-in of ${username} failed: ${JSON.stringify(me.errors)}`);
    return { id, username, headers };
  };
  const fresh = (prefix: string): string => `${prefix}-${++counter}`;
  const newTenant = async (by: Person, name: string): Promise<{ id: string; rootId: string }> => {
    const created = await ok<{ createTenant: { tenant: { id: string; rootWorkspace: { id: string } } } }>(server, by.headers, CREATE_TENANT, { name });
    return { id: created.createTenant.tenant.id, rootId: created.createTenant.tenant.rootWorkspace.id };
  };
  const invite = async (as: Person, input: Record<string, unknown>): Promise<Invited> =>
    (await ok<{ inviteTenantMember: { invitation: Invited } }>(server, as.headers, INVITE, { input: { tenantId, role: 'MEMBER', ...input } })).inviteTenantMember.invitation;
  const count = async (sql: string, params: unknown[] = []): Promise<number> => (await server.database.pool.query<{ n: number }>(sql, params)).rows[0]?.n ?? -1;
  const members = (t: string): Promise<number> => count(`SELECT count(*)::int AS n FROM tenant_members WHERE tenant_id = $1`, [t]);
  const invitationRows = (): Promise<number> => count(`SELECT count(*)::int AS n FROM invitations`);

  beforeAll(async () => {
    oidc = await TestOidcProvider.start();
    await oidc.addKey('RS256');
    server = await startTestServer({ OIDC_ISSUER: oidc.issuer, OIDC_AUDIENCE: oidc.audience }, { logger: logs.logger });
    access = new Access(server);
    owner = await signIn(server, oidc, 'owner', { email: 'owner@example.com' });
    member = await signIn(server, oidc, 'member', { email: 'member@example.com' });
    outsider = await person('outsider', 'outsider@example.com');
    ({ id: tenantId, rootId } = await newTenant(owner, 'Acme'));
    await access.addTenantMember(owner.headers, tenantId, { userId: member.id });
  });
  afterAll(async () => {
    await server.stop();
    await oidc.close();
  });

  it('invite → accept with a verified address → a member with the invited grants in the very next request', async () => {
    const workspaceId = await access.createWorkspace(owner.headers, rootId, 'Projects');
    const groupId = await access.createGroup(owner.headers, tenantId, 'Editors');
    const outboxBefore = await count(`SELECT count(*)::int AS n FROM outbox`);
    const invitation = await invite(owner, {
      email: 'New.Comer@Example.com',
      workspaceRoles: [{ workspaceId, role: 'EDITOR' }],
      groups: [{ groupId, role: 'MEMBER' }],
    });
    expect(invitation).toMatchObject({
      email: 'New.Comer@Example.com',
      role: 'MEMBER',
      status: 'PENDING',
      tenantName: 'Acme',
      invitedBy: { id: owner.id },
      respondedAt: null,
      workspaceRoles: [{ workspace: { id: workspaceId }, workspaceId, role: 'EDITOR' }],
      groups: [{ group: { id: groupId }, groupId, role: 'MEMBER' }],
    });
    const days = (Date.parse(invitation.expiresAt) - Date.parse(invitation.createdAt)) / 86_400_000;
    expect(days).toBeCloseTo(7, 3);
    // Pending grants nothing: not one event went to SpiceDB's outbox.
    expect(await count(`SELECT count(*)::int AS n FROM outbox`)).toBe(outboxBefore);

    // The invitee signs in for the first time, the address in another case.
    const newcomer = await person('newcomer', 'new.comer@example.com');
    expect((await server.gql(TENANT, { id: tenantId }, newcomer.headers)).data).toEqual({ tenant: null });
    const mine = await server.gql<{ viewer: { invitations: { totalCount: number; nodes: unknown[] } } }>(VIEWER_INVITATIONS, {}, newcomer.headers);
    expect(mine.data?.viewer.invitations).toEqual({
      totalCount: 1,
      // The invitee sees the tenant's name, who invited and the roles, not the tree they cannot view yet.
      nodes: [{ id: invitation.id, email: 'New.Comer@Example.com', tenantName: 'Acme', role: 'MEMBER', status: 'PENDING', invitedBy: { username: 'owner' }, workspaceRoles: [{ workspace: null, workspaceId, role: 'EDITOR' }] }],
    });

    const accepted = await ok<{ acceptInvitation: { invitation: { status: string; respondedAt: string | null }; member: { user: { id: string }; role: string }; skipped: string[]; authorizationSynced: boolean } }>(
      server,
      newcomer.headers,
      ACCEPT,
      { id: invitation.id },
    );
    expect(accepted.acceptInvitation).toMatchObject({ invitation: { status: 'ACCEPTED' }, member: { user: { id: newcomer.id }, role: 'MEMBER' }, skipped: [], authorizationSynced: true });
    expect(accepted.acceptInvitation.invitation.respondedAt).not.toBeNull();
    expect((await server.gql(TENANT, { id: tenantId }, newcomer.headers)).data).toEqual({ tenant: { id: tenantId, viewerRole: 'MEMBER' } });
    expect(await access.permissions(newcomer.headers, workspaceId)).toMatchObject({ view: true, edit: true, manage: false });
    const group = await server.gql<{ group: { id: string; viewerPermissions: { view: boolean } } | null }>(`query($id: ID!) { group(id: $id) { id viewerPermissions { view } } }`, { id: groupId }, newcomer.headers);
    expect(group.data?.group).toEqual({ id: groupId, viewerPermissions: { view: true } });
    // No longer pending: gone from the invitee's list.
    expect((await server.gql<{ viewer: { invitations: { totalCount: number } } }>(VIEWER_INVITATIONS, {}, newcomer.headers)).data?.viewer.invitations.totalCount).toBe(0);

    // Each change logs one line, worded by its headline, counting what it took along; the address is in none.
    const changeLines = (event: string) => logs.lines.filter((l) => l.event === event && l.invitationId === invitation.id);
    expect(changeLines('invitation_created')).toHaveLength(1);
    expect(changeLines('invitation_accepted')).toEqual([
      expect.objectContaining({
        tenantId,
        userId: newcomer.id,
        principalId: newcomer.id,
        events: { InvitationAccepted: 1, TenantMemberAdded: 1, WorkspaceMemberAdded: 1, GroupMemberAdded: 1 },
      }),
    ]);
    expect(logs.raw.filter((line) => /new\.comer@example\.com/i.test(line))).toEqual([]);

    // The audit log tells the story: the invitation, then its acceptance with what it brought.
    const log = await ok<{ tenant: { auditLog: { nodes: { id: string; action: string; headlineId: string | null; targetId: string; actor: { id: string } | null }[] } } }>(
      server,
      owner.headers,
      `query($id: ID!) { tenant(id: $id) { auditLog(first: 10) { nodes { id action headlineId targetId actor { id } } } } }`,
      { id: tenantId },
    );
    const entries = log.tenant.auditLog.nodes;
    const head = entries.find((e) => e.action === 'INVITATION_ACCEPTED');
    expect(head).toMatchObject({ targetId: invitation.id, actor: { id: newcomer.id }, headlineId: null });
    const along = entries.filter((e) => e.headlineId === head?.id).map((e) => e.action).sort();
    expect(along).toEqual(['GROUP_MEMBER_ADDED', 'TENANT_MEMBER_ADDED', 'WORKSPACE_ROLE_GRANTED']);
    expect(entries.find((e) => e.action === 'INVITATION_CREATED')).toMatchObject({ targetId: invitation.id, actor: { id: owner.id } });
  });

  it('refuses an unverified address, another address, a token without one, an expired, revoked, declined or accepted invitation, changing nothing', async () => {
    const email = `${fresh('refused')}@example.com`;
    const invitation = await invite(owner, { email });
    const before = await members(tenantId);
    const unverified = await person(fresh('unverified'), email, false);
    expect(refusal(await server.gql(ACCEPT, { id: invitation.id }, unverified.headers))).toEqual({ code: 'FORBIDDEN', reason: 'EMAIL_NOT_VERIFIED' });
    expect(refusal(await server.gql(DECLINE, { id: invitation.id }, unverified.headers))).toEqual({ code: 'FORBIDDEN', reason: 'EMAIL_NOT_VERIFIED' });
    // Only `true` itself vouches; the claim missing or sent as text does not.
    for (const verified of ['absent', 'true']) {
      const p = await person(fresh('claim'), email, verified);
      expect(refusal(await server.gql(ACCEPT, { id: invitation.id }, p.headers))).toEqual({ code: 'FORBIDDEN', reason: 'EMAIL_NOT_VERIFIED' });
    }
    // Nor does an unverified address see it listed.
    expect((await server.gql<{ viewer: { invitations: { totalCount: number } } }>(VIEWER_INVITATIONS, {}, unverified.headers)).data?.viewer.invitations.totalCount).toBe(0);
    const someoneElse = await person(fresh('else'), 'someone.else@example.com');
    expect(refusal(await server.gql(ACCEPT, { id: invitation.id }, someoneElse.headers))).toEqual({ code: 'NOT_FOUND' });
    const noEmail = await person(fresh('no-email'), null);
    expect(refusal(await server.gql(ACCEPT, { id: invitation.id }, noEmail.headers))).toEqual({ code: 'NOT_FOUND' });
    // An admin of the tenant is not the invitee either.
    expect(refusal(await server.gql(ACCEPT, { id: invitation.id }, owner.headers))).toEqual({ code: 'NOT_FOUND' });
    expect(refusal(await server.gql(ACCEPT, { id: '01J00000000000000000000000' }, someoneElse.headers))).toEqual({ code: 'NOT_FOUND' });
    expect(refusal(await server.gql(ACCEPT, { id: 'nope' }, someoneElse.headers))).toMatchObject({ code: 'BAD_USER_INPUT', field: 'id' });

    const invitee = await person(fresh('invitee'), email.toUpperCase());
    // Expired by the database's clock.
    await server.database.pool.query(`UPDATE invitations SET expires_at = now() - interval '1 second' WHERE id = $1`, [invitation.id]);
    expect(refusal(await server.gql(ACCEPT, { id: invitation.id }, invitee.headers))).toEqual({ code: 'CONFLICT', reason: 'INVITATION_EXPIRED' });
    expect(refusal(await server.gql(DECLINE, { id: invitation.id }, invitee.headers))).toEqual({ code: 'CONFLICT', reason: 'INVITATION_EXPIRED' });
    expect(refusal(await server.gql(REVOKE, { id: invitation.id }, owner.headers))).toEqual({ code: 'CONFLICT', reason: 'INVITATION_EXPIRED' });
    const entity = await server.gql<{ _entities: unknown[] }>(ENTITIES, { r: [{ __typename: 'Invitation', id: invitation.id }] }, owner.headers);
    expect(entity.data?._entities).toEqual([{ id: invitation.id, email, status: 'EXPIRED' }]);

    // Once expired, the address can be invited again; revoked, that one cannot be accepted.
    const second = await invite(owner, { email });
    const revoked = await ok<{ revokeInvitation: { invitation: { status: string; revokedAt: string | null } } }>(server, owner.headers, REVOKE, { id: second.id });
    expect(revoked.revokeInvitation.invitation.status).toBe('REVOKED');
    expect(revoked.revokeInvitation.invitation.revokedAt).not.toBeNull();
    expect(refusal(await server.gql(ACCEPT, { id: second.id }, invitee.headers))).toEqual({ code: 'CONFLICT', reason: 'INVITATION_REVOKED' });

    const third = await invite(owner, { email });
    const declined = await ok<{ declineInvitation: { invitation: { status: string } } }>(server, invitee.headers, DECLINE, { id: third.id });
    expect(declined.declineInvitation.invitation.status).toBe('DECLINED');
    expect(refusal(await server.gql(ACCEPT, { id: third.id }, invitee.headers))).toEqual({ code: 'CONFLICT', reason: 'INVITATION_DECLINED' });
    expect(refusal(await server.gql(DECLINE, { id: third.id }, invitee.headers))).toEqual({ code: 'CONFLICT', reason: 'INVITATION_DECLINED' });
    expect(await members(tenantId)).toBe(before);

    const fourth = await invite(owner, { email });
    await ok(server, invitee.headers, ACCEPT, { id: fourth.id });
    expect(await members(tenantId)).toBe(before + 1);
    expect(refusal(await server.gql(ACCEPT, { id: fourth.id }, invitee.headers))).toEqual({ code: 'CONFLICT', reason: 'INVITATION_ACCEPTED' });
    expect(refusal(await server.gql(REVOKE, { id: fourth.id }, owner.headers))).toEqual({ code: 'CONFLICT', reason: 'INVITATION_ACCEPTED' });
    expect(await members(tenantId)).toBe(before + 1);
  });

  it('an API key never accepts, even its owner’s; nor does a token without email_verified', async () => {
    const t = await newTenant(owner, fresh('Keys'));
    const made = await ok<{ inviteTenantMember: { invitation: { id: string } } }>(server, owner.headers, INVITE, { input: { tenantId: t.id, email: 'member@example.com', role: 'MEMBER' } });
    const id = made.inviteTenantMember.invitation.id;
    const key = await ok<{ createApiKey: { secret: string } }>(server, member.headers, 'mutation($t: ID!) { createApiKey(input: { tenantId: $t, name: "mine" }) { secret } }', { t: tenantId });
    const viaKey = { 'x-api-key': key.createApiKey.secret };
    expect(refusal(await server.gql(ACCEPT, { id }, viaKey))).toEqual({ code: 'NOT_FOUND' });
    expect((await server.gql<{ viewer: { invitations: { totalCount: number } } }>(VIEWER_INVITATIONS, {}, viaKey)).data?.viewer.invitations.totalCount).toBe(0);
    expect((await server.gql<{ _entities: unknown[] }>(ENTITIES, { r: [{ __typename: 'Invitation', id }] }, viaKey)).data?._entities).toEqual([null]);
    // member's bearer token carries the address but no email_verified claim.
    expect(refusal(await server.gql(ACCEPT, { id }, member.headers))).toEqual({ code: 'FORBIDDEN', reason: 'EMAIL_NOT_VERIFIED' });
    expect(await members(t.id)).toBe(1);
  });

  it('an invitee who already is a member keeps their role; the invitation is marked accepted', async () => {
    const email = `${fresh('already')}@example.com`;
    const already = await person(fresh('already'), email);
    await access.addTenantMember(owner.headers, tenantId, { userId: already.id }, 'MEMBER');
    const invitation = await invite(owner, { email, role: 'ADMIN' });
    const accepted = await ok<{ acceptInvitation: { invitation: { status: string }; member: { user: { id: string }; role: string } } }>(server, already.headers, ACCEPT, { id: invitation.id });
    expect(accepted.acceptInvitation).toMatchObject({ invitation: { status: 'ACCEPTED' }, member: { user: { id: already.id }, role: 'MEMBER' } });
    expect((await server.gql(TENANT, { id: tenantId }, already.headers)).data).toEqual({ tenant: { id: tenantId, viewerRole: 'MEMBER' } });
  });

  it('skips a workspace and a group deleted meanwhile and says which; grants the rest', async () => {
    const kept = await access.createWorkspace(owner.headers, rootId, fresh('kept'));
    const trashed = await access.createWorkspace(owner.headers, rootId, fresh('trashed'));
    const gone = await access.createGroup(owner.headers, tenantId, fresh('gone'));
    const email = `${fresh('skip')}@example.com`;
    const invitation = await invite(owner, {
      email,
      workspaceRoles: [{ workspaceId: trashed, role: 'ADMIN' }, { workspaceId: kept, role: 'MEMBER' }],
      groups: [{ groupId: gone, role: 'ADMIN' }],
    });
    await ok(server, owner.headers, DELETE_WORKSPACE, { id: trashed });
    await ok(server, owner.headers, 'mutation($id: ID!) { deleteGroup(input: { id: $id }) { deletedGroupId } }', { id: gone });
    const listed = await ok<{ tenant: { invitations: { nodes: { id: string }[] } } }>(server, owner.headers, TENANT_INVITATIONS, { id: tenantId, status: 'PENDING' });
    expect(listed.tenant.invitations.nodes.map((n) => n.id)).toContain(invitation.id);
    const invitee = await person(fresh('skipper'), email);
    const accepted = await ok<{ acceptInvitation: { skipped: string[] } }>(server, invitee.headers, ACCEPT, { id: invitation.id });
    expect(accepted.acceptInvitation.skipped).toEqual([trashed, gone]);
    expect(await access.permissions(invitee.headers, kept)).toMatchObject({ view: true, edit: false });
    // The trashed workspace, restored, does not bring a grant the invitation never made.
    await ok(server, owner.headers, 'mutation($id: ID!) { restoreWorkspace(input: { id: $id }) { workspace { id } } }', { id: trashed });
    expect(await access.permissions(invitee.headers, trashed)).toBeNull();
  });

  it('answers alike whether or not anyone signed in with the address', async () => {
    await person('known', 'known@example.com');
    const shape = (response: GraphQLResponse): unknown =>
      JSON.parse(
        JSON.stringify({ status: response.status, data: response.data, errors: response.errors })
          .replace(/"id":"[0-9A-Z]{26}"/g, '"id":"ID"')
          .replace(/"(createdAt|expiresAt)":"[^"]+"/g, '"$1":"T"')
          .replace(/(known|unknown)@example\.com/g, 'ADDRESS'),
      ) as unknown;
    const known = await server.gql(INVITE, { input: { tenantId, email: 'known@example.com', role: 'MEMBER' } }, owner.headers);
    const unknown = await server.gql(INVITE, { input: { tenantId, email: 'unknown@example.com', role: 'MEMBER' } }, owner.headers);
    expect(known.errors).toBeUndefined();
    expect(shape(known)).toEqual(shape(unknown));
    // Again: the same refusal for both.
    const knownAgain = await server.gql(INVITE, { input: { tenantId, email: 'KNOWN@example.com', role: 'ADMIN' } }, owner.headers);
    const unknownAgain = await server.gql(INVITE, { input: { tenantId, email: 'UNKNOWN@example.com', role: 'ADMIN' } }, owner.headers);
    expect(refusal(knownAgain)).toEqual({ code: 'CONFLICT', reason: 'INVITATION_PENDING' });
    expect(shape(knownAgain)).toEqual(shape(unknownAgain));
  });

  it('lists a tenant’s invitations to its admins only, newest first, by page, counted and filtered by status', async () => {
    const t = await newTenant(owner, fresh('Listed'));
    await access.addTenantMember(owner.headers, t.id, { userId: member.id });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const made = await ok<{ inviteTenantMember: { invitation: { id: string } } }>(server, owner.headers, INVITE, { input: { tenantId: t.id, email: `list-${i}@example.com`, role: 'MEMBER' } });
      ids.push(made.inviteTenantMember.invitation.id);
    }
    await ok(server, owner.headers, REVOKE, { id: ids[0] });
    await server.database.pool.query(`UPDATE invitations SET expires_at = now() - interval '1 minute' WHERE id = $1`, [ids[1]]);
    type ListPage = { tenant: { invitations: { totalCount: number; nodes: { id: string; status: string }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } } };
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const page: ListPage = await ok<ListPage>(server, owner.headers, TENANT_INVITATIONS, { id: t.id, first: 2, after });
      expect(page.tenant.invitations.totalCount).toBe(5);
      seen.push(...page.tenant.invitations.nodes.map((n) => n.id));
      if (!page.tenant.invitations.pageInfo.hasNextPage) break;
      after = page.tenant.invitations.pageInfo.endCursor;
    }
    expect(seen).toEqual([...ids].reverse());
    const byStatus = async (status: string) =>
      (await ok<ListPage>(server, owner.headers, TENANT_INVITATIONS, { id: t.id, status })).tenant.invitations;
    expect((await byStatus('PENDING')).totalCount).toBe(3);
    expect((await byStatus('PENDING')).nodes.map((n) => n.id)).toEqual([ids[4], ids[3], ids[2]]);
    expect((await byStatus('REVOKED')).nodes).toEqual([{ id: ids[0], email: 'list-0@example.com', status: 'REVOKED' }]);
    expect((await byStatus('EXPIRED')).nodes).toEqual([{ id: ids[1], email: 'list-1@example.com', status: 'EXPIRED' }]);
    expect((await byStatus('ACCEPTED')).totalCount).toBe(0);

    const byMember = await server.gql(TENANT_INVITATIONS, { id: t.id }, member.headers);
    expect(refusal(byMember)).toMatchObject({ code: 'FORBIDDEN' });
    expect((await server.gql(TENANT_INVITATIONS, { id: t.id }, outsider.headers)).data).toEqual({ tenant: null });
    // Nor through _entities: only admins and the invitee see one.
    const r = [{ __typename: 'Invitation', id: ids[2] }];
    expect((await server.gql<{ _entities: unknown[] }>(ENTITIES, { r }, member.headers)).data?._entities).toEqual([null]);
    expect((await server.gql<{ _entities: unknown[] }>(ENTITIES, { r }, outsider.headers)).data?._entities).toEqual([null]);
    expect((await server.gql<{ _entities: unknown[] }>(ENTITIES, { r: [{ __typename: 'Invitation', id: '01J00000000000000000000000' }] }, owner.headers)).data?._entities).toEqual([null]);
    expect((await server.gql<{ _entities: unknown[] }>(ENTITIES, { r }, owner.headers)).data?._entities).toEqual([{ id: ids[2], email: 'list-2@example.com', status: 'PENDING' }]);
    const invitee = await person(fresh('list'), 'list-2@example.com');
    expect((await server.gql<{ _entities: unknown[] }>(ENTITIES, { r }, invitee.headers)).data?._entities).toEqual([{ id: ids[2], email: 'list-2@example.com', status: 'PENDING' }]);
  });

  it('refuses bad input, non-admins and grants the inviter could not make, writing nothing', async () => {
    const other = await newTenant(owner, fresh('Other'));
    const foreignWorkspace = other.rootId;
    const workspaceId = await access.createWorkspace(owner.headers, rootId, fresh('bad'));
    const before = await invitationRows();
    const cases: [Record<string, unknown>, Record<string, string>, { code: string; reason?: string; field?: string }][] = [
      [{ expiresInDays: 0 }, owner.headers, { code: 'BAD_USER_INPUT', reason: 'INVALID_EXPIRY', field: 'expiresInDays' }],
      [{ expiresInDays: 31 }, owner.headers, { code: 'BAD_USER_INPUT', reason: 'INVALID_EXPIRY', field: 'expiresInDays' }],
      [{ email: 'not an address' }, owner.headers, { code: 'BAD_USER_INPUT', reason: 'EMAIL_INVALID', field: 'email' }],
      [{ email: '  ' }, owner.headers, { code: 'BAD_USER_INPUT', reason: 'EMAIL_EMPTY', field: 'email' }],
      [{ email: 'a\u0000b@example.com' }, owner.headers, { code: 'BAD_USER_INPUT', reason: 'NUL_CHARACTER', field: 'email' }],
      [{ tenantId: 'x' }, owner.headers, { code: 'BAD_USER_INPUT', reason: 'INVALID_ID', field: 'tenantId' }],
      [{ workspaceRoles: [{ workspaceId: 'x', role: 'MEMBER' }] }, owner.headers, { code: 'BAD_USER_INPUT', reason: 'INVALID_ID', field: 'workspaceRoles[0].workspaceId' }],
      [
        { workspaceRoles: [{ workspaceId, role: 'MEMBER' }, { workspaceId, role: 'ADMIN' }] },
        owner.headers,
        { code: 'BAD_USER_INPUT', reason: 'DUPLICATE_ENTRY', field: 'workspaceRoles[1].workspaceId' },
      ],
      [{ workspaceRoles: [{ workspaceId: foreignWorkspace, role: 'MEMBER' }] }, owner.headers, { code: 'BAD_USER_INPUT', reason: 'WORKSPACE_NOT_IN_TENANT', field: 'workspaceRoles[0].workspaceId' }],
      [{ workspaceRoles: [{ workspaceId: '01J00000000000000000000000', role: 'MEMBER' }] }, owner.headers, { code: 'NOT_FOUND', field: 'workspaceRoles[0].workspaceId' }],
      [{ groups: [{ groupId: '01J00000000000000000000000', role: 'MEMBER' }] }, owner.headers, { code: 'NOT_FOUND', field: 'groups[0].groupId' }],
      [{}, member.headers, { code: 'FORBIDDEN', reason: 'MISSING_ADMINISTRATE_PERMISSION' }],
      [{}, outsider.headers, { code: 'NOT_FOUND' }],
    ];
    for (const [input, headers, expected] of cases) {
      const response = await server.gql(INVITE, { input: { tenantId, email: 'bad-input@example.com', role: 'MEMBER', ...input } }, headers);
      expect(refusal(response), JSON.stringify(input)).toEqual(expected);
    }
    expect(await invitationRows()).toBe(before);
    // A member may not revoke; an outsider does not find it.
    const invitation = await invite(owner, { email: 'bad-input@example.com' });
    expect(refusal(await server.gql(REVOKE, { id: invitation.id }, member.headers))).toMatchObject({ code: 'FORBIDDEN' });
    expect(refusal(await server.gql(REVOKE, { id: invitation.id }, outsider.headers))).toEqual({ code: 'NOT_FOUND' });
    expect(await count(`SELECT count(*)::int AS n FROM invitations WHERE id = $1 AND status = 'pending'`, [invitation.id])).toBe(1);
  });

  it('a tenant’s deletion and the inviter’s departure leave no invitation that can be accepted', async () => {
    const t = await newTenant(owner, fresh('Doomed'));
    const made = await ok<{ inviteTenantMember: { invitation: { id: string } } }>(server, owner.headers, INVITE, { input: { tenantId: t.id, email: 'doomed@example.com', role: 'ADMIN' } });
    const doomedInvitee = await person(fresh('doomed'), 'doomed@example.com');
    await ok(server, owner.headers, DELETE_TENANT, { id: t.id });
    expect(refusal(await server.gql(ACCEPT, { id: made.inviteTenantMember.invitation.id }, doomedInvitee.headers))).toEqual({ code: 'NOT_FOUND' });
    expect(await count(`SELECT count(*)::int AS n FROM invitations WHERE tenant_id = $1`, [t.id])).toBe(0);
    const revokedEntry = `SELECT count(*)::int AS n FROM audit_log WHERE action = 'INVITATION_REVOKED' AND target_id = $1 AND changes @> $2::jsonb AND headline_id IS NOT NULL`;
    expect(await count(revokedEntry, [made.inviteTenantMember.invitation.id, JSON.stringify([{ field: 'cause', after: 'tenant_deleted' }])])).toBe(1);

    const admin2 = await person(fresh('admin2'), 'admin2@example.com');
    await access.addTenantMember(owner.headers, tenantId, { userId: admin2.id }, 'ADMIN');
    const theirs = await invite(admin2, { email: 'friend@example.com', role: 'ADMIN' });
    const ours = await invite(owner, { email: 'colleague@example.com' });
    await access.removeTenantMember(owner.headers, tenantId, admin2.id);
    const friend = await person(fresh('friend'), 'friend@example.com');
    expect(refusal(await server.gql(ACCEPT, { id: theirs.id }, friend.headers))).toEqual({ code: 'CONFLICT', reason: 'INVITATION_REVOKED' });
    expect(await count(revokedEntry, [theirs.id, JSON.stringify([{ field: 'cause', after: 'inviter_departed' }])])).toBe(1);
    const entity = await server.gql<{ _entities: unknown[] }>(ENTITIES, { r: [{ __typename: 'Invitation', id: ours.id }] }, owner.headers);
    expect(entity.data?._entities).toEqual([{ id: ours.id, email: 'colleague@example.com', status: 'PENDING' }]);
  });

  // FOR UPDATE on the tenant row holds every change of the tenant at its first lock: the requests below
  // have passed their checks and stand at the same line when it is released.
  const holdTenant = (id: string) => ({ sql: 'SELECT id FROM tenants WHERE id = $1 FOR UPDATE', params: [id] });

  it('two invitations of one address at the same moment leave one pending', async () => {
    const t = await newTenant(owner, fresh('Race'));
    const results = await raceAtLock(server, holdTenant(t.id), 2, () =>
      Promise.all(['racer@example.com', 'RACER@example.com'].map((email) => server.gql(INVITE, { input: { tenantId: t.id, email, role: 'MEMBER' } }, owner.headers))),
    );
    const outcomes = results.map((r) => (r.errors ? refusal(r) : 'invited'));
    expect(outcomes.filter((o) => o === 'invited')).toHaveLength(1);
    expect(outcomes).toContainEqual({ code: 'CONFLICT', reason: 'INVITATION_PENDING' });
    expect(await count(`SELECT count(*)::int AS n FROM invitations WHERE tenant_id = $1`, [t.id])).toBe(1);
  });

  it('an invitation made while its inviter is removed does not outlive them', async () => {
    for (let round = 0; round < 3; round++) {
      const t = await newTenant(owner, fresh('Leaving'));
      const leaving = await person(fresh('leaving'), null);
      await access.addTenantMember(owner.headers, t.id, { userId: leaving.id }, 'ADMIN');
      await raceAtLock(server, holdTenant(t.id), 2, () =>
        Promise.all([
          server.gql(INVITE, { input: { tenantId: t.id, email: `${fresh('late')}@example.com`, role: 'ADMIN' } }, leaving.headers),
          server.gql(`mutation($t: ID!, $u: ID!) { removeTenantMember(input: { tenantId: $t, userId: $u }) { removedUserId } }`, { t: t.id, u: leaving.id }, owner.headers),
        ]),
      );
      const acceptable = `SELECT count(*)::int AS n FROM invitations WHERE tenant_id = $1 AND invited_by = $2 AND status = 'pending'`;
      expect(await count(acceptable, [t.id, leaving.id]), `round ${round}`).toBe(0);
    }
  });

  it('an acceptance racing a revocation and a second acceptance: exactly one wins, and membership follows it', async () => {
    for (const rival of ['revoke', 'accept'] as const) {
      const t = await newTenant(owner, fresh('Rivals'));
      const email = `${fresh('rival')}@example.com`;
      const made = await ok<{ inviteTenantMember: { invitation: { id: string } } }>(server, owner.headers, INVITE, { input: { tenantId: t.id, email, role: 'MEMBER' } });
      const id = made.inviteTenantMember.invitation.id;
      const invitee = await person(fresh('rival'), email);
      const second = rival === 'revoke' ? () => server.gql(REVOKE, { id }, owner.headers) : () => server.gql(ACCEPT, { id }, invitee.headers);
      const [accepted, other] = await raceAtLock(server, holdTenant(t.id), 2, () => Promise.all([server.gql(ACCEPT, { id }, invitee.headers), second()]));
      const won = [accepted, other].filter((r) => !r.errors);
      expect(won, rival).toHaveLength(1);
      const lost = [accepted, other].find((r) => r.errors);
      const firstWon = !accepted?.errors;
      const expected = rival === 'accept' || firstWon ? 'INVITATION_ACCEPTED' : 'INVITATION_REVOKED';
      expect(refusal(lost as GraphQLResponse), rival).toEqual({ code: 'CONFLICT', reason: expected });
      const isMember = await count(`SELECT count(*)::int AS n FROM tenant_members WHERE tenant_id = $1 AND user_id = $2`, [t.id, invitee.id]);
      expect(isMember, rival).toBe(rival === 'accept' || firstWon ? 1 : 0);
    }
  });

  it('addTenantMember works without consent mode', async () => {
    const direct = await person(fresh('direct'), 'direct@example.com');
    await access.addTenantMember(owner.headers, tenantId, { userId: direct.id });
    expect((await server.gql(TENANT, { id: tenantId }, direct.headers)).data).toEqual({ tenant: { id: tenantId, viewerRole: 'MEMBER' } });
  });
});

describe('consent mode (MEMBERSHIP_REQUIRES_ACCEPTANCE=true)', () => {
  let oidc: TestOidcProvider;
  let server: TestServer;

  beforeAll(async () => {
    oidc = await TestOidcProvider.start();
    await oidc.addKey('RS256');
    server = await startTestServer({ OIDC_ISSUER: oidc.issuer, OIDC_AUDIENCE: oidc.audience, MEMBERSHIP_REQUIRES_ACCEPTANCE: 'true' });
  });
  afterAll(async () => {
    await server.stop();
    await oidc.close();
  });

  it('refuses addTenantMember by id and by email, known or not, alike; an invitation still lets people in', async () => {
    const owner = await signIn(server, oidc, 'owner', { email: 'owner@example.com' });
    const known = await signIn(server, oidc, 'known', { email: 'known@example.com' });
    const { createTenant } = await ok<{ createTenant: { tenant: { id: string } } }>(server, owner.headers, CREATE_TENANT, { name: 'Consent' });
    const tenantId = createTenant.tenant.id;
    const before = (await server.database.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM tenant_members WHERE tenant_id = $1`, [tenantId])).rows[0]?.n;
    for (const who of [{ userId: known.id }, { email: 'known@example.com' }, { email: 'nobody@example.com' }, { userId: '01J00000000000000000000000' }]) {
      const response = await server.gql(ADD_TENANT_MEMBER, { input: { tenantId, role: 'MEMBER', ...who } }, owner.headers);
      expect(refusal(response), JSON.stringify(who)).toEqual({ code: 'FORBIDDEN', reason: 'INVITATION_REQUIRED' });
    }
    const after = (await server.database.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM tenant_members WHERE tenant_id = $1`, [tenantId])).rows[0]?.n;
    expect(after).toBe(before);
    const invited = await ok<{ inviteTenantMember: { invitation: { id: string } } }>(server, owner.headers, INVITE, { input: { tenantId, email: 'known@example.com', role: 'MEMBER' } });
    const verified = { authorization: `Bearer ${await oidc.sign({ sub: 'sub-known', preferred_username: 'known', email: 'known@example.com', email_verified: true }, { expiresIn: 3600 })}` };
    await ok(server, verified, ACCEPT, { id: invited.inviteTenantMember.invitation.id });
    expect((await server.gql(TENANT, { id: tenantId }, verified)).data).toEqual({ tenant: { id: tenantId, viewerRole: 'MEMBER' } });
  });
});
