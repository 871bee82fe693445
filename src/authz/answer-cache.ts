/** The freshness a set of answers belongs to: the token every check was at least as fresh as. */
export interface AnswerGeneration {
  zedToken: string;
  /** authz_state.applied_seq read with it; orders generations (tokens are opaque). */
  appliedSeq: string;
  /**
   * Issue 20: the next upcoming grant expiry read with it (epoch ms as text, null: none). An answer
   * may stop being true at that instant with no new token, so a passed expiry starts a new generation.
   */
  nextExpiry?: string | null;
}

/** Generations in order: by applied_seq, then by next expiry (a later one is newer; none is newest). */
function isOlder(a: AnswerGeneration, b: AnswerGeneration): boolean {
  const seqA = BigInt(a.appliedSeq);
  const seqB = BigInt(b.appliedSeq);
  if (seqA !== seqB) return seqA < seqB;
  const expiryA = a.nextExpiry ?? null;
  const expiryB = b.nextExpiry ?? null;
  if (expiryA === expiryB || expiryA === null) return false;
  return expiryB === null || BigInt(expiryA) < BigInt(expiryB);
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
      if (this.generation && isOlder(generation, this.generation)) return;
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
    return (
      this.generation !== null &&
      this.generation.zedToken === generation.zedToken &&
      this.generation.appliedSeq === generation.appliedSeq &&
      (this.generation.nextExpiry ?? null) === (generation.nextExpiry ?? null)
    );
  }
}
