import type { Committed, Transaction, UnitOfWork } from '../changes/unit-of-work.js';
import type { TenantRole } from '../events/roles.js';
import type { Db } from '../infra/db/database.js';
import type { Caller } from '../request/caller.js';
import { BadInputError, ConflictError, ForbiddenError, NotFoundError } from '../shared/errors.js';
import { checkExpiry, DEFAULT_MAX_GRANT_DAYS, isoOrNull, type ExpiryInput } from '../shared/expiry.js';
import { requireId, requireOneOf } from '../shared/input.js';
import { nameFilterKey } from '../shared/names.js';
import { pageRequest, toPage, type Page, type PageArgs } from '../shared/pagination.js';
import { requireEmail } from '../users/email-address.js';
import { userLoaders } from '../users/user.loaders.js';
import { findUserIdsByEmailKey, findUsersByIds } from '../users/user.repository.js';
import { tenantMemberLoaders } from './tenant-member.loaders.js';
import {
  countTenantAdmins,
  countTenantMembers,
  insertTenantMember,
  lockTenantMember,
  lockTenantMemberRow,
  updateTenantMember,
  updateTenantMemberRole,
  type ListedTenantMember,
} from './tenant-member.repository.js';
import type { TenantService } from './tenant.service.js';
import type { Tenant, TenantMember } from './tenant.js';

export interface TenantMemberServiceDeps {
  db: Db;
  uow: UnitOfWork;
  tenants: TenantService;
  /**
   * MEMBERSHIP_REQUIRES_ACCEPTANCE: nobody becomes a member without accepting an invitation, so
   * addTenantMember is refused (INVITATION_REQUIRED). Creating a tenant still makes its creator admin.
   */
  membershipRequiresAcceptance?: boolean;
  /** MAX_GRANT_DAYS: how far ahead an `expiresAt` may lie. */
  maxGrantDays?: number;
  /** What a membership's end means for the rest of the tenant (src/lifecycle/grant-expiry.ts, a workflow across slices). */
  memberExpiry?: MemberExpiryHooks;
}

export interface MemberExpiryHooks {
  /** Caps the member's workspace grants and group memberships in the tenant to the membership's new end. */
  cap(tx: Transaction, tenantId: string, userId: string, expiresAt: Date): Promise<void>;
  /** The departure an expired membership (not yet swept) owes before its user is added again. */
  depart(tx: Transaction, member: TenantMember & { expiresAt: Date }): Promise<void>;
}

export const lastTenantAdmin = () => new ConflictError('A tenant keeps at least one admin: make someone else admin first', { reason: 'LAST_TENANT_ADMIN' });
export const notATenantMember = () => new BadInputError('userId', 'The user is not a member of this tenant', 'NOT_A_TENANT_MEMBER');
/** An ADMIN with an end (addTenantMember's expiresAt, an invitation's membershipExpiresAt). */
export const expiryNotAllowed = (field = 'expiresAt') => new BadInputError(field, 'A tenant ADMIN never expires: only a MEMBER’s membership may end', 'EXPIRY_NOT_ALLOWED');
const alreadyMember = () => new ConflictError('The user already is a member of this tenant', { reason: 'ALREADY_MEMBER' });

/**
 * A tenant's members. Every change takes the tenant's member lock first (the unit of work's `members` tenant lock),
 * so "a tenant always has an admin" is decided on a count no concurrent change can alter: two
 * admins removing each other at the same moment leave exactly one. Removing a member takes
 * everything they hold along: src/lifecycle/tenant-departure.ts.
 */
export class TenantMemberService {
  constructor(private readonly deps: TenantMemberServiceDeps) {}

  /** The caller's role in a tenant they can see; null when they are not a member. */
  async viewerRole(caller: Caller, tenant: Tenant): Promise<TenantRole | null> {
    return caller.state(tenantMemberLoaders).viewerRole.load(tenant.id);
  }

  /** Members of a tenant the caller may view, by username; none otherwise. */
  async list(caller: Caller, tenant: Tenant, args: PageArgs & { search?: string | null }): Promise<Page<ListedTenantMember>> {
    const page = pageRequest(args.first, args.after);
    const searchKey = nameFilterKey('search', args.search);
    const [rows, visible] = await Promise.all([
      caller.state(tenantMemberLoaders).tenantMembers.load(tenant.id, { page, searchKey }),
      this.deps.tenants.find(caller, tenant.id),
    ]);
    if (!visible) return { items: [], hasNextPage: false, count: () => Promise.resolve(0) };
    const users = caller.state(userLoaders).byId;
    for (const row of rows) users.prime(row.user.id, row.user);
    return { ...toPage(rows, page.first), count: async () => countTenantMembers(await caller.reads(), tenant.id, searchKey) };
  }

  /**
   * Adds a user, found by id or by email, to the tenant; a MEMBER until `expiresAt` if given (an
   * ADMIN never expires). For a member with the same role, a given `expiresAt` (or null) replaces
   * the end and caps their grants and group memberships to it; otherwise a second add is
   * ALREADY_MEMBER. Needs `administrate`.
   */
  async add(
    caller: Caller,
    input: { tenantId: string; userId?: string | null; email?: string | null; role: TenantRole; expiresAt?: ExpiryInput },
  ): Promise<Committed<TenantMember>> {
    const tenantId = requireId('tenantId', input.tenantId);
    const by = requireOneOf(['userId', input.userId], ['email', input.email]);
    const userId = by === 'first' ? requireId('userId', input.userId ?? '') : undefined;
    const emailKey = by === 'second' ? requireEmail('email', input.email ?? '').key : undefined;
    if (input.role === 'admin' && input.expiresAt) throw expiryNotAllowed();
    const requested = checkExpiry('expiresAt', input.expiresAt, this.deps.maxGrantDays ?? DEFAULT_MAX_GRANT_DAYS);
    await this.deps.tenants.authorize(caller, tenantId, 'administrate');
    // After the permission, before any lookup: nobody learns whether an address or id is known here.
    if (this.deps.membershipRequiresAcceptance) {
      throw new ForbiddenError('Members join by accepting an invitation on this server: use inviteTenantMember', { reason: 'INVITATION_REQUIRED' });
    }
    const targetId = userId ? await this.existingUser(userId) : await this.userWithEmail(emailKey ?? '');
    return this.deps.uow.run(
      async (tx) => {
        const current = await lockTenantMemberRow(tx.trx, tenantId, targetId);
        if (current && !current.expired) {
          if (requested === undefined || current.role !== input.role) throw alreadyMember();
          return this.changeExpiry(tx, current, requested);
        }
        // Past its end but not yet swept: the departure it owes comes first, then a new membership.
        if (current?.expiresAt && this.deps.memberExpiry) await this.deps.memberExpiry.depart(tx, { ...current, expiresAt: current.expiresAt });
        return this.insertMember(tx, tenantId, targetId, input.role, requested ?? null);
      },
      { by: caller, tenant: { id: tenantId, lock: 'members' } },
    );
  }

  /**
   * A member's new end: the row, its relationship, and every grant and group membership capped to it.
   * The row was locked FOR UPDATE (lockTenantMemberRow), which waits for every grant or join holding
   * it FOR KEY SHARE, and makes those that come later wait and then read the new end: none escapes the cap.
   */
  private async changeExpiry(tx: Transaction, current: TenantMember, expiresAt: Date | null): Promise<TenantMember> {
    if (isoOrNull(current.expiresAt) === isoOrNull(expiresAt)) return current;
    const member = await updateTenantMember(tx.trx, current.tenantId, current.userId, { role: current.role, expiresAt });
    tx.emit({ type: 'TenantMemberExpiryChanged', tenantId: current.tenantId, userId: current.userId, role: current.role, expiresAt: isoOrNull(expiresAt), previousExpiresAt: isoOrNull(current.expiresAt) });
    if (expiresAt) await this.deps.memberExpiry?.cap(tx, current.tenantId, current.userId, expiresAt);
    return member;
  }

  /**
   * A user joining in the caller's transaction (tenant held with `members`), as an accepted
   * invitation does: a live membership is kept as it is (its role and end unchanged); an expired
   * one not yet swept departs first, exactly as the sweeper would, then the new membership is made.
   */
  async joinInTransaction(tx: Transaction, tenantId: string, userId: string, role: TenantRole, expiresAt: Date | null = null): Promise<{ member: TenantMember; alreadyMember: boolean }> {
    const current = await lockTenantMemberRow(tx.trx, tenantId, userId);
    if (current && !current.expired) return { member: current, alreadyMember: true };
    if (current?.expiresAt && this.deps.memberExpiry) await this.deps.memberExpiry.depart(tx, { ...current, expiresAt: current.expiresAt });
    return { member: await this.insertMember(tx, tenantId, userId, role, expiresAt), alreadyMember: false };
  }

  /**
   * Makes a user admin of the tenant, and nothing more: the tenant role alone gives power over the
   * whole tree (`manage = … + tenant->administrate`), so a demotion or a removal takes all of it
   * away. A root grant written beside it would outlive the role (migration 0006 removed those).
   */
  insertAdmin(tx: Transaction, tenantId: string, userId: string): Promise<TenantMember> {
    return this.insertMember(tx, tenantId, userId, 'admin');
  }

  /** Needs `administrate`; the last admin cannot be demoted. */
  async changeRole(caller: Caller, input: { tenantId: string; userId: string; role: TenantRole }): Promise<Committed<TenantMember>> {
    const tenantId = requireId('tenantId', input.tenantId);
    const userId = requireId('userId', input.userId);
    await this.deps.tenants.authorize(caller, tenantId, 'administrate');
    return this.deps.uow.run(
      async ({ trx, emit }) => {
        const current = await lockTenantMember(trx, tenantId, userId);
        if (!current) throw notATenantMember();
        if (current.role === input.role) return current;
        // An ADMIN never expires, so an expiring MEMBER is not promoted: remove the end first (addTenantMember with expiresAt null).
        if (input.role === 'admin' && current.expiresAt) throw expiryNotAllowed();
        if (current.role === 'admin' && (await countTenantAdmins(trx, tenantId)) <= 1) throw lastTenantAdmin();
        emit({ type: 'TenantMemberRoleChanged', tenantId, userId, role: input.role, previousRole: current.role });
        return updateTenantMemberRole(trx, tenantId, userId, input.role);
      },
      { by: caller, tenant: { id: tenantId, lock: 'members' } },
    );
  }

  /**
   * The one insert of a tenant membership, in the caller's transaction with the tenant's `members`
   * lock held (addTenantMember, a new tenant's admin, an accepted invitation); ALREADY_MEMBER when it
   * exists. An expired membership not yet swept must have departed first (addTenantMember does).
   */
  async insertMember({ trx, emit }: Transaction, tenantId: string, userId: string, role: TenantRole, expiresAt: Date | null = null): Promise<TenantMember> {
    if (role === 'admin' && expiresAt) throw expiryNotAllowed();
    const member = await insertTenantMember(trx, tenantId, userId, role, expiresAt);
    if (!member) throw alreadyMember();
    emit({ type: 'TenantMemberAdded', tenantId, userId, role, ...(expiresAt ? { expiresAt: expiresAt.toISOString() } : {}) });
    return member;
  }

  private async existingUser(userId: string): Promise<string> {
    if (!(await findUsersByIds(this.deps.db, [userId])).has(userId)) throw userNotFound('userId');
    return userId;
  }

  /** Among users who have signed in, compared as user-keys.ts folds emails; two matches are ambiguous. */
  private async userWithEmail(emailKey: string): Promise<string> {
    const ids = await findUserIdsByEmailKey(this.deps.db, emailKey, 2);
    if (ids.length > 1) throw new ConflictError('Several users have this email; add the user by id', { reason: 'AMBIGUOUS_EMAIL' });
    const [id] = ids;
    if (!id) throw userNotFound('email');
    return id;
  }
}

function userNotFound(field: string): NotFoundError {
  return new NotFoundError('No user with this id or email has signed in', { reason: 'USER_NOT_FOUND', extensions: { field } });
}
