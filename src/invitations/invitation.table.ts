import type { ColumnType } from 'kysely';
import type { TenantRole } from '../events/roles.js';
import type { InvitationStatus } from './invitation.js';

/** migrations/0011_invitations.sql */
export interface InvitationTable {
  id: string;
  tenant_id: string;
  email: string;
  /** nameKey(email), as users.email_key: what "the same address" compares. */
  email_key: string;
  role: TenantRole;
  /** As stored: a pending row past expires_at still says 'pending' (reads say EXPIRED). */
  status: InvitationStatus;
  invited_by: string | null;
  created_at: ColumnType<Date, never, never>;
  expires_at: ColumnType<Date, Date | string, Date | string>;
  /** The end of the membership accepting gives; null: none. Only for role 'member'. */
  membership_expires_at: ColumnType<Date | null, Date | string | null | undefined, never>;
  responded_at: ColumnType<Date | null, never, Date | string | null>;
  responded_by: string | null;
  revoked_at: ColumnType<Date | null, never, Date | string | null>;
}

export interface InvitationGrantTable {
  invitation_id: string;
  position: number;
  workspace_id: string | null;
  group_id: string | null;
  role: string;
}
