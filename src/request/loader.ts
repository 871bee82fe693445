import DataLoader from 'dataloader';
import type { Caller } from './caller.js';

// Waiting one macrotask lets every resolver of a tree level join the same batch.
export const batchScheduleFn = (run: () => void): void => void setImmediate(run);

/**
 * A per-request DataLoader by id over a repository lookup: one statement per batch, each row
 * counted against the request's row budget, null for ids not found.
 */
export function loaderById<V>(caller: Caller, find: (ids: readonly string[]) => Promise<Map<string, V>>): DataLoader<string, V | null> {
  return new DataLoader<string, V | null>(
    async (ids) => {
      const found = await find(ids);
      caller.budget.spend(found.size);
      return ids.map((id) => found.get(id) ?? null);
    },
    { batchScheduleFn },
  );
}
