import { SpiceDbError } from '../infra/spicedb/spicedb-errors.js';
import type { Logger } from '../logger.js';
import { backoffDelay, type BackoffPolicy } from '../shared/backoff.js';
import type { RelayCounters } from './relay-options.js';
import type { PendingRow, RelayStore } from './relay-store.js';

export type Outcome = 'applied' | 'parked' | { retryInMs: number };

/**
 * What to do when the head event fails. SpiceDB being unreachable is retried forever and never
 * counted against the event; a failure of the event itself is counted, backed off, and parked
 * after `maxAttempts` so one poisoned event cannot stall everything behind it.
 */
export class FailurePolicy {
  // In memory only: a new leader starts the transient backoff over, which is harmless.
  private transientStreak = { seq: '', count: 0 };

  constructor(
    private readonly store: RelayStore,
    private readonly options: { maxAttempts: number; backoff: BackoffPolicy; random?: () => number },
    private readonly counters: RelayCounters,
    private readonly logger: Logger,
  ) {}

  async handle(row: PendingRow, error: unknown): Promise<Outcome> {
    const message = error instanceof Error ? error.message : String(error);
    const context = { seq: row.seq, eventType: row.event_type, tenantId: row.tenant_id, err: error };
    if (error instanceof SpiceDbError && error.transient) {
      const streak = this.transientStreak.seq === row.seq ? this.transientStreak.count + 1 : 1;
      this.transientStreak = { seq: row.seq, count: streak };
      const delayMs = backoffDelay(streak, this.options.backoff, this.options.random);
      await this.store.scheduleRetry(row.seq, delayMs, message);
      this.counters.transientFailures += 1;
      this.counters.retriesScheduled += 1;
      this.logger.warn({ ...context, attempts: streak, delayMs, transient: true }, 'SpiceDB unavailable; outbox retry scheduled');
      return { retryInMs: delayMs };
    }
    const attempts = row.attempts + 1;
    this.counters.permanentFailures += 1;
    if (attempts >= this.options.maxAttempts) {
      await this.store.park(row.seq, attempts, message);
      this.counters.parked += 1;
      this.logger.error({ ...context, attempts }, 'outbox event parked; later events continue (see docs/outbox.md to replay)');
      return 'parked';
    }
    const delayMs = backoffDelay(attempts, this.options.backoff, this.options.random);
    await this.store.scheduleRetry(row.seq, delayMs, message, attempts);
    this.counters.retriesScheduled += 1;
    this.logger.warn({ ...context, attempts, delayMs, transient: false }, 'outbox event failed; retry scheduled');
    return { retryInMs: delayMs };
  }

  /** The head moved on (applied): the next transient failure starts from the first delay again. */
  succeeded(): void {
    this.transientStreak = { seq: '', count: 0 };
  }
}
