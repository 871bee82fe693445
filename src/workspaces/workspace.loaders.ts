import DataLoader from 'dataloader';
import type { Caller } from '../request/caller.js';
import { batchScheduleFn, loaderById } from '../request/loader.js';
import type { PageRequest, Sorted } from '../shared/pagination.js';
import { findRootWorkspaces, findWithAncestors, findWorkspacesByIds, type WorkspaceLineage } from './workspace.repository.js';
import { listChildLevels, type ChildParent } from './workspace-tree.repository.js';
import type { Workspace } from './workspace.js';

/** Per-request loaders: one SQL statement per kind per tree level, whatever the number of nodes. */
export class WorkspaceLoaders {
  readonly byId: DataLoader<string, Workspace | null>;
  /** The root workspace, by tenant id. */
  readonly rootOf: DataLoader<string, Workspace | null>;
  private readonly ancestors: DataLoader<string, Workspace[]>;
  private readonly lineages: DataLoader<string, WorkspaceLineage | null>;
  private readonly children = new Map<string, DataLoader<ChildParent, Sorted<Workspace>[], string>>();

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

  /**
   * Children of a parent; parents asking for the same page shape share one statement. `below`: the
   * pages the query goes on to ask of those children, their children, and so on (nested-pages.ts).
   * They are fetched in the same statement, and each level primes the loader its resolvers will
   * ask, so a tree of d levels costs one statement instead of d.
   */
  childrenOf(parent: Workspace, page: PageRequest, below: readonly PageRequest[] = []): Promise<Sorted<Workspace>[]> {
    return this.childLoader([page, ...below]).load(parent);
  }

  /** The loader for a chain of pages: its first page under the parents, the rest below them. */
  private childLoader(pages: readonly PageRequest[]): DataLoader<ChildParent, Sorted<Workspace>[], string> {
    const shape = JSON.stringify(pages);
    let loader = this.children.get(shape);
    if (!loader) {
      loader = new DataLoader(
        async (parents) => {
          const { levels, rows } = await listChildLevels(await this.caller.reads(), parents, pages, this.caller.budget.remaining + 1);
          this.caller.budget.spend(rows);
          levels.slice(1).forEach((level, i) => {
            const deeper = this.childLoader(pages.slice(i + 1));
            for (const siblings of levels[i]?.values() ?? []) {
              for (const { node } of siblings.slice(0, pages[i]?.first)) deeper.prime(node, level.get(node.id) ?? []);
            }
          });
          return parents.map((p) => levels[0]?.get(p.id) ?? []);
        },
        { batchScheduleFn, cacheKeyFn: (parent) => parent.id },
      );
      this.children.set(shape, loader);
    }
    return loader;
  }
}

export const workspaceLoaders = (caller: Caller): WorkspaceLoaders => new WorkspaceLoaders(caller);
