import DataLoader from 'dataloader';
import type { Caller } from '../request/caller.js';
import { batchScheduleFn, loaderById } from '../request/loader.js';
import type { PageRequest, Sorted } from '../shared/pagination.js';
import { findRootWorkspaces, findWithAncestors, findWorkspacesByIds, listChildren, type WorkspaceLineage } from './workspace.repository.js';
import type { Workspace } from './workspace.js';

/** Per-request loaders: one SQL statement per kind per tree level, whatever the number of nodes. */
export class WorkspaceLoaders {
  readonly byId: DataLoader<string, Workspace | null>;
  /** The root workspace, by tenant id. */
  readonly rootOf: DataLoader<string, Workspace | null>;
  private readonly ancestors: DataLoader<string, Workspace[]>;
  private readonly lineages: DataLoader<string, WorkspaceLineage | null>;
  private readonly children = new Map<string, DataLoader<string, Sorted<Workspace>[]>>();

  constructor(private readonly caller: Caller) {
    this.byId = loaderById(caller, async (ids) => findWorkspacesByIds(await caller.reads(), ids));
    this.rootOf = loaderById(caller, async (ids) => findRootWorkspaces(await caller.reads(), ids));
    this.lineages = new DataLoader(
      async (ids) => {
        const found = await findWithAncestors(await caller.reads(), ids);
        caller.budget.spend([...found.values()].reduce((n, l) => n + 1 + l.ancestors.length, 0));
        return ids.map((id) => found.get(id) ?? null);
      },
      { batchScheduleFn },
    );
    this.ancestors = new DataLoader(async (ids) => Promise.all(ids.map(async (id) => (await this.lineage(id))?.ancestors ?? [])), { batchScheduleFn });
  }

  /**
   * A workspace and its whole chain up to the root, in one statement; primes the id and ancestor
   * loaders with every member of the chain, so `parent { parent … }` costs no further statement.
   */
  async lineage(id: string): Promise<WorkspaceLineage | null> {
    const found = await this.lineages.load(id);
    if (!found) return null;
    const chain = [found.workspace, ...found.ancestors];
    // The chain is self first, so each member's ancestors are the rest of it.
    chain.forEach((member, i) => {
      this.byId.prime(member.id, member);
      this.ancestors.prime(member.id, chain.slice(i + 1));
    });
    return found;
  }

  /** The whole chain up to the root (parent first), in one statement unless already known. */
  ancestorsOf(id: string): Promise<Workspace[]> {
    return this.ancestors.load(id);
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
