import { decodeTime } from 'ulid';
import { describe, expect, it } from 'vitest';
import { newId, parseId } from '../../src/shared/ids.js';

describe('newId', () => {
  it('makes valid ULIDs of the current time, all distinct', () => {
    const before = Date.now();
    const ids = Array.from({ length: 20_000 }, () => newId());
    const after = Date.now();
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids.slice(0, 50)) {
      expect(parseId(id)).toBe(id);
      expect(decodeTime(id)).toBeGreaterThanOrEqual(before);
      expect(decodeTime(id)).toBeLessThanOrEqual(after);
    }
  });

  it('spreads the random part evenly over the 32 characters (a stuck or biased generator fails)', () => {
    const counts = new Map<string, number>();
    const samples = 5_000;
    for (let i = 0; i < samples; i += 1) {
      for (const char of newId().slice(10)) counts.set(char, (counts.get(char) ?? 0) + 1);
    }
    expect(counts.size).toBe(32);
    const expected = (samples * 16) / 32;
    const chiSquare = [...counts.values()].reduce((sum, n) => sum + (n - expected) ** 2 / expected, 0);
    // 31 degrees of freedom: above 70 happens by chance far less than once in 10,000 runs.
    expect(chiSquare).toBeLessThan(70);
  });
});
