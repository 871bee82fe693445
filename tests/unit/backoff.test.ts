import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../../src/shared/backoff.js';

const policy = { baseMs: 100, maxMs: 1000 };

describe('backoffDelay', () => {
  it('doubles the ceiling per attempt up to the maximum; the delay lies in its upper half', () => {
    const ceilings = [100, 200, 400, 800, 1000, 1000];
    ceilings.forEach((ceiling, i) => {
      expect(backoffDelay(i + 1, policy, () => 0)).toBe(ceiling / 2);
      expect(backoffDelay(i + 1, policy, () => 1)).toBe(ceiling);
    });
  });

  it('never shrinks from one attempt to the next, whatever the jitter', () => {
    for (let attempt = 1; attempt < 20; attempt += 1) {
      expect(backoffDelay(attempt + 1, policy, () => 0)).toBeGreaterThanOrEqual(backoffDelay(attempt, policy, () => 0));
    }
  });

  it('spreads processes that failed together', () => {
    const delays = new Set(Array.from({ length: 50 }, () => backoffDelay(4, policy)));
    expect(delays.size).toBeGreaterThan(10);
  });

  it('stays finite for absurd attempt counts and treats attempt 0 as the first', () => {
    expect(backoffDelay(10_000, policy, () => 1)).toBe(1000);
    expect(backoffDelay(0, policy, () => 1)).toBe(100);
  });
});
