import DataLoader from 'dataloader';
import type { Db } from '../infra/db/database.js';
import type { PageRequest } from '../shared/pagination.js';
import type { RowBudget } from './row-budget.js';
import { findTenantsByIds } from '../tenants/tenant.repository.js';
import type { Tenant } from '../tenants/tenant.js';
import { findUsersByIds } from '../users/user.repository.js';
import type { User } from '../users/user.js';
import { findAncestors, findRootWorkspaces, findWorkspacesByIds, listChildren, type SortedWorkspace } from '../workspaces/workspace.repository.js';
import type { Workspace } from '../workspaces/workspace.js';

// Waiting one macrotask lets every resolver of a tree level join the same batch.
const batchScheduleFn = (run: () => void): void => void setImmediate(run);

function byId<V>(load: (ids: readonly string[]) => Promise<Map<string, V>>, budget: RowBudget): DataLoader<string, V | null> {
  return new DataLoader<string, V | null>(
    async (ids) => {
      const found = await load(ids);
      budget.spend(found.size);
      return ids.map((id) => found.get(id) ?? null);
    },
    { batchScheduleFn },
  );
}

/** Per-request loaders: one SQL statement per kind per tree level, whatever the number of nodes. */
export class Loaders {
  readonly workspace: DataLoader<string, Workspace | null>;
  readonly tenant: DataLoader<string, Tenant | null>;
  readonly rootWorkspace: DataLoader<string, Workspace | null>;
  readonly user: DataLoader<string, User | null>;
  private readonly ancestors: DataLoader<string, Workspace[]>;
  private readonly children = new Map<string, DataLoader<string, SortedWorkspace[]>>();

  constructor(
    private readonly reads: () => Promise<Db>,
    /** Every row a loader or listing loads counts against it. */
    readonly budget: RowBudget,
  ) {
    this.workspace = byId(async (ids) => findWorkspacesByIds(await reads(), ids), budget);
    this.tenant = byId(async (ids) => findTenantsByIds(await reads(), ids), budget);
    this.rootWorkspace = byId(async (ids) => findRootWorkspaces(await reads(), ids), budget);
    this.user = byId(async (ids) => findUsersByIds(await reads(), ids), budget);
    this.ancestors = new DataLoader(
      async (ids) => {
        const found = await findAncestors(await reads(), ids);
        budget.spend([...found.values()].reduce((n, chain) => n + chain.length, 0));
        return ids.map((id) => found.get(id) ?? []);
      },
      { batchScheduleFn },
    );
  }

  /** The whole chain up to the root in one statement; primes the workspace loader with each ancestor. */
  async ancestorsOf(id: string): Promise<Workspace[]> {
    const chain = await this.ancestors.load(id);
    // The chain is parent first, so each ancestor's own chain is the rest of it.
    chain.forEach((ancestor, i) => {
      this.workspace.prime(ancestor.id, ancestor);
      this.ancestors.prime(ancestor.id, chain.slice(i + 1));
    });
    return chain;
  }

  /** Children of a parent; parents asking for the same page shape share one statement. */
  childrenOf(parentId: string, page: PageRequest): Promise<SortedWorkspace[]> {
    const shape = JSON.stringify([page.first, page.after]);
    let loader = this.children.get(shape);
    if (!loader) {
      loader = new DataLoader(
        async (parentIds) => {
          const found = await listChildren(await this.reads(), parentIds, page);
          this.budget.spend([...found.values()].reduce((n, rows) => n + rows.length, 0));
          return parentIds.map((id) => found.get(id) ?? []);
        },
        { batchScheduleFn },
      );
      this.children.set(shape, loader);
    }
    return loader.load(parentId);
  }

  /** After a mutation in this request, later fields must not see rows cached before it. */
  clearAll(): void {
    this.workspace.clearAll();
    this.tenant.clearAll();
    this.rootWorkspace.clearAll();
    this.user.clearAll();
    this.ancestors.clearAll();
    this.children.clear();
  }
}
