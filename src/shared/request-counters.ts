import { AsyncLocalStorage } from 'node:async_hooks';

/** Per-request counts of round trips, asserted by tests and reported by the benchmark. */
export interface RequestCounters {
  sql: number;
  spicedb: number;
  /** Where a mutation's time went (unit-of-work.ts), summed over its changes; absent for reads. */
  write?: WriteTimings;
}

/** Milliseconds of a request's changes: the transaction (begin to commit), inside it the outbox append (its lock and insert), then the wait for SpiceDB. */
export interface WriteTimings {
  transactionMs: number;
  appendMs: number;
  syncWaitMs: number;
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

export function countWrite(timings: WriteTimings): void {
  const c = storage.getStore();
  if (!c) return;
  const sum = c.write ?? { transactionMs: 0, appendMs: 0, syncWaitMs: 0 };
  const round = (ms: number): number => Math.round(ms * 100) / 100;
  c.write = {
    transactionMs: round(sum.transactionMs + timings.transactionMs),
    appendMs: round(sum.appendMs + timings.appendMs),
    syncWaitMs: round(sum.syncWaitMs + timings.syncWaitMs),
  };
}
