import type { AnswerGeneration } from '../authz/answer-cache.js';
import type { Db } from '../infra/db/database.js';
import { readFreshness, replicaCaughtUp, type FreshnessState } from '../infra/db/read-routing.js';

/**
 * How fresh one request's reads and checks must be, and the one place that knows it:
 * - the ZedToken every permission check is at least as fresh as, read once per request;
 * - where rows are read: the replica only if it has replayed past the primary's position at that
 *   moment, else the primary.
 * After the request's own write (`wrote()`), the token is read again and reads go to the primary,
 * so the rest of the request sees the change.
 */
export class RequestFreshness {
  private state: Promise<FreshnessState> | undefined;
  private routed: Promise<Db> | undefined;
  private writtenHere = false;

  constructor(
    private readonly primary: Db,
    private readonly replica: Db,
    /** Read together with the caller's API key (authenticate.ts), saving a statement. */
    prefetched?: FreshnessState,
  ) {
    if (prefetched) this.state = Promise.resolve(prefetched);
  }

  /** The ZedToken checks must be at least as fresh as; null before anything was ever applied. */
  async token(): Promise<string | null> {
    return (await this.current()).zedToken;
  }

  /** The token with its place in the order of applied events; null when there is no token. */
  async generation(): Promise<AnswerGeneration | null> {
    const { zedToken, appliedSeq, outsideWrites, nextExpiry } = await this.current();
    return zedToken ? { zedToken, appliedSeq, outsideWrites, nextExpiry } : null;
  }

  /** The database this request reads rows from. */
  reads(): Promise<Db> {
    if (this.writtenHere || this.replica === this.primary) return Promise.resolve(this.primary);
    this.routed ??= this.current().then(async (state) => ((await replicaCaughtUp(this.replica, state.lsn)) ? this.replica : this.primary));
    return this.routed;
  }

  /** This request committed a change: forget the token it read and read from the primary from now on. */
  wrote(): void {
    this.writtenHere = true;
    this.state = undefined;
  }

  private current(): Promise<FreshnessState> {
    this.state ??= readFreshness(this.primary);
    return this.state;
  }
}
