import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { HEAP_BYTES_PER_SOURCE_CHAR, documentStore, persistedQueryCache } from '../../src/graphql/document-caches.js';

describe('document caches sized by what the heap pays', () => {
  it('keeps only as many parsed documents as the byte budget allows, newest first', async () => {
    const budget = 200_000;
    const store = documentStore(budget);
    const sources = Array.from({ length: 1_000 }, (_, i) => `query Op${i} { __typename }`);
    for (const source of sources) await store.set(source, parse(source));

    const kept = store.keys();
    const keptBytes = kept.reduce((n, key) => n + key.length * HEAP_BYTES_PER_SOURCE_CHAR, 0);
    expect(keptBytes).toBeLessThanOrEqual(budget);
    expect(kept.length).toBeGreaterThan(0);
    expect(kept.length).toBeLessThan(sources.length);
    expect(await store.get(sources.at(-1) ?? '')).toBeDefined();
    expect(await store.get(sources[0] ?? '')).toBeUndefined();
  });

  it('bounds persisted queries by their text', async () => {
    const cache = persistedQueryCache(10_000);
    for (let i = 0; i < 1_000; i += 1) await cache.set(`hash-${i}`, `query Op${i} { __typename }`);
    const kept = cache.keys();
    expect(kept.length).toBeLessThan(1_000);
    expect(kept.length * 2 * 'query Op999 { __typename }'.length).toBeLessThanOrEqual(10_000);
  });
});
