import { setTimeout as sleep } from 'node:timers/promises';

const SAMPLES = 64;

/**
 * Keeps "does not exist" from answering faster than "exists, but you may not see it". A hidden
 * resource costs a permission check that walks its ancestry in SpiceDB, a missing one does not,
 * so NOT_FOUND for an existing id took 6.6–7.2 ms against 2.8–3.0 ms for an unknown id: an
 * oracle for which ids exist. Here every hidden outcome records how long its check took, and a
 * missing outcome waits until it has taken as long as one of those recent samples, drawn at
 * random: both answers then come from the same distribution. Only NOT_FOUND answers wait.
 */
export class Concealment {
  private readonly samples: number[] = [];
  private next = 0;

  constructor(private readonly random: () => number = Math.random) {}

  /** A lookup found the resource but the caller may not view it, `ms` after it started. */
  recordHidden(ms: number): void {
    this.samples[this.next] = ms;
    this.next = (this.next + 1) % SAMPLES;
  }

  /** A lookup found nothing; resolves once it has taken as long as a hidden one would. */
  async padMissing(startedAt: number): Promise<void> {
    if (this.samples.length === 0) return;
    const target = this.samples[Math.floor(this.random() * this.samples.length)] ?? 0;
    const wait = target - (performance.now() - startedAt);
    if (wait > 0) await sleep(wait);
  }
}
