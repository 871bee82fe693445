import { sql } from 'kysely';
import type { DomainEvent } from '../../events/domain-events.js';
import type { Db, Tx } from './database.js';
import { mapDatabaseError } from './pg-errors.js';

/** What a service's work gets inside the transaction: the transaction, and where to put its events. */
export interface Transaction {
  trx: Tx;
  emit(event: DomainEvent): void;
}

/** The outbox as the unit of work needs it (src/outbox implements it). */
export interface OutboxPort {
  /** Appends as the transaction's last statement; returns the assigned seqs. */
  append(trx: Tx, events: readonly DomainEvent[]): Promise<string[]>;
  /** 'applied' once SpiceDB reflects every seq; 'pending' after `timeoutMs`. */
  waitApplied(seqs: readonly string[], timeoutMs: number): Promise<'applied' | 'pending'>;
}

/** Whoever a change is made for; told after the commit so their request stops serving older reads. */
export interface WriteObserver {
  wrote(): void;
}

export interface Committed<T> {
  value: T;
  /** True when SpiceDB reflected the change before we answered; false: committed, authorization pending. */
  authorizationSynced: boolean;
}

export interface RunOptions {
  /** The caller the change is made for: their request's caches and freshness are reset after commit. */
  for?: WriteObserver;
  /** A transaction-level advisory lock taken first (ADVISORY_LOCKS), to serialise check-then-create. */
  lock?: number;
}

/**
 * The one way anything is written: the work and its domain events in one transaction (events
 * appended to the outbox as the last statement), database constraint violations mapped to stable
 * errors, then a bounded wait until the relay has applied the events to SpiceDB, which gives the
 * caller read-your-writes in its next request to any process.
 */
export class UnitOfWork {
  constructor(
    private readonly db: Db,
    private readonly outbox: OutboxPort,
    private readonly waitMs: number,
  ) {}

  async run<T>(work: (tx: Transaction) => Promise<T>, options: RunOptions = {}): Promise<Committed<T>> {
    const events: DomainEvent[] = [];
    let seqs: string[] = [];
    let value: T;
    try {
      value = await this.db.transaction().execute(async (trx) => {
        if (options.lock !== undefined) await sql`SELECT pg_advisory_xact_lock(${options.lock})`.execute(trx);
        const result = await work({ trx, emit: (event) => void events.push(event) });
        seqs = await this.outbox.append(trx, events);
        return result;
      });
    } catch (error) {
      throw mapDatabaseError(error);
    }
    options.for?.wrote();
    if (seqs.length === 0) return { value, authorizationSynced: true };
    const outcome = await this.outbox.waitApplied(seqs, this.waitMs);
    return { value, authorizationSynced: outcome === 'applied' };
  }
}
