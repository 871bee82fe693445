import type pg from 'pg';
import type { PgNotifier } from '../infra/db/pg-notifier.js';
import { OUTBOX_APPLIED_CHANNEL } from './outbox-channels.js';

export type ApplyState = 'applied' | 'pending';

interface Waiter {
  seqs: string[];
  resolve(state: ApplyState): void;
}

const DEFAULT_POLL_MS = 200;

/**
 * Read-your-writes for mutations: waits until the relay — in this process or any other — has
 * applied given outbox events to SpiceDB. All waiters share one status query per wake-up, woken by
 * `iam_outbox_applied` and, in case a notification is lost, by a slow poll while anyone waits.
 */
export class ApplyWaiter {
  private readonly waiters = new Set<Waiter>();
  private readonly unsubscribe: (() => void)[];
  private timer: NodeJS.Timeout | null = null;
  private checking = false;
  private recheck = false;

  constructor(
    private readonly pool: pg.Pool,
    notifier: PgNotifier,
    private readonly pollMs: number = DEFAULT_POLL_MS,
  ) {
    this.unsubscribe = [
      notifier.subscribe(OUTBOX_APPLIED_CHANNEL, () => this.check()),
      notifier.onConnected(() => this.check()),
    ];
  }

  /** 'applied' once every seq is applied; 'pending' on timeout, or at once if one was parked. */
  waitFor(seqs: readonly string[], timeoutMs: number): Promise<ApplyState> {
    if (seqs.length === 0) return Promise.resolve('applied');
    return new Promise<ApplyState>((resolve) => {
      const timeout = setTimeout(() => settle('pending'), timeoutMs);
      const waiter: Waiter = { seqs: [...seqs], resolve: (state) => settle(state) };
      const settle = (state: ApplyState): void => {
        if (!this.waiters.delete(waiter)) return;
        clearTimeout(timeout);
        if (this.waiters.size === 0) this.stopPolling();
        resolve(state);
      };
      this.waiters.add(waiter);
      this.startPolling();
      // Registered before this first look, so an event applied in between still wakes us.
      this.check();
    });
  }

  /** Resolves every open wait as 'pending' and stops listening. */
  close(): void {
    for (const unsubscribe of this.unsubscribe) unsubscribe();
    for (const waiter of [...this.waiters]) waiter.resolve('pending');
    this.stopPolling();
  }

  private startPolling(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.check(), this.pollMs);
    this.timer.unref();
  }

  private stopPolling(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Coalesces: a wake-up during a running check runs exactly one more afterwards. */
  private check(): void {
    if (this.waiters.size === 0) return;
    if (this.checking) {
      this.recheck = true;
      return;
    }
    this.checking = true;
    this.settleWaiters()
      .catch(() => undefined) // the next poll tries again; a timeout bounds every wait
      .finally(() => {
        this.checking = false;
        if (this.recheck) {
          this.recheck = false;
          this.check();
        }
      });
  }

  private async settleWaiters(): Promise<void> {
    const waiters = [...this.waiters];
    const seqs = [...new Set(waiters.flatMap((w) => w.seqs))];
    const result = await this.pool.query<{ seq: string; status: string }>(
      'SELECT seq::text AS seq, status FROM outbox WHERE seq = ANY($1::bigint[])',
      [seqs],
    );
    const status = new Map(result.rows.map((r) => [r.seq, r.status]));
    for (const waiter of waiters) {
      const states = waiter.seqs.map((seq) => status.get(seq));
      if (states.every((s) => s === 'applied')) waiter.resolve('applied');
      // Parked (or replayed) will not be applied by waiting; answer now rather than at the timeout.
      else if (states.some((s) => s === 'parked' || s === 'replayed')) waiter.resolve('pending');
    }
  }
}
