import { AsyncLocalStorage } from 'node:async_hooks';

/** Per-request counts of round trips, asserted by tests and reported by the benchmark. */
export interface RequestCounters {
  sql: number;
  spicedb: number;
}

const storage = new AsyncLocalStorage<RequestCounters>();

export function runWithCounters<T>(counters: RequestCounters, fn: () => T): T {
  return storage.run(counters, fn);
}

export function countSql(): void {
  const c = storage.getStore();
  if (c) c.sql += 1;
}

export function countSpiceDb(): void {
  const c = storage.getStore();
  if (c) c.spicedb += 1;
}
