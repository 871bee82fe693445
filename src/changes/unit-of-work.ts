import { sql } from 'kysely';
import type { Actor } from '../events/actor.js';
import { isSynced, type DomainEvent } from '../events/domain-events.js';
import type { Db, Tx } from '../infra/db/database.js';
import { mapDatabaseError } from '../infra/db/pg-errors.js';
import type { Logger } from '../logger.js';
import { NotFoundError } from '../shared/errors.js';
import { countWrite } from '../shared/request-counters.js';
import { writeChangeEntries } from './audit-writer.js';
import { logChange, type RecordedEvent } from './change-log.js';

/** What a change's work gets inside the transaction: the transaction, who makes the change, and where its events go. */
export interface Transaction {
  trx: Tx;
  actor: Actor;
  /** Records an event the change makes (the first one heads its log line). */
  emit(event: DomainEvent): void;
  /** Records an event the change causes: what a removal or deletion took along (a grant, a membership, a key). */
  emitConsequence(event: DomainEvent): void;
}

/** The outbox as the unit of work needs it (src/outbox implements it). */
export interface OutboxPort {
  /** Appends as the transaction's last statement; returns the assigned seqs. */
  append(trx: Tx, events: readonly DomainEvent[]): Promise<string[]>;
  /** 'applied' once SpiceDB reflects every seq; 'pending' after `timeoutMs`. */
  waitApplied(seqs: readonly string[], timeoutMs: number): Promise<'applied' | 'pending'>;
}

/** Whoever a change is made by: its actor, and, for a request, what to refresh once it committed. */
export interface Author {
  readonly actor: Actor;
  /** Told after the commit so the request stops serving older reads (Caller). */
  wrote?(): void;
}

export interface Committed<T> {
  value: T;
  /** True when SpiceDB reflected the change before we answered; false: committed, authorization pending. */
  authorizationSynced: boolean;
}

/**
 * How a change holds its tenant's row, the first lock it takes. Every change inside a tenant takes
 * one, so the locks of a tenant are always taken in one order (tenant, then group or workspace, then
 * memberships) and never deadlock: `write` (FOR KEY SHARE) lets writers run side by side; `members`
 * (FOR NO KEY UPDATE) serialises member changes, which decide the last-admin rule on a count; `delete`
 * (FOR UPDATE) waits for every change in flight and keeps new ones out, so a deletion sees and
 * removes everything they wrote (docs/architecture.md, "Lock order").
 */
export type TenantLock = 'write' | 'members' | 'delete';

const TENANT_LOCK_CLAUSE: Record<TenantLock, string> = { write: 'FOR KEY SHARE', members: 'FOR NO KEY UPDATE', delete: 'FOR UPDATE' };

export interface RunOptions {
  /** Who makes the change: every write has an actor. */
  by: Author;
  /** A transaction-level advisory lock taken first (ADVISORY_LOCKS), to serialise check-then-create. */
  lock?: number;
  /** The tenant the change is made in, locked first; NOT_FOUND when it is gone (a deletion won). */
  tenant?: { id: string; lock: TenantLock };
}

/**
 * The one way anything is written: a change by an actor, its work, its audit entries (one per
 * event and per consequence, audit-writer.ts) and its domain events in one transaction (events
 * appended to the outbox as the last statement), database constraint
 * violations mapped to stable errors; after the commit the author's request is refreshed, the
 * change's one log line written (change-log.ts), then a bounded wait until the relay has applied the
 * events to SpiceDB, which gives the caller read-your-writes in its next request to any process.
 */
export class UnitOfWork {
  constructor(
    private readonly db: Db,
    private readonly outbox: OutboxPort,
    private readonly waitMs: number,
    private readonly logger: Logger,
  ) {}

  async run<T>(work: (tx: Transaction) => Promise<T>, options: RunOptions): Promise<Committed<T>> {
    const { actor } = options.by;
    const recorded: RecordedEvent[] = [];
    let seqs: string[] = [];
    let value: T;
    // Where a mutation's time goes, on its request's log line (issue 21): measured, not guessed.
    const began = performance.now();
    let appendMs = 0;
    try {
      value = await this.db.transaction().execute(async (trx) => {
        if (options.lock !== undefined) await sql`SELECT pg_advisory_xact_lock(${options.lock})`.execute(trx);
        if (options.tenant) await lockTenant(trx, options.tenant.id, options.tenant.lock);
        const result = await work({
          trx,
          actor,
          emit: (event) => void recorded.push({ event, consequence: false }),
          emitConsequence: (event) => void recorded.push({ event, consequence: true }),
        });
        // The audit entries in the same transaction: a change without its entries cannot commit.
        await writeChangeEntries(trx, actor, recorded);
        const appending = performance.now();
        seqs = await this.outbox.append(trx, recorded.map((r) => r.event).filter(isSynced));
        appendMs = performance.now() - appending;
        return result;
      });
    } catch (error) {
      throw mapDatabaseError(error);
    }
    const committed = performance.now();
    options.by.wrote?.();
    logChange(this.logger, actor, recorded);
    if (seqs.length === 0) {
      countWrite({ transactionMs: committed - began, appendMs, syncWaitMs: 0 });
      return { value, authorizationSynced: true };
    }
    const outcome = await this.outbox.waitApplied(seqs, this.waitMs);
    countWrite({ transactionMs: committed - began, appendMs, syncWaitMs: performance.now() - committed });
    return { value, authorizationSynced: outcome === 'applied' };
  }
}

async function lockTenant(trx: Tx, tenantId: string, lock: TenantLock): Promise<void> {
  const found = await sql`SELECT id FROM tenants WHERE id = ${tenantId} ${sql.raw(TENANT_LOCK_CLAUSE[lock])}`.execute(trx);
  if (found.rows.length === 0) throw new NotFoundError('Tenant not found');
}
