import type { TenantRole } from '../events/roles.js';

export interface Tenant {
  id: string;
  name: string;
  createdAt: Date;
  updatedAt: Date;
}

export interface TenantMember {
  tenantId: string;
  userId: string;
  role: TenantRole;
  addedAt: Date;
  /** When the membership ends (a MEMBER's only); null: until removed. */
  expiresAt: Date | null;
}
