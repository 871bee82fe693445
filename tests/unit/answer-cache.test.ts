import { describe, expect, it } from 'vitest';
import { AnswerCache } from '../../src/authz/answer-cache.js';

const at = (zedToken: string, appliedSeq: string) => ({ zedToken, appliedSeq });

describe('AnswerCache', () => {
  it('answers only for the token the answer was given at', () => {
    const cache = new AnswerCache(10);
    cache.set(at('t1', '1'), 'q', true);
    expect(cache.get(at('t1', '1'), 'q')).toBe(true);
    expect(cache.get(at('t2', '2'), 'q')).toBeUndefined();
  });

  it('never caches without a token (fully consistent checks)', () => {
    const cache = new AnswerCache(10);
    cache.set(null, 'q', true);
    expect(cache.get(null, 'q')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('a newer token starts a new generation; a late answer for an older one changes nothing', () => {
    const cache = new AnswerCache(10);
    cache.set(at('t1', '1'), 'q', true);
    cache.set(at('t2', '2'), 'r', false);
    expect(cache.get(at('t1', '1'), 'q')).toBeUndefined();
    cache.set(at('t1', '1'), 'q', true);
    expect(cache.get(at('t2', '2'), 'r')).toBe(false);
    expect(cache.size).toBe(1);
  });

  it('a passed expiry starts a new generation at the same token; a late answer from before it changes nothing', () => {
    const cache = new AnswerCache(10);
    const before = { ...at('t', '1'), nextExpiry: '1000' };
    const after = { ...at('t', '1'), nextExpiry: '2000' };
    const none = { ...at('t', '1'), nextExpiry: null };
    cache.set(before, 'q', true);
    expect(cache.get(before, 'q')).toBe(true);
    expect(cache.get(after, 'q')).toBeUndefined();
    cache.set(after, 'q', false);
    cache.set(before, 'q', true);
    expect(cache.get(after, 'q')).toBe(false);
    // No expiry ahead any more: the newest of them.
    cache.set(none, 'r', false);
    cache.set(after, 'q', true);
    expect(cache.get(none, 'r')).toBe(false);
    expect(cache.get(none, 'q')).toBeUndefined();
  });

  it('holds at most maxEntries answers, dropping the oldest', () => {
    const cache = new AnswerCache(3);
    for (const key of ['a', 'b', 'c', 'd']) cache.set(at('t', '1'), key, true);
    expect(cache.size).toBe(3);
    expect(cache.get(at('t', '1'), 'a')).toBeUndefined();
    expect(cache.get(at('t', '1'), 'd')).toBe(true);
  });

  it('size 0 turns it off', () => {
    const cache = new AnswerCache(0);
    cache.set(at('t', '1'), 'q', true);
    expect(cache.get(at('t', '1'), 'q')).toBeUndefined();
  });
});
