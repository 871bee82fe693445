import type { Db, Tx } from '../infra/db/database.js';
import { mapDatabaseError } from '../infra/db/pg-errors.js';
import type { DomainEvent } from './events.js';
import { appendEvents } from './outbox.repository.js';

export interface ApplyWaiting {
  waitFor(seqs: string[], timeoutMs: number): Promise<'applied' | 'pending'>;
}

export interface Committed<T> {
  value: T;
  /** True when SpiceDB reflected the change before we answered; false: committed, authorization pending. */
  authorizationSynced: boolean;
}

/**
 * Runs a service's work in one transaction, appends the events it emitted to the outbox as the last
 * statement, commits, then waits (bounded) until the relay has applied them to SpiceDB, which gives
 * the caller read-your-writes in its next request to any process.
 */
export class Transactor {
  constructor(
    private readonly db: Db,
    private readonly waiter: ApplyWaiting,
    private readonly waitMs: number,
  ) {}

  async run<T>(work: (trx: Tx, emit: (event: DomainEvent) => void) => Promise<T>): Promise<Committed<T>> {
    const events: DomainEvent[] = [];
    let seqs: string[] = [];
    let value: T;
    try {
      value = await this.db.transaction().execute(async (trx) => {
        const result = await work(trx, (event) => events.push(event));
        seqs = await appendEvents(trx, events);
        return result;
      });
    } catch (error) {
      throw mapDatabaseError(error);
    }
    if (seqs.length === 0) return { value, authorizationSynced: true };
    const outcome = await this.waiter.waitFor(seqs, this.waitMs);
    return { value, authorizationSynced: outcome === 'applied' };
  }
}
