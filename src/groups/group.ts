import type { GroupRole } from '../events/roles.js';

/** A named set of a tenant's members; a workspace role granted to it applies to each of them. */
export interface Group {
  id: string;
  tenantId: string;
  name: string;
  createdAt: Date;
  updatedAt: Date;
}

export interface GroupMember {
  groupId: string;
  userId: string;
  role: GroupRole;
  addedAt: Date;
  /** When the membership ends; null: until removed. */
  expiresAt: Date | null;
}
