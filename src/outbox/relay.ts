import type { Config } from '../config.js';
import type { SpiceDb } from '../infra/spicedb/spicedb.js';
import { SpiceDbError } from '../infra/spicedb/spicedb-errors.js';
import type { Logger } from '../logger.js';
import { backoffDelay, type BackoffPolicy } from './backoff.js';
import { eventUpdates } from './event-updates.js';
import { OUTBOX_PENDING_CHANNEL, type PgNotifier } from './pg-notifier.js';
import { LeadershipLostError, RelayLeadership } from './relay-leader.js';
import { RelayStore, type PendingRow } from './relay-store.js';
import { Wakeup } from './wakeup.js';

export interface OutboxRelayOptions {
  connectionString: string;
  spicedb: Pick<SpiceDb, 'write'>;
  notifier: PgNotifier;
  logger: Logger;
  pollIntervalMs: number;
  batchSize: number;
  maxAttempts: number;
  backoff: BackoffPolicy;
  lockKey?: number;
  random?: () => number;
}

export function relaySettings(config: Config): Pick<OutboxRelayOptions, 'pollIntervalMs' | 'batchSize' | 'maxAttempts' | 'backoff'> {
  return {
    pollIntervalMs: config.OUTBOX_POLL_INTERVAL_MS,
    batchSize: config.OUTBOX_BATCH_SIZE,
    maxAttempts: config.OUTBOX_MAX_ATTEMPTS,
    backoff: { baseMs: config.OUTBOX_BACKOFF_BASE_MS, maxMs: config.OUTBOX_BACKOFF_MAX_MS },
  };
}

/** Counters for /metrics; the relay itself stays free of prom-client. */
export interface OutboxRelayStats {
  leader: boolean;
  leadershipsAcquired: number;
  batches: number;
  applied: number;
  parked: number;
  retriesScheduled: number;
  transientFailures: number;
  permanentFailures: number;
  lastAppliedSeq: string | null;
}

type Outcome = 'applied' | 'parked' | { retryInMs: number };
interface BatchResult {
  processed: number;
  /** The batch was full and nothing blocked it: more may be due right now. */
  more: boolean;
  /** The head event waits for its backoff; everything behind it waits too. */
  headWaitMs: number | null;
}

/**
 * Applies outbox events to SpiceDB in seq (= commit) order, one WriteRelationships per event, as
 * the single leader among all processes (relay-leader.ts). Each event is marked applied right after
 * its write rather than once per batch: a crash then re-applies at most one event, waiters see
 * each event as soon as it lands, and a leader that lost its session stops after one write.
 */
export class OutboxRelay {
  private readonly leadership: RelayLeadership;
  private readonly store: RelayStore;
  private readonly logger: Logger;
  private readonly wakeup = new Wakeup();
  private readonly counters: Omit<OutboxRelayStats, 'leader'> = {
    leadershipsAcquired: 0,
    batches: 0,
    applied: 0,
    parked: 0,
    retriesScheduled: 0,
    transientFailures: 0,
    permanentFailures: 0,
    lastAppliedSeq: null,
  };
  private chain: Promise<unknown> = Promise.resolve();
  private loop: Promise<void> | null = null;
  private stopping = false;
  private wasLeader = false;
  private transientStreak = { seq: '', count: 0 };
  private unsubscribe: (() => void)[] = [];

  constructor(private readonly options: OutboxRelayOptions) {
    this.leadership = new RelayLeadership(options.connectionString, options.lockKey, () => this.wakeup.signal());
    this.store = new RelayStore(this.leadership);
    this.logger = options.logger.child({ component: 'outbox-relay' });
  }

  get isLeader(): boolean {
    return this.leadership.isLeader;
  }

  get backendPid(): number | null {
    return this.leadership.backendPid;
  }

  stats(): OutboxRelayStats {
    return { ...this.counters, leader: this.leadership.isLeader };
  }

  start(): void {
    if (this.loop) return;
    this.stopping = false;
    this.unsubscribe = [
      // Followers ignore it: they only retry leadership once per poll interval.
      this.options.notifier.subscribe(OUTBOX_PENDING_CHANNEL, () => this.leadership.isLeader && this.wakeup.signal()),
      this.options.notifier.onConnected(() => this.wakeup.signal()),
    ];
    this.loop = this.run();
  }

  /** Lets the event in flight finish (each applied event is already marked), then gives up leadership. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wakeup.signal();
    await this.loop;
    this.loop = null;
    for (const unsubscribe of this.unsubscribe.splice(0)) unsubscribe();
    await this.exclusive(async () => {
      if (this.leadership.isLeader) this.logger.info('outbox relay leadership released');
      this.wasLeader = false;
      await this.leadership.release();
    });
  }

  /** For tests and tools: becomes leader if it can, processes until nothing is due, returns how many events it settled. */
  drain(): Promise<number> {
    return this.exclusive(async () => {
      if (!(await this.ensureLeader())) throw new Error('another process leads the outbox relay');
      let total = 0;
      for (;;) {
        const batch = await this.runBatch();
        total += batch.processed;
        if (batch.headWaitMs !== null || (!batch.more && batch.processed === 0)) return total;
      }
    });
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      const waitMs = await this.step();
      if (!this.stopping && waitMs > 0) await this.wakeup.sleep(waitMs);
    }
  }

  /** One turn of the loop; returns how long to sleep before the next. */
  private async step(): Promise<number> {
    const poll = this.options.pollIntervalMs;
    try {
      return await this.exclusive(async () => {
        if (!(await this.ensureLeader())) return poll;
        const batch = await this.runBatch();
        if (batch.more) return 0;
        return batch.headWaitMs === null ? poll : Math.min(poll, batch.headWaitMs);
      });
    } catch (error) {
      await this.exclusive(() => this.dropLeadership(error));
      return poll;
    }
  }

  private async ensureLeader(): Promise<boolean> {
    if (this.leadership.isLeader) return true;
    if (this.wasLeader) {
      // Lost while idle: wait a poll interval like a follower, so a healthier process can take over.
      await this.dropLeadership(new LeadershipLostError('outbox relay connection lost'));
      return false;
    }
    if (!(await this.leadership.tryAcquire())) return false;
    this.wasLeader = true;
    this.counters.leadershipsAcquired += 1;
    this.logger.info({ backendPid: this.leadership.backendPid }, 'outbox relay leadership acquired');
    return true;
  }

  private async dropLeadership(error: unknown): Promise<void> {
    if (this.wasLeader) this.logger.warn({ err: error }, 'outbox relay leadership lost');
    else this.logger.warn({ err: error }, 'outbox relay cannot try for leadership');
    this.wasLeader = false;
    await this.leadership.release();
  }

  private async runBatch(): Promise<BatchResult> {
    const started = Date.now();
    const rows = await this.store.pending(this.options.batchSize);
    let applied = 0;
    let parked = 0;
    let headWaitMs: number | null = null;
    for (const row of rows) {
      if (this.stopping) break;
      if (row.wait_ms > 0) {
        headWaitMs = row.wait_ms;
        break;
      }
      const outcome = await this.apply(row);
      if (outcome === 'applied') applied += 1;
      else if (outcome === 'parked') parked += 1;
      else {
        headWaitMs = outcome.retryInMs;
        break;
      }
    }
    const processed = applied + parked;
    if (processed > 0) {
      this.counters.batches += 1;
      this.logger.debug(
        { applied, parked, fromSeq: rows[0]?.seq, toSeq: rows[processed - 1]?.seq, durationMs: Date.now() - started },
        'outbox batch applied',
      );
    }
    const more = !this.stopping && headWaitMs === null && rows.length === this.options.batchSize;
    return { processed, more, headWaitMs };
  }

  private async apply(row: PendingRow): Promise<Outcome> {
    let zedToken: string | null;
    try {
      const updates = eventUpdates(row.event_type, row.payload);
      this.leadership.assertLeader();
      zedToken = updates.length === 0 ? null : await this.options.spicedb.write(updates);
    } catch (error) {
      if (error instanceof LeadershipLostError) throw error;
      return this.fail(row, error);
    }
    await this.store.markApplied(row.seq, zedToken);
    this.counters.applied += 1;
    this.counters.lastAppliedSeq = row.seq;
    return 'applied';
  }

  private async fail(row: PendingRow, error: unknown): Promise<Outcome> {
    const message = error instanceof Error ? error.message : String(error);
    const context = { seq: row.seq, eventType: row.event_type, tenantId: row.tenant_id, err: error };
    if (error instanceof SpiceDbError && error.transient) {
      // SpiceDB down or overloaded: retry forever; parking here would drop good events.
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

  /** Serialises the loop, drain() and stop() so two batches never run at once in this process. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn, fn);
    this.chain = run.catch(() => undefined);
    return run;
  }
}
