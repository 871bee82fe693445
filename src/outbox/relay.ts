import { tupleKey, type TupleUpdate } from '../infra/spicedb/relationships.js';
import type { Logger } from '../logger.js';
import { relationshipUpdates } from '../events/event-relationships.js';
import { OUTBOX_PENDING_CHANNEL } from './outbox-channels.js';
import { FailurePolicy, type Outcome } from './relay-failure.js';
import { LeadershipLostError, RelayLeadership } from './relay-leader.js';
import { emptyCounters, type OutboxRelayOptions, type OutboxRelayStats } from './relay-options.js';
import { RelayStore, type PendingRow } from './relay-store.js';
import { Wakeup } from '../shared/wakeup.js';

export { relaySettings, type OutboxRelayOptions, type OutboxRelayStats } from './relay-options.js';

// SpiceDB's default --write-relationships-max-updates-per-call.
const MAX_UPDATES_PER_WRITE = 1000;
// How long to wait for a reconcile that holds the SpiceDB write lock before trying again.
const WRITE_LOCK_RETRY_MS = 250;

/** Consecutive due events whose updates go out in one WriteRelationships call. */
interface Group {
  rows: PendingRow[];
  updates: TupleUpdate[];
}

interface BatchResult {
  processed: number;
  /** The batch was full and nothing blocked it: more may be due right now. */
  more: boolean;
  /** The head event waits for its backoff; everything behind it waits too. */
  headWaitMs: number | null;
}

/**
 * Applies outbox events to SpiceDB in seq (= commit) order as the single leader among all processes
 * (relay-leader.ts). Consecutive due events go out together in one WriteRelationships call when no
 * relationship appears in two of them (then their order cannot matter, and SpiceDB refuses
 * repeats), up to 1,000 updates, and are marked applied together right after: a crash re-applies
 * at most that group, and a leader that lost its session stops after one write. An event that
 * fails in a group is retried alone, so the failure policy judges each event by itself.
 */
export class OutboxRelay {
  private readonly leadership: RelayLeadership;
  private readonly store: RelayStore;
  private readonly logger: Logger;
  private readonly wakeup = new Wakeup();
  private readonly counters = emptyCounters();
  private readonly failures: FailurePolicy;
  private chain: Promise<unknown> = Promise.resolve();
  private loop: Promise<void> | null = null;
  private stopping = false;
  private wasLeader = false;
  private unsubscribe: (() => void)[] = [];
  private duty: (() => Promise<void>) | null = null;
  private dutyRun: Promise<void> | null = null;

  constructor(private readonly options: OutboxRelayOptions) {
    this.leadership = new RelayLeadership(options.connectionString, options.lockKey, () => this.wakeup.signal());
    this.store = new RelayStore(this.leadership);
    this.logger = options.logger.child({ component: 'outbox-relay' });
    this.failures = new FailurePolicy(this.store, options, this.counters, this.logger);
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

  /**
   * A periodic job only the leader runs (the retention purges, src/lifecycle/retention.ts), started
   * after a turn of the loop and never awaited by it: the job's own changes may wait for this very
   * relay. One run at a time; the job decides whether it is due.
   */
  assignLeaderDuty(duty: () => Promise<void>): void {
    this.duty = duty;
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
    await this.dutyRun;
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
        this.startDuty();
        if (batch.more) return 0;
        return batch.headWaitMs === null ? poll : Math.min(poll, batch.headWaitMs);
      });
    } catch (error) {
      await this.exclusive(() => this.dropLeadership(error));
      return poll;
    }
  }

  private startDuty(): void {
    const duty = this.duty;
    if (!duty || this.dutyRun || this.stopping) return;
    this.dutyRun = duty()
      .catch((error: unknown) => this.logger.error({ err: error }, 'leader duty failed'))
      .finally(() => {
        this.dutyRun = null;
      });
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
    const rows = await this.store.lockAndReadPending(this.options.batchSize);
    if (rows === null) return { processed: 0, more: false, headWaitMs: WRITE_LOCK_RETRY_MS };
    try {
      return await this.applyDue(rows);
    } finally {
      await this.store.unlockWrites().catch(() => undefined);
    }
  }

  private async applyDue(rows: PendingRow[]): Promise<BatchResult> {
    const started = Date.now();
    let applied = 0;
    let parked = 0;
    let headWaitMs: number | null = null;
    for (let next = 0; next < rows.length && !this.stopping; ) {
      const head = rows[next];
      if (!head) break;
      if (head.wait_ms > 0) {
        headWaitMs = head.wait_ms;
        break;
      }
      const group = groupFrom(rows, next);
      if (group && group.rows.length > 1 && (await this.applyGroup(group))) {
        applied += group.rows.length;
        next += group.rows.length;
        continue;
      }
      const outcome = await this.apply(head);
      if (outcome === 'applied') applied += 1;
      else if (outcome === 'parked') parked += 1;
      else {
        headWaitMs = outcome.retryInMs;
        break;
      }
      next += 1;
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

  /** One write for the whole group; false when it failed (the caller then applies its events one by one). */
  private async applyGroup(group: Group): Promise<boolean> {
    let zedToken: string | null;
    try {
      this.leadership.assertLeader();
      zedToken = group.updates.length === 0 ? null : await this.options.spicedb.write(group.updates);
    } catch (error) {
      if (error instanceof LeadershipLostError) throw error;
      return false;
    }
    await this.store.markApplied(group.rows.map((r) => r.seq), zedToken);
    this.failures.succeeded();
    this.counters.applied += group.rows.length;
    this.counters.lastAppliedSeq = group.rows[group.rows.length - 1]?.seq ?? this.counters.lastAppliedSeq;
    return true;
  }

  private async apply(row: PendingRow): Promise<Outcome> {
    let zedToken: string | null;
    try {
      const updates = relationshipUpdates(row.event_type, row.payload);
      this.leadership.assertLeader();
      zedToken = updates.length === 0 ? null : await this.options.spicedb.write(updates);
    } catch (error) {
      if (error instanceof LeadershipLostError) throw error;
      return this.failures.handle(row, error);
    }
    await this.store.markApplied([row.seq], zedToken);
    this.failures.succeeded();
    this.counters.applied += 1;
    this.counters.lastAppliedSeq = row.seq;
    return 'applied';
  }

  /** Serialises the loop, drain() and stop() so two batches never run at once in this process. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn, fn);
    this.chain = run.catch(() => undefined);
    return run;
  }
}

/**
 * The longest run of due events from `from` on that can share one write: each translates, no
 * relationship appears twice, at most MAX_UPDATES_PER_WRITE updates. Null when the first one does
 * not translate (apply() then lets the failure policy judge it).
 */
function groupFrom(rows: readonly PendingRow[], from: number): Group | null {
  const group: Group = { rows: [], updates: [] };
  const keys = new Set<string>();
  for (let i = from; i < rows.length; i += 1) {
    const row = rows[i];
    if (!row || row.wait_ms > 0) break;
    let updates: TupleUpdate[];
    try {
      updates = relationshipUpdates(row.event_type, row.payload);
    } catch {
      break;
    }
    const rowKeys = updates.map((u) => tupleKey(u.tuple));
    const fits = group.updates.length + updates.length <= MAX_UPDATES_PER_WRITE && rowKeys.every((k) => !keys.has(k));
    if (group.rows.length > 0 && !fits) break;
    group.rows.push(row);
    group.updates.push(...updates);
    for (const key of rowKeys) keys.add(key);
  }
  return group.rows.length > 0 ? group : null;
}
