import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Access, ok, refusal, type Person } from '../../support/access.js';
import { outboxSettled } from '../../support/fixtures.js';
import { TestOidcProvider } from '../../support/oidc-provider.js';
import { CREATE_TENANT } from '../../support/operations.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { waitFor } from '../../support/wait-for.js';

const INVITE = /* GraphQL */ `mutation Invite($input: InviteTenantMemberInput!) {
  inviteTenantMember(input: $input) { invitation { id status createdAt expiresAt membershipExpiresAt } authorizationSynced }
}`;
const ACCEPT = /* GraphQL */ `mutation Accept($id: ID!) {
  acceptInvitation(input: { id: $id }) { invitation { id status membershipExpiresAt } member { user { id } role expiresAt } skipped authorizationSynced }
}`;
const VIEWER_INVITATIONS = /* GraphQL */ `{ viewer { invitations { nodes { id expiresAt membershipExpiresAt } } } }`;
const TENANT_INVITATIONS = /* GraphQL */ `query($id: ID!) { tenant(id: $id) { invitations { nodes { id status membershipExpiresAt } } } }`;
const TENANT = `query($id: ID!) { tenant(id: $id) { id viewerRole } }`;
const MEMBERS = `query($w: ID!, $t: ID!, $g: ID!) {
  workspace(id: $w) { members(first: 50) { nodes { subject { ... on User { id } } role expiresAt } } }
  tenant(id: $t) { members(first: 50) { nodes { user { id } role expiresAt } } }
  group(id: $g) { members(first: 50) { nodes { user { id } role expiresAt } } }
}`;

interface Invitation {
  id: string;
  status: string;
  createdAt: string;
  expiresAt: string;
  membershipExpiresAt: string | null;
}
interface Listed {
  workspace: { members: { nodes: { subject: { id?: string }; role: string; expiresAt: string | null }[] } };
  tenant: { members: { nodes: { user: { id: string }; role: string; expiresAt: string | null }[] } };
  group: { members: { nodes: { user: { id: string }; role: string; expiresAt: string | null }[] } };
}

const inSeconds = (s: number) => new Date(Date.now() + s * 1000).toISOString();

/*
 * An invitation's membershipExpiresAt (issue 20: expiring membership "on addTenantMember and
 * invitations"), over HTTP against real PostgreSQL and the embedded SpiceDB. No sweeper runs
 * (GRANT_EXPIRY_SWEEP_MS=0): access must end at the instant on SpiceDB's expiration alone.
 */
describe('invitations with an expiring membership', () => {
  let oidc: TestOidcProvider;
  let server: TestServer;
  let access: Access;
  let owner: Person;
  let member: Person;
  let t: string;
  let a: string;
  let g: string;

  /** Someone whose token carries `email`, verified; the first request provisions them. */
  const person = async (username: string, email: string): Promise<Person> => {
    const headers = { authorization: `Bearer ${await oidc.sign({ sub: `sub-${username}`, preferred_username: username, email, email_verified: true }, { expiresIn: 3600 })}` };
    const me = await server.gql<{ viewer: { user: { id: string } } }>('{ viewer { user { id } } }', {}, headers);
    const id = me.data?.viewer.user.id;
    if (!id) throw new Error(`sign-in of ${username} failed: ${JSON.stringify(me.errors)}`);
    return { id, username, headers };
  };
  const count = async (sql: string, params: unknown[] = []) => (await server.database.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${sql}`, params)).rows[0]?.n ?? -1;
  const invite = async (input: Record<string, unknown>): Promise<Invitation> =>
    (await ok<{ inviteTenantMember: { invitation: Invitation } }>(server, owner.headers, INVITE, { input: { tenantId: t, role: 'MEMBER', ...input } })).inviteTenantMember.invitation;
  const listed = () => ok<Listed>(server, owner.headers, MEMBERS, { w: a, t, g });
  /** Everything an invitation writes or could write: the rows, their grants, the audit log. */
  const stored = async () => ({
    invitations: await count('invitations'),
    grants: await count('invitation_grants'),
    audit: await count('audit_log'),
    outbox: await count('outbox'),
  });

  beforeAll(async () => {
    oidc = await TestOidcProvider.start();
    await oidc.addKey('RS256');
    server = await startTestServer({ OIDC_ISSUER: oidc.issuer, OIDC_AUDIENCE: oidc.audience, GRANT_EXPIRY_SWEEP_MS: '0', MAX_GRANT_DAYS: '30' });
    access = new Access(server);
    owner = await person('owner', 'owner@example.com');
    member = await person('member', 'member@example.com');
    const created = await ok<{ createTenant: { tenant: { id: string; rootWorkspace: { id: string } } } }>(server, owner.headers, CREATE_TENANT, { name: 'Contracting' });
    t = created.createTenant.tenant.id;
    a = await access.createWorkspace(owner.headers, created.createTenant.tenant.rootWorkspace.id, 'A');
    g = await access.createGroup(owner.headers, t, 'Contractors');
    await access.addTenantMember(owner.headers, t, { userId: member.id });
    await outboxSettled(server);
  });
  afterAll(async () => {
    await server?.stop();
    await oidc?.close();
  });

  it('accepting makes a membership that ends at membershipExpiresAt, the invited grants capped to it; denied after it with no sweep', async () => {
    const at = inSeconds(8);
    const invitation = await invite({ email: 'contractor@example.com', membershipExpiresAt: at, workspaceRoles: [{ workspaceId: a, role: 'EDITOR' }], groups: [{ groupId: g, role: 'MEMBER' }] });
    // The invitation itself lapses at the membership's end, sooner than its 7 days.
    expect(invitation).toMatchObject({ status: 'PENDING', membershipExpiresAt: at, expiresAt: at });
    const contractor = await person('contractor', 'contractor@example.com');
    const mine = await ok<{ viewer: { invitations: { nodes: unknown[] } } }>(server, contractor.headers, VIEWER_INVITATIONS, {});
    expect(mine.viewer.invitations.nodes).toEqual([{ id: invitation.id, expiresAt: at, membershipExpiresAt: at }]);

    const accepted = await ok<{ acceptInvitation: { invitation: Invitation; member: { user: { id: string }; role: string; expiresAt: string | null }; skipped: string[]; authorizationSynced: boolean } }>(
      server,
      contractor.headers,
      ACCEPT,
      { id: invitation.id },
    );
    expect(accepted.acceptInvitation).toEqual({
      invitation: { id: invitation.id, status: 'ACCEPTED', membershipExpiresAt: at },
      member: { user: { id: contractor.id }, role: 'MEMBER', expiresAt: at },
      skipped: [],
      authorizationSynced: true,
    });
    const shown = await listed();
    expect(shown.tenant.members.nodes.find((n) => n.user.id === contractor.id)).toEqual({ user: { id: contractor.id }, role: 'MEMBER', expiresAt: at });
    // The grant and the group membership were capped to the membership's end when made.
    expect(shown.workspace.members.nodes.find((n) => n.subject.id === contractor.id)).toEqual({ subject: { id: contractor.id }, role: 'EDITOR', expiresAt: at });
    expect(shown.group.members.nodes.find((n) => n.user.id === contractor.id)).toEqual({ user: { id: contractor.id }, role: 'MEMBER', expiresAt: at });
    expect(await access.permissions(contractor.headers, a)).toMatchObject({ view: true, edit: true });
    expect((await server.gql(TENANT, { id: t }, contractor.headers)).data).toEqual({ tenant: { id: t, viewerRole: 'MEMBER' } });
    // Audited: the invitation with the end it offered, the membership with the end it got.
    const audited = await server.database.pool.query<{ action: string; changes: { field: string; after: string | null }[] }>(
      `SELECT action, changes FROM audit_log WHERE (target_id = $1 AND action = 'INVITATION_CREATED') OR (subject_id = $2 AND action = 'TENANT_MEMBER_ADDED') ORDER BY occurred_at, id`,
      [invitation.id, contractor.id],
    );
    expect(audited.rows.map((r) => [r.action, r.changes.find((c) => c.field === (r.action === 'INVITATION_CREATED' ? 'membershipExpiresAt' : 'expiresAt'))?.after])).toEqual([
      ['INVITATION_CREATED', at],
      ['TENANT_MEMBER_ADDED', at],
    ]);

    await waitFor(async () => (await server.gql(TENANT, { id: t }, contractor.headers)).data?.tenant === null, { timeoutMs: 15_000, intervalMs: 200, message: 'the membership to end' });
    expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(at));
    expect(await access.permissions(contractor.headers, a)).toBeNull();
    const after = await listed();
    expect(after.tenant.members.nodes.some((n) => n.user.id === contractor.id)).toBe(false);
    expect(after.workspace.members.nodes.some((n) => n.subject.id === contractor.id)).toBe(false);
    expect(after.group.members.nodes.some((n) => n.user.id === contractor.id)).toBe(false);
    // Nothing swept: the rows are still there, counted as absent.
    expect(await count('tenant_members WHERE user_id = $1', [contractor.id])).toBe(1);
    expect(await count('workspace_members WHERE user_id = $1', [contractor.id])).toBe(1);
    // The sweep then departs them as any expired member: membership, grant and group membership.
    expect((await server.runtime.services.grantExpiry.sweep()).tenantMembers).toBe(1);
    expect(await count('tenant_members WHERE user_id = $1', [contractor.id])).toBe(0);
    expect(await count('workspace_members WHERE user_id = $1', [contractor.id])).toBe(0);
    expect(await count('group_members WHERE user_id = $1', [contractor.id])).toBe(0);
  });

  it('an invitation whose membership end has passed reads EXPIRED and cannot be accepted (CONFLICT INVITATION_EXPIRED), changing nothing', async () => {
    const at = inSeconds(2);
    const invitation = await invite({ email: 'late@example.com', membershipExpiresAt: at });
    const late = await person('late', 'late@example.com');
    await waitFor(() => Date.now() > Date.parse(at) + 200, { timeoutMs: 5_000, intervalMs: 100, message: 'the membership end to pass' });
    const listedInvitations = await ok<{ tenant: { invitations: { nodes: Invitation[] } } }>(server, owner.headers, TENANT_INVITATIONS, { id: t });
    expect(listedInvitations.tenant.invitations.nodes.find((n) => n.id === invitation.id)).toEqual({ id: invitation.id, status: 'EXPIRED', membershipExpiresAt: at });
    const before = await stored();
    const refused = await server.gql(ACCEPT, { id: invitation.id }, late.headers);
    expect(refusal(refused)).toEqual({ code: 'CONFLICT', reason: 'INVITATION_EXPIRED' });
    expect(await count('tenant_members WHERE user_id = $1', [late.id])).toBe(0);
    expect(await stored()).toEqual(before);
    // The address can be invited again (the lapsed one frees its slot).
    expect((await invite({ email: 'late@example.com' })).membershipExpiresAt).toBeNull();
  });

  it('an invitee already a member keeps their membership as it is; the invited grant ends at membershipExpiresAt', async () => {
    const at = inSeconds(600);
    const invitation = await invite({ email: 'member@example.com', membershipExpiresAt: at, workspaceRoles: [{ workspaceId: a, role: 'MEMBER' }] });
    const accepted = await ok<{ acceptInvitation: { member: { user: { id: string }; role: string; expiresAt: string | null } } }>(server, member.headers, ACCEPT, { id: invitation.id });
    expect(accepted.acceptInvitation.member).toEqual({ user: { id: member.id }, role: 'MEMBER', expiresAt: null });
    const shown = await listed();
    expect(shown.tenant.members.nodes.find((n) => n.user.id === member.id)?.expiresAt).toBeNull();
    expect(shown.workspace.members.nodes.find((n) => n.subject.id === member.id)).toEqual({ subject: { id: member.id }, role: 'MEMBER', expiresAt: at });
  });

  it('ADMIN with a membershipExpiresAt, one in the past and one too far ahead are BAD_USER_INPUT and store nothing', async () => {
    const before = await stored();
    const cases: [Record<string, unknown>, string][] = [
      [{ role: 'ADMIN', membershipExpiresAt: inSeconds(3600) }, 'EXPIRY_NOT_ALLOWED'],
      [{ membershipExpiresAt: inSeconds(-60) }, 'EXPIRY_IN_PAST'],
      [{ membershipExpiresAt: inSeconds(31 * 86_400) }, 'EXPIRY_TOO_FAR'],
    ];
    for (const [input, reason] of cases) {
      const response = await server.gql(INVITE, { input: { tenantId: t, role: 'MEMBER', email: 'refused@example.com', workspaceRoles: [{ workspaceId: a, role: 'EDITOR' }], ...input } }, owner.headers);
      expect(refusal(response), reason).toEqual({ code: 'BAD_USER_INPUT', reason, field: 'membershipExpiresAt' });
    }
    expect(await stored()).toEqual(before);
    expect(await count(`invitations WHERE email_key LIKE 'refused%'`)).toBe(0);
    // An ADMIN without an end (null included) is invited as before.
    expect((await invite({ role: 'ADMIN', email: 'refused@example.com', membershipExpiresAt: null })).membershipExpiresAt).toBeNull();
    // A membership ending after the invitation's own 7 days leaves those 7 days as they are.
    const later = inSeconds(20 * 86_400);
    const long = await invite({ email: 'long@example.com', membershipExpiresAt: later });
    expect(long.membershipExpiresAt).toBe(later);
    expect((Date.parse(long.expiresAt) - Date.parse(long.createdAt)) / 86_400_000).toBeCloseTo(7, 3);
  });
});
