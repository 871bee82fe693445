import { ConflictError } from '../shared/errors.js';
import type { Invitation, InvitationStatus } from './invitation.js';

const CLOSED: Record<Exclude<InvitationStatus, 'pending'>, { reason: string; message: string }> = {
  expired: { reason: 'INVITATION_EXPIRED', message: 'The invitation has expired: ask for a new one' },
  revoked: { reason: 'INVITATION_REVOKED', message: 'The invitation was revoked' },
  accepted: { reason: 'INVITATION_ACCEPTED', message: 'The invitation was already accepted' },
  declined: { reason: 'INVITATION_DECLINED', message: 'The invitation was declined' },
};

/**
 * Only a pending invitation can be accepted, declined or revoked: CONFLICT naming what became of it
 * otherwise. `status` was read by the database's clock in the statement that locked the row, so an
 * invitation is expired exactly when PostgreSQL says so, whatever this process's clock says.
 */
export function closedInvitation(invitation: Pick<Invitation, 'status'>): void {
  if (invitation.status === 'pending') return;
  const closed = CLOSED[invitation.status];
  throw new ConflictError(closed.message, { reason: closed.reason });
}
