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

/**
 * Per-request lists under many parents (children, members): parents asking for the same page shape
 * (size, cursor, filters) in the same tick share one statement, each parent's rows counted against
 * the row budget. `shape` must be JSON-serialisable; it is the batch key.
 */
export class ListLoaders<Shape, V> {
  private readonly loaders = new Map<string, DataLoader<string, V[]>>();

  constructor(
    private readonly caller: Caller,
    private readonly find: (parentIds: readonly string[], shape: Shape) => Promise<Map<string, V[]>>,
  ) {}

  load(parentId: string, shape: Shape): Promise<V[]> {
    const key = JSON.stringify(shape);
    let loader = this.loaders.get(key);
    if (!loader) {
      loader = new DataLoader(
        async (parentIds) => {
          const found = await this.find(parentIds, shape);
          this.caller.budget.spend([...found.values()].reduce((n, rows) => n + rows.length, 0));
          return parentIds.map((id) => found.get(id) ?? []);
        },
        { batchScheduleFn },
      );
      this.loaders.set(key, loader);
    }
    return loader.load(parentId);
  }
}
