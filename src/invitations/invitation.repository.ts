import { sql, type RawBuilder } from 'kysely';
import type { GroupRole, TenantRole, WorkspaceRole } from '../events/roles.js';
import type { Executor, Tx } from '../infra/db/database.js';
import type { Sorted } from '../shared/pagination.js';
import type { Invitation, InvitationStatus, InvitedGroup, InvitedWorkspaceRole } from './invitation.js';

interface InvitationRow {
  id: string;
  tenant_id: string;
  tenant_name: string;
  email: string;
  email_key: string;
  role: TenantRole;
  status: InvitationStatus;
  invited_by: string | null;
  created_at: Date;
  expires_at: Date;
  membership_expires_at: Date | null;
  responded_at: Date | null;
  revoked_at: Date | null;
  grants: { workspaceId: string | null; groupId: string | null; role: string }[];
}

/**
 * Every read of an invitation, its status as of this statement by the database's clock (a pending
 * one past its expiry is 'expired'), its tenant's name and its grants in order: one statement.
 */
const SELECT = sql`
  SELECT i.id, i.tenant_id, t.name AS tenant_name, i.email, i.email_key, i.role,
         CASE WHEN i.status = 'pending' AND i.expires_at <= now() THEN 'expired' ELSE i.status END AS status,
         i.invited_by, i.created_at, i.expires_at, i.membership_expires_at, i.responded_at, i.revoked_at,
         COALESCE((SELECT json_agg(json_build_object('workspaceId', g.workspace_id, 'groupId', g.group_id, 'role', g.role) ORDER BY g.position)
                   FROM invitation_grants g WHERE g.invitation_id = i.id), '[]'::json) AS grants
  FROM invitations i JOIN tenants t ON t.id = i.tenant_id`;

function toInvitation(row: InvitationRow): Invitation {
  const workspaceRoles: InvitedWorkspaceRole[] = [];
  const groups: InvitedGroup[] = [];
  for (const g of row.grants) {
    if (g.workspaceId) workspaceRoles.push({ workspaceId: g.workspaceId, role: g.role as WorkspaceRole });
    else if (g.groupId) groups.push({ groupId: g.groupId, role: g.role as GroupRole });
  }
  return {
    id: row.id,
    tenantId: row.tenant_id,
    tenantName: row.tenant_name,
    email: row.email,
    emailKey: row.email_key,
    role: row.role,
    status: row.status,
    invitedById: row.invited_by,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    membershipExpiresAt: row.membership_expires_at,
    respondedAt: row.responded_at,
    revokedAt: row.revoked_at,
    workspaceRoles,
    groups,
  };
}

export async function findInvitationsByIds(db: Executor, ids: readonly string[]): Promise<Map<string, Invitation>> {
  if (ids.length === 0) return new Map();
  const { rows } = await sql<InvitationRow>`${SELECT} WHERE i.id = ANY(${[...ids]}::text[])`.execute(db);
  return new Map(rows.map((r) => [r.id, toInvitation(r)]));
}

/** The invitation, its row locked until commit (accept, decline, revoke decide on it). */
export async function lockInvitation(trx: Tx, id: string): Promise<Invitation | undefined> {
  const { rows } = await sql<InvitationRow>`${SELECT} WHERE i.id = ${id} FOR UPDATE OF i`.execute(trx);
  const row = rows[0];
  return row ? toInvitation(row) : undefined;
}

/** Which invitations a list selects by status, as of the statement (PENDING excludes the expired ones). */
function statusFilter(status: InvitationStatus | null | undefined): RawBuilder<unknown> {
  switch (status) {
    case undefined:
    case null:
      return sql`TRUE`;
    case 'pending':
      return sql`i.status = 'pending' AND i.expires_at > now()`;
    case 'expired':
      return sql`(i.status = 'expired' OR (i.status = 'pending' AND i.expires_at <= now()))`;
    default:
      return sql`i.status = ${status}`;
  }
}

/** A page of a tenant's invitations, newest first (ids are ULIDs): one range of invitations_tenant_order_idx. */
export async function listTenantInvitations(
  db: Executor,
  tenantId: string,
  filter: { status?: InvitationStatus | null | undefined; afterId: string | null; limit: number },
): Promise<Sorted<Invitation>[]> {
  const after = filter.afterId ? sql`AND i.id < ${filter.afterId}` : sql``;
  const { rows } = await sql<InvitationRow>`${SELECT}
    WHERE i.tenant_id = ${tenantId} AND ${statusFilter(filter.status)} ${after}
    ORDER BY i.id DESC LIMIT ${filter.limit}`.execute(db);
  return rows.map((r) => ({ node: toInvitation(r), sortKey: '' }));
}

export async function countTenantInvitations(db: Executor, tenantId: string, status: InvitationStatus | null | undefined): Promise<number> {
  const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM invitations i WHERE i.tenant_id = ${tenantId} AND ${statusFilter(status)}`.execute(db);
  return rows[0]?.n ?? 0;
}

/** The pending invitations addressed to an email, in every tenant, newest first: one range of invitations_pending_email_idx. */
export async function listPendingInvitationsFor(db: Executor, emailKey: string, filter: { afterId: string | null; limit: number }): Promise<Sorted<Invitation>[]> {
  const after = filter.afterId ? sql`AND i.id < ${filter.afterId}` : sql``;
  const { rows } = await sql<InvitationRow>`${SELECT}
    WHERE i.email_key = ${emailKey} AND i.status = 'pending' AND i.expires_at > now() ${after}
    ORDER BY i.id DESC LIMIT ${filter.limit}`.execute(db);
  return rows.map((r) => ({ node: toInvitation(r), sortKey: '' }));
}

export async function countPendingInvitationsFor(db: Executor, emailKey: string): Promise<number> {
  const { rows } = await sql<{ n: number }>`
    SELECT count(*)::int AS n FROM invitations i WHERE i.email_key = ${emailKey} AND i.status = 'pending' AND i.expires_at > now()`.execute(db);
  return rows[0]?.n ?? 0;
}

/**
 * Marks the tenant's pending invitations of this address that have expired as 'expired', so the
 * one-pending index lets a new one in. Their status reads the same before and after: no event.
 */
export async function closeExpiredInvitations(trx: Tx, tenantId: string, emailKey: string): Promise<void> {
  await trx
    .updateTable('invitations')
    .set({ status: 'expired' })
    .where('tenant_id', '=', tenantId)
    .where('email_key', '=', emailKey)
    .where('status', '=', 'pending')
    .where('expires_at', '<=', sql<Date>`now()`)
    .execute();
}

export interface NewInvitation {
  id: string;
  tenantId: string;
  email: string;
  emailKey: string;
  role: TenantRole;
  invitedBy: string;
  expiresInDays: number;
  /** The membership's end, if any; the invitation lapses no later than it. */
  membershipExpiresAt: Date | null;
  workspaceRoles: InvitedWorkspaceRole[];
  groups: InvitedGroup[];
}

/** Inserts the invitation and its grants; a second pending one for the address violates invitations_one_pending_key. */
export async function insertInvitation(trx: Tx, input: NewInvitation): Promise<void> {
  await trx
    .insertInto('invitations')
    .values({
      id: input.id,
      tenant_id: input.tenantId,
      email: input.email,
      email_key: input.emailKey,
      role: input.role,
      status: 'pending',
      invited_by: input.invitedBy,
      membership_expires_at: input.membershipExpiresAt,
      // An invitation that outlived the membership it offers could only make one already over.
      expires_at: input.membershipExpiresAt
        ? sql<Date>`least(now() + make_interval(days => ${input.expiresInDays}), ${input.membershipExpiresAt}::timestamptz)`
        : sql<Date>`now() + make_interval(days => ${input.expiresInDays})`,
    })
    .execute();
  const grants = [
    ...input.workspaceRoles.map((w) => ({ workspace_id: w.workspaceId, group_id: null, role: w.role })),
    ...input.groups.map((g) => ({ workspace_id: null, group_id: g.groupId, role: g.role })),
  ].map((g, position) => ({ invitation_id: input.id, position, ...g }));
  if (grants.length > 0) await trx.insertInto('invitation_grants').values(grants).execute();
}

/** Closes a pending invitation: accepted or declined by `userId`, or revoked. */
export async function closeInvitation(trx: Tx, id: string, outcome: { status: 'accepted' | 'declined'; userId: string } | { status: 'revoked' }): Promise<void> {
  const set =
    outcome.status === 'revoked'
      ? { status: outcome.status, revoked_at: sql<Date>`now()` }
      : { status: outcome.status, responded_at: sql<Date>`now()`, responded_by: outcome.userId };
  await trx.updateTable('invitations').set(set).where('id', '=', id).execute();
}

export interface ClosedInvitation {
  id: string;
  email: string;
  role: TenantRole;
}

/** Revokes the pending invitations an inviter made in a tenant (their departure); returns those revoked. */
export async function revokeInvitationsBy(trx: Tx, tenantId: string, inviterId: string): Promise<ClosedInvitation[]> {
  return trx
    .updateTable('invitations')
    .set({ status: 'revoked', revoked_at: sql<Date>`now()` })
    .where('tenant_id', '=', tenantId)
    .where('invited_by', '=', inviterId)
    .where('status', '=', 'pending')
    .where('expires_at', '>', sql<Date>`now()`)
    .returning(['id', 'email', 'role'])
    .execute();
}

/** Deletes every invitation of a tenant (its deletion); returns those that could still have been accepted. */
export async function deleteTenantInvitations(trx: Tx, tenantId: string): Promise<ClosedInvitation[]> {
  const { rows } = await sql<ClosedInvitation & { acceptable: boolean }>`
    DELETE FROM invitations WHERE tenant_id = ${tenantId}
    RETURNING id, email, role, (status = 'pending' AND expires_at > now()) AS acceptable`.execute(trx);
  return rows.filter((r) => r.acceptable).map(({ id, email, role }) => ({ id, email, role }));
}

/**
 * Deletes the invitations closed before `before` (accepted, declined, revoked, or lapsed): the
 * instant it closed is responded_at, revoked_at or, for one that lapsed, expires_at (a pending row
 * has neither of the first two, so a pending one lapsed before `before` is taken and a live one never
 * is). Their grants go by the cascade. Returns how many.
 */
export async function purgeClosedInvitations(trx: Tx, before: Date): Promise<number> {
  const result = await sql`DELETE FROM invitations WHERE coalesce(responded_at, revoked_at, expires_at) < ${before}`.execute(trx);
  return Number(result.numAffectedRows ?? 0);
}
