import { sql } from 'kysely';
import type { UnitOfWork } from '../changes/unit-of-work.js';
import { systemActor } from '../events/actor.js';
import { purgeClosedInvitations } from '../invitations/invitation.repository.js';
import type { Logger } from '../logger.js';

export interface RetentionDeps {
  uow: UnitOfWork;
  /** AUDIT_RETENTION_DAYS. */
  auditRetentionDays: number;
  /**
   * How long a closed invitation (accepted, declined, revoked, lapsed) stays listed: default 90
   * days, never longer than the audit retention (the address is not kept past the audit log's record).
   */
  invitationRetentionDays?: number;
  /** The workspace trash's purge (workspace-trash.ts), given the clock's now; returns how many it purged. */
  purgeTrash?: (before: Date) => Promise<number>;
  /** Injectable, so tests can step a day forward. */
  clock?: () => Date;
  logger: Logger;
}

const DAY_MS = 24 * 60 * 60 * 1000;
/** How often a leader asks whether the daily run is due: the question costs a statement. */
const CHECK_EVERY_MS = 60_000;
const JOB = 'retention';

export const DEFAULT_INVITATION_RETENTION_DAYS = 90;

export interface RetentionRun {
  auditEntriesRemoved: number;
  invitationsPurged: number;
  workspacesPurged: number;
}

/**
 * The retention purges, run by the relay leader at most daily (whichever process leads: the last
 * run is kept in maintenance_runs and claimed in one statement, by the injected clock): audit
 * entries older than AUDIT_RETENTION_DAYS through purge_audit_log(), the one deletion the table
 * allows, with a SYSTEM entry saying how many it removed; the closed invitations, likewise; then
 * the workspace trash.
 */
export class Retention {
  private checkedAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly deps: RetentionDeps) {}

  private now(): Date {
    return this.deps.clock?.() ?? new Date();
  }

  /** The relay leader's duty: asks at most once a minute, runs at most once a day. */
  async duty(): Promise<void> {
    const now = this.now();
    if (now.getTime() - this.checkedAt < CHECK_EVERY_MS) return;
    this.checkedAt = now.getTime();
    await this.runIfDue();
  }

  /** Runs the purges if none ran in the last day (by the clock); null when not due. */
  async runIfDue(): Promise<RetentionRun | null> {
    const now = this.now();
    const purged = await this.claimAndPurge(now);
    if (purged === null) return null;
    const workspacesPurged = this.deps.purgeTrash ? await this.deps.purgeTrash(now) : 0;
    return { ...purged, workspacesPurged };
  }

  /**
   * The day's claim, the audit purge and the invitations' in one transaction: a purge that fails
   * leaves the day unclaimed, so the next check tries again. Null when another run had the day.
   */
  private async claimAndPurge(now: Date): Promise<{ auditEntriesRemoved: number; invitationsPurged: number } | null> {
    const before = new Date(now.getTime() - this.deps.auditRetentionDays * DAY_MS);
    const invitationDays = Math.min(this.deps.invitationRetentionDays ?? DEFAULT_INVITATION_RETENTION_DAYS, this.deps.auditRetentionDays);
    const invitationsBefore = new Date(now.getTime() - invitationDays * DAY_MS);
    const { value } = await this.deps.uow.run(
      async ({ trx, emit }) => {
        const claimed = await sql<{ job: string }>`
          INSERT INTO maintenance_runs (job, last_run_at) VALUES (${JOB}, ${now})
          ON CONFLICT (job) DO UPDATE SET last_run_at = EXCLUDED.last_run_at
          WHERE maintenance_runs.last_run_at <= ${new Date(now.getTime() - DAY_MS)}
          RETURNING job`.execute(trx);
        if (claimed.rows.length === 0) return null;
        const result = await sql<{ removed: string }>`SELECT purge_audit_log(${before}) AS removed`.execute(trx);
        const removed = Number(result.rows[0]?.removed ?? 0);
        emit({ type: 'AuditLogPurged', tenantId: null, removed, before: before.toISOString() });
        const invitationsPurged = await purgeClosedInvitations(trx, invitationsBefore);
        if (invitationsPurged > 0) emit({ type: 'InvitationsPurged', tenantId: null, removed: invitationsPurged, before: invitationsBefore.toISOString() });
        return { auditEntriesRemoved: removed, invitationsPurged };
      },
      { by: { actor: systemActor('retention') } },
    );
    return value;
  }
}
