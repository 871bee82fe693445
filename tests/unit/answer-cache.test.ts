import { describe, expect, it } from 'vitest';
import { AnswerCache, type ChangesBetween } from '../../src/authz/answer-cache.js';
import type { ChangedTenants } from '../../src/outbox/outbox.repository.js';

const at = (appliedSeq: number, outsideWrites = 0, zedToken = `t${appliedSeq}`) => ({ zedToken, appliedSeq: String(appliedSeq), outsideWrites: String(outsideWrites) });

/** A fake outbox: event seq → tenant (null: an event without a tenant); `purgedUpTo` rows are gone. */
function outbox(events: Record<number, string | null>, purgedUpTo = 0): ChangesBetween & { asked: [string, string][] } {
  const asked: [string, string][] = [];
  const changes = async (after: string, upTo: string): Promise<ChangedTenants> => {
    asked.push([after, upTo]);
    const tenants = new Map<string, string>();
    let anything = Number(after) <= purgedUpTo;
    for (let seq = Number(after) + 1; seq <= Number(upTo); seq++) {
      if (!(seq in events)) continue;
      const tenant = events[seq];
      if (tenant === null || tenant === undefined) anything = true;
      else tenants.set(tenant, String(seq));
    }
    return { tenants, anything };
  };
  return Object.assign(changes, { asked });
}

async function cacheAt(seq: number, changes: ChangesBetween, entries = 10): Promise<AnswerCache> {
  const cache = new AnswerCache(entries, changes);
  await cache.sync(at(seq));
  cache.set(at(seq), 'A', 'a', true);
  cache.set(at(seq), 'B', 'b', false);
  return cache;
}

describe('AnswerCache', () => {
  it('keeps a tenant answers across events of other tenants and drops those of the tenants with events', async () => {
    const changes = outbox({ 2: 'B', 3: 'C' });
    const cache = await cacheAt(1, changes);
    await cache.sync(at(3));
    expect(changes.asked).toEqual([['1', '3']]);
    expect(cache.get(at(3), 'A', 'a')).toBe(true);
    expect(cache.get(at(3), 'B', 'b')).toBeUndefined();
    expect(cache.size).toBe(1);
    // Requests at the known seq cost no statement.
    await cache.sync(at(3));
    expect(cache.learned).toBe(1);
  });

  it('a request at an older token than the tenant last event neither reads nor stores its answers', async () => {
    const cache = await cacheAt(1, outbox({ 2: 'B', 3: 'C' }));
    await cache.sync(at(3));
    cache.set(at(1), 'B', 'b', true);
    expect(cache.get(at(3), 'B', 'b')).toBeUndefined();
    // At seq 2 (B's event) B's answers hold; A's do at 1 already.
    cache.set(at(2), 'B', 'b', true);
    expect(cache.get(at(3), 'B', 'b')).toBe(true);
    expect(cache.get(at(1), 'B', 'b')).toBeUndefined();
    expect(cache.get(at(1), 'A', 'a')).toBe(true);
  });

  it('an answer stored at the old token while the cache is learning is dropped when its tenant turns out to have changed', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const events = outbox({ 2: 'A' });
    const cache = await cacheAt(1, async (after, upTo) => {
      await gate;
      return events(after, upTo);
    });
    const learning = cache.sync(at(2));
    cache.set(at(1), 'A', 'late', true);
    expect(cache.get(at(1), 'A', 'late')).toBe(true);
    release();
    await learning;
    expect(cache.get(at(2), 'A', 'late')).toBeUndefined();
    expect(cache.get(at(2), 'B', 'b')).toBe(false);
  });

  it('an event without a tenant drops everything', async () => {
    const cache = await cacheAt(1, outbox({ 2: null }));
    await cache.sync(at(2));
    expect(cache.size).toBe(0);
    expect(cache.get(at(2), 'A', 'a')).toBeUndefined();
  });

  it('rows purged from the range drop everything', async () => {
    const cache = await cacheAt(1, outbox({ 2: 'B' }, 1));
    await cache.sync(at(2));
    expect(cache.size).toBe(0);
  });

  it('a failed statement drops everything and the request goes on', async () => {
    const cache = await cacheAt(1, () => Promise.reject(new Error('connection lost')));
    await cache.sync(at(2));
    expect(cache.size).toBe(0);
    expect(cache.get(at(2), 'A', 'a')).toBeUndefined();
  });

  it('writes outside the outbox (reconcile, rebuild) drop everything without a statement', async () => {
    const changes = outbox({});
    const cache = await cacheAt(1, changes);
    await cache.sync(at(1, 1, 'reconciled'));
    expect(cache.size).toBe(0);
    expect(changes.asked).toEqual([]);
    // A late request from before them stores nothing.
    cache.set(at(1), 'A', 'a', true);
    expect(cache.get(at(1, 1, 'reconciled'), 'A', 'a')).toBeUndefined();
  });

  it('a different token at the same seq drops everything', async () => {
    const cache = await cacheAt(1, outbox({}));
    await cache.sync(at(1, 0, 'other'));
    expect(cache.get(at(1, 0, 'other'), 'A', 'a')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('concurrent requests at new tokens share one statement', async () => {
    const changes = outbox({ 2: 'B', 3: 'B' });
    const cache = await cacheAt(1, changes);
    await Promise.all([cache.sync(at(3)), cache.sync(at(3)), cache.sync(at(2)), cache.sync(at(3))]);
    expect(changes.asked).toEqual([['1', '3']]);
    expect(cache.learned).toBe(1);
    expect(cache.get(at(3), 'A', 'a')).toBe(true);
  });

  it('a request newer than the one being asked about asks once more, after it', async () => {
    const changes = outbox({ 2: 'B', 3: 'A' });
    const cache = await cacheAt(1, changes);
    await Promise.all([cache.sync(at(2)), cache.sync(at(3))]);
    expect(changes.asked).toEqual([
      ['1', '2'],
      ['2', '3'],
    ]);
    expect(cache.get(at(3), 'A', 'a')).toBeUndefined();
  });

  it('never caches without a token (fully consistent checks)', async () => {
    const cache = new AnswerCache(10, outbox({}));
    await cache.sync(null);
    cache.set(null, 'A', 'q', true);
    expect(cache.get(null, 'A', 'q')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('answers nothing for a token it has not accounted for', async () => {
    const cache = await cacheAt(1, outbox({}));
    expect(cache.get(at(2), 'A', 'a')).toBeUndefined();
    cache.set(at(2), 'A', 'c', true);
    expect(cache.size).toBe(2);
  });

  it('holds at most maxEntries answers, dropping the oldest', async () => {
    const cache = new AnswerCache(3, outbox({}));
    await cache.sync(at(1));
    for (const key of ['a', 'b', 'c', 'd']) cache.set(at(1), key === 'b' ? 'B' : 'A', key, true);
    expect(cache.size).toBe(3);
    expect(cache.get(at(1), 'A', 'a')).toBeUndefined();
    expect(cache.get(at(1), 'A', 'd')).toBe(true);
  });

  it('size 0 turns it off', async () => {
    const changes = outbox({ 2: 'B' });
    const cache = new AnswerCache(0, changes);
    await cache.sync(at(1));
    cache.set(at(1), 'A', 'q', true);
    await cache.sync(at(2));
    expect(cache.get(at(1), 'A', 'q')).toBeUndefined();
    expect(changes.asked).toEqual([]);
  });
  it('a passed grant expiry drops every tenant answers at the same seq; a late request from before it neither reads nor stores', async () => {
    const changes = outbox({});
    const cache = new AnswerCache(10, changes);
    const before = { ...at(1), nextExpiry: '1000' };
    const after = { ...at(1), nextExpiry: '2000' };
    const none = { ...at(1), nextExpiry: null };
    await cache.sync(before);
    cache.set(before, 'A', 'a', true);
    expect(cache.get(before, 'A', 'a')).toBe(true);
    await cache.sync(after);
    expect(cache.get(after, 'A', 'a')).toBeUndefined();
    expect(cache.size).toBe(0);
    cache.set(before, 'A', 'a', true);
    expect(cache.get(after, 'A', 'a')).toBeUndefined();
    cache.set(after, 'A', 'a', false);
    expect(cache.get(after, 'A', 'a')).toBe(false);
    // The last expiry passing (none ahead) is newer still.
    await cache.sync(none);
    expect(cache.get(none, 'A', 'a')).toBeUndefined();
    expect(changes.asked).toEqual([]);
  });

  it('an expiry passing while events arrive drops everything, not only the tenants with events', async () => {
    const cache = new AnswerCache(10, outbox({ 2: 'B' }));
    const first = { ...at(1), nextExpiry: '1000' };
    await cache.sync(first);
    cache.set(first, 'A', 'a', true);
    const later = { ...at(2), nextExpiry: '5000' };
    await cache.sync(later);
    expect(cache.get(later, 'A', 'a')).toBeUndefined();
  });

  it('a new earlier expiry written in one tenant keeps the other tenants answers', async () => {
    const cache = new AnswerCache(10, outbox({ 2: 'B' }));
    const first = { ...at(1), nextExpiry: '5000' };
    await cache.sync(first);
    cache.set(first, 'A', 'a', true);
    const later = { ...at(2), nextExpiry: '3000' };
    await cache.sync(later);
    expect(cache.get(later, 'A', 'a')).toBe(true);
  });
});
