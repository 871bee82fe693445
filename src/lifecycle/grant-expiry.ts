import type { Transaction, UnitOfWork } from '../changes/unit-of-work.js';
import { systemActor } from '../events/actor.js';
import type { WorkspaceSubject } from '../events/roles.js';
import { capUserGroupMembershipsInTenant, deleteExpiredGroupMember, findExpiredGroupMembers } from '../groups/group-member-expiry.repository.js';
import type { Db } from '../infra/db/database.js';
import type { Logger } from '../logger.js';
import { ConflictError, NotFoundError } from '../shared/errors.js';
import { deleteTenantMember, findExpiredTenantMembers, lockTenantMemberRow } from '../tenants/tenant-member.repository.js';
import type { MemberExpiryHooks } from '../tenants/tenant-member.service.js';
import type { TenantMember } from '../tenants/tenant.js';
import { capUserGrantsInTenant, deleteExpiredGrant, findExpiredGrants } from '../workspaces/workspace-grant-expiry.repository.js';
import { takeAlong } from './tenant-departure.js';

export interface GrantExpiryDeps {
  db: Db;
  uow: UnitOfWork;
  logger: Logger;
  /** How often the relay leader sweeps (GRANT_EXPIRY_SWEEP_MS); 0: only when sweep() is called. */
  intervalMs: number;
  /** At most this many rows of each kind per sweep; the next sweep takes the rest. */
  batchSize?: number;
}

export interface SweepResult {
  tenantMembers: number;
  groupMembers: number;
  grants: number;
}

const JOB = 'grant-expiry';
const by = { actor: systemActor(JOB) };

/**
 * Expiring grants after their end. Access already ended at that instant without this job: SpiceDB
 * stopped counting the relationship (written with its expiration) and every PostgreSQL read treats
 * the row as absent (`unexpired`). The sweeper, run by the relay leader, then deletes the rows as
 * SYSTEM, with an audit entry each: a tenant membership departs like removeTenantMember (its
 * grants, group memberships and API keys as consequences), a group membership or a grant goes
 * alone (nothing inherited from it elsewhere is touched).
 *
 * Each expiry is its own change, taking its tenant's lock first like any other, and each delete is
 * conditional on the row still being past its end: a second sweeper (two leaders for a moment, or
 * a sweep called by hand) deletes nothing twice, and a grant renewed meanwhile is kept.
 */
export class GrantExpiry {
  private sweptAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly deps: GrantExpiryDeps) {}

  /** The relay leader's duty: a sweep every `intervalMs`. */
  async duty(): Promise<void> {
    if (this.deps.intervalMs <= 0 || Date.now() - this.sweptAt < this.deps.intervalMs) return;
    this.sweptAt = Date.now();
    await this.sweep();
  }

  /** One pass over each kind, memberships of tenants first (their departure takes the rest along). */
  async sweep(): Promise<SweepResult> {
    const limit = this.deps.batchSize ?? 200;
    const result: SweepResult = { tenantMembers: 0, groupMembers: 0, grants: 0 };
    for (const m of await findExpiredTenantMembers(this.deps.db, limit)) {
      if (await this.each(() => this.deps.uow.run((tx) => departExpired(tx, m.tenantId, m.userId), { by, tenant: { id: m.tenantId, lock: 'members' } }))) {
        result.tenantMembers += 1;
      }
    }
    for (const m of await findExpiredGroupMembers(this.deps.db, limit)) {
      const work = async ({ trx, emit }: Transaction) => {
        const gone = await deleteExpiredGroupMember(trx, m.groupId, m.userId);
        if (gone) emit({ type: 'GroupMemberExpired', tenantId: m.tenantId, groupId: m.groupId, userId: m.userId, role: gone.role, expiresAt: gone.expiresAt.toISOString() });
        return gone !== undefined;
      };
      if (await this.each(() => this.deps.uow.run(work, { by, tenant: { id: m.tenantId, lock: 'write' } }))) result.groupMembers += 1;
    }
    for (const g of await findExpiredGrants(this.deps.db, limit)) {
      const work = async ({ trx, emit }: Transaction) => {
        const gone = await deleteExpiredGrant(trx, g.workspaceId, g.subject);
        if (gone) emit({ type: 'WorkspaceMemberExpired', tenantId: g.tenantId, workspaceId: g.workspaceId, subject: g.subject, role: gone.role, expiresAt: gone.expiresAt.toISOString() });
        return gone !== undefined;
      };
      if (await this.each(() => this.deps.uow.run(work, { by, tenant: { id: g.tenantId, lock: 'write' } }))) result.grants += 1;
    }
    if (result.tenantMembers + result.groupMembers + result.grants > 0) this.deps.logger.info({ event: 'grants_swept', job: JOB, ...result }, 'expired grants swept');
    return result;
  }

  /** One expiry's change; a tenant deleted meanwhile took the row along, so there is nothing left to sweep. */
  private async each(change: () => Promise<{ value: boolean }>): Promise<boolean> {
    try {
      return (await change()).value;
    } catch (error) {
      if (error instanceof NotFoundError) return false;
      throw error;
    }
  }
}

/**
 * An expired tenant membership's departure, in the caller's transaction under the tenant's member
 * lock: only if the row is still past its end (a re-add may have renewed it), exactly what
 * removeTenantMember takes along, headed by TenantMemberExpired. False when there was nothing to do.
 */
export async function departExpired(tx: Transaction, tenantId: string, userId: string): Promise<boolean> {
  const row = await lockTenantMemberRow(tx.trx, tenantId, userId);
  if (!row?.expired || !row.expiresAt) return false;
  await deleteTenantMember(tx.trx, tenantId, userId);
  tx.emit({ type: 'TenantMemberExpired', tenantId, userId, role: row.role, expiresAt: row.expiresAt.toISOString() });
  await takeAlong(tx, tenantId, userId);
  return true;
}

/** What a tenant membership's end means for the rest of the tenant (TenantMemberService's hooks). */
export const memberExpiryHooks: MemberExpiryHooks = {
  async cap(tx, tenantId, userId, expiresAt) {
    const subject: WorkspaceSubject = { type: 'user', id: userId };
    for (const g of await capUserGrantsInTenant(tx.trx, tenantId, userId, expiresAt)) {
      if (g.trashed) continue;
      tx.emitConsequence({ type: 'WorkspaceMemberExpiryChanged', tenantId, workspaceId: g.workspaceId, subject, role: g.role, expiresAt: g.expiresAt, previousExpiresAt: g.previousExpiresAt });
    }
    for (const m of await capUserGroupMembershipsInTenant(tx.trx, tenantId, userId, expiresAt)) {
      tx.emitConsequence({ type: 'GroupMemberExpiryChanged', tenantId, groupId: m.groupId, userId, role: m.role, expiresAt: m.expiresAt, previousExpiresAt: m.previousExpiresAt });
    }
  },
  async depart(tx: Transaction, member: TenantMember & { expiresAt: Date }) {
    if (!(await departExpired(tx, member.tenantId, member.userId))) throw new ConflictError('The membership changed meanwhile; try again', { reason: 'MEMBERSHIP_CHANGED' });
  },
};
