import type { GroupRole, TenantRole, WorkspaceRole } from '../events/roles.js';

export type InvitationStatus = 'pending' | 'accepted' | 'declined' | 'revoked' | 'expired';

/** A workspace role accepting grants (the workspace may be gone by then: skipped). */
export interface InvitedWorkspaceRole {
  workspaceId: string;
  role: WorkspaceRole;
}

export interface InvitedGroup {
  groupId: string;
  role: GroupRole;
}

/**
 * An invitation to a tenant, addressed to an email. `status` is as of the reading statement, by the
 * database's clock: a pending invitation past `expiresAt` is 'expired'.
 */
export interface Invitation {
  id: string;
  tenantId: string;
  /** What the invitee may see of the tenant before accepting. */
  tenantName: string;
  email: string;
  emailKey: string;
  role: TenantRole;
  status: InvitationStatus;
  invitedById: string | null;
  createdAt: Date;
  /** When the invitation itself lapses: `expiresInDays` ahead, or the membership's end if earlier. */
  expiresAt: Date;
  /** The end of the membership accepting gives (a MEMBER's only); null: until removed. */
  membershipExpiresAt: Date | null;
  respondedAt: Date | null;
  revokedAt: Date | null;
  workspaceRoles: InvitedWorkspaceRole[];
  groups: InvitedGroup[];
}
