import { change } from './audit-record.js';
import { entry } from './event-entry.js';
import type { TenantRole } from './roles.js';

const invitation = (e: { invitationId: string }) => ({ type: 'invitation' as const, id: e.invitationId });
const target = (e: { invitationId: string; email: string }) => ({ ...invitation(e), name: e.email });
const status = (before: string | null, after: string) => [change('status', before, after)];

interface Invited {
  tenantId: string;
  invitationId: string;
  /** The address as the admin typed it: the audit entry's target name. Never in a log line. */
  email: string;
  role: TenantRole;
}

/**
 * Invitations (src/invitations/). A pending invitation grants nothing, so none of these writes a
 * relationship: they are logged and audited, never appended to the outbox. What accepting grants is
 * recorded by the membership and grant events it emits as consequences.
 */
export const invitationEvents = {
  InvitationCreated: entry<Invited & { expiresAt: string; membershipExpiresAt?: string | null; workspaceRoles: number; groups: number }>({
    aggregate: invitation,
    relationships: 'postgresql-only',
    log: { name: 'invitation_created', fields: (e) => ({ invitationId: e.invitationId, tenantId: e.tenantId, role: e.role, workspaceRoles: e.workspaceRoles, groups: e.groups }) },
    audit: (e) => [
      {
        action: 'INVITATION_CREATED',
        target: target(e),
        changes: [change('email', null, e.email), change('role', null, e.role), change('expiresAt', null, e.expiresAt),
          ...(e.membershipExpiresAt ? [change('membershipExpiresAt', null, e.membershipExpiresAt)] : []),
          change('status', null, 'pending'),
        ],
      },
    ],
  }),
  /** By a tenant admin, or a consequence of the inviter's departure or the tenant's deletion (`cause`). */
  InvitationRevoked: entry<Invited & { cause: 'revoked' | 'inviter_departed' | 'tenant_deleted' }>({
    aggregate: invitation,
    relationships: 'postgresql-only',
    log: { name: 'invitation_revoked', fields: (e) => ({ invitationId: e.invitationId, tenantId: e.tenantId, cause: e.cause }) },
    audit: (e) => [{ action: 'INVITATION_REVOKED', target: target(e), changes: [...status('pending', 'revoked'), change('cause', null, e.cause)] }],
  }),
  /** By the invitee; the membership and grants it brought are consequences, `skipped` what was gone meanwhile. */
  InvitationAccepted: entry<Invited & { userId: string; alreadyMember: boolean; skipped: string[] }>({
    aggregate: invitation,
    relationships: 'postgresql-only',
    log: {
      name: 'invitation_accepted',
      fields: (e) => ({ invitationId: e.invitationId, tenantId: e.tenantId, userId: e.userId, alreadyMember: e.alreadyMember, skipped: e.skipped.length }),
    },
    audit: (e) => [
      {
        action: 'INVITATION_ACCEPTED',
        target: target(e),
        subject: { type: 'user', id: e.userId },
        changes: [...status('pending', 'accepted'), ...(e.skipped.length > 0 ? [change('skipped', null, e.skipped.join(','))] : [])],
      },
    ],
  }),
  InvitationDeclined: entry<Invited & { userId: string }>({
    aggregate: invitation,
    relationships: 'postgresql-only',
    log: { name: 'invitation_declined', fields: (e) => ({ invitationId: e.invitationId, tenantId: e.tenantId, userId: e.userId }) },
    audit: (e) => [{ action: 'INVITATION_DECLINED', target: target(e), subject: { type: 'user', id: e.userId }, changes: status('pending', 'declined') }],
  }),
};
