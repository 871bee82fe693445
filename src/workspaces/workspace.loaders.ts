import DataLoader from 'dataloader';
import type { Caller } from '../request/caller.js';
import { batchScheduleFn, loaderById } from '../request/loader.js';
import type { PageRequest, Sorted } from '../shared/pagination.js';
import { findAncestors, findRootWorkspaces, findWorkspacesByIds, listChildren } from './workspace.repository.js';
import type { Workspace } from './workspace.js';

/** Per-request loaders: one SQL statement per kind per tree level, whatever the number of nodes. */
export class WorkspaceLoaders {
  readonly byId: DataLoader<string, Workspace | null>;
  /** The root workspace, by tenant id. */
  readonly rootOf: DataLoader<string, Workspace | null>;
  private readonly ancestors: DataLoader<string, Workspace[]>;
  private readonly children = new Map<string, DataLoader<string, Sorted<Workspace>[]>>();

  constructor(private readonly caller: Caller) {
    this.byId = loaderById(caller, async (ids) => findWorkspacesByIds(await caller.reads(), ids));
    this.rootOf = loaderById(caller, async (ids) => findRootWorkspaces(await caller.reads(), ids));
    this.ancestors = new DataLoader(
      async (ids) => {
        const found = await findAncestors(await caller.reads(), ids);
        caller.budget.spend([...found.values()].reduce((n, chain) => n + chain.length, 0));
        return ids.map((id) => found.get(id) ?? []);
      },
      { batchScheduleFn },
    );
  }

  /** The whole chain up to the root in one statement; primes the id loader with each ancestor. */
  async ancestorsOf(id: string): Promise<Workspace[]> {
    const chain = await this.ancestors.load(id);
    // The chain is parent first, so each ancestor's own chain is the rest of it.
    chain.forEach((ancestor, i) => {
      this.byId.prime(ancestor.id, ancestor);
      this.ancestors.prime(ancestor.id, chain.slice(i + 1));
    });
    return chain;
  }

  /** Children of a parent; parents asking for the same page shape share one statement. */
  childrenOf(parentId: string, page: PageRequest): Promise<Sorted<Workspace>[]> {
    const shape = JSON.stringify([page.first, page.after]);
    let loader = this.children.get(shape);
    if (!loader) {
      loader = new DataLoader(
        async (parentIds) => {
          const found = await listChildren(await this.caller.reads(), parentIds, page);
          this.caller.budget.spend([...found.values()].reduce((n, rows) => n + rows.length, 0));
          return parentIds.map((id) => found.get(id) ?? []);
        },
        { batchScheduleFn },
      );
      this.children.set(shape, loader);
    }
    return loader.load(parentId);
  }
}

export const workspaceLoaders = (caller: Caller): WorkspaceLoaders => new WorkspaceLoaders(caller);
