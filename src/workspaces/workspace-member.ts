import type { WorkspaceRole, WorkspaceSubject } from '../events/roles.js';

/** A direct grant as a workspace's member list shows it: on the workspace itself or on an ancestor. */
export interface WorkspaceMember {
  /** The workspace whose members were listed. */
  workspaceId: string;
  /** Where the role was granted: the workspace itself, or an ancestor when `inherited`. */
  grantedOnId: string;
  inherited: boolean;
  subject: WorkspaceSubject;
  role: WorkspaceRole;
  grantedAt: Date;
  /** When the grant ends; null: until revoked. */
  expiresAt: Date | null;
}
