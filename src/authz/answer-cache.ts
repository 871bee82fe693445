/** The freshness a set of answers belongs to: the token every check was at least as fresh as. */
export interface AnswerGeneration {
  zedToken: string;
  /** authz_state.applied_seq read with it; orders generations (tokens are opaque). */
  appliedSeq: string;
}

/**
 * Permission answers shared by every request of the process, for the newest freshness token only.
 * What SpiceDB answered at_least_as_fresh(T) answers any later at_least_as_fresh(T) question: a
 * request reading the same token could have been served by that very snapshot. Every applied
 * write stores a new token, so the next request starts a new generation and a revocation is seen
 * exactly when it would be without the cache. Never used without a token (fully_consistent).
 * Bounded: the oldest answers go first once `maxEntries` is reached.
 */
export class AnswerCache {
  private generation: AnswerGeneration | null = null;
  private answers = new Map<string, boolean>();

  constructor(private readonly maxEntries: number) {}

  get size(): number {
    return this.answers.size;
  }

  get(generation: AnswerGeneration | null, key: string): boolean | undefined {
    if (!generation || !this.isCurrent(generation)) return undefined;
    return this.answers.get(key);
  }

  set(generation: AnswerGeneration | null, key: string, allowed: boolean): void {
    if (!generation || this.maxEntries === 0) return;
    if (!this.isCurrent(generation)) {
      // A request that read an older token finishing late must not throw the newer answers away.
      if (this.generation && BigInt(generation.appliedSeq) < BigInt(this.generation.appliedSeq)) return;
      this.generation = generation;
      this.answers = new Map();
    }
    if (this.answers.size >= this.maxEntries && !this.answers.has(key)) {
      const oldest = this.answers.keys().next();
      if (!oldest.done) this.answers.delete(oldest.value);
    }
    this.answers.set(key, allowed);
  }

  private isCurrent(generation: AnswerGeneration): boolean {
    return this.generation !== null && this.generation.zedToken === generation.zedToken && this.generation.appliedSeq === generation.appliedSeq;
  }
}
