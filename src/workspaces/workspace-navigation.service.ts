import { workspaceResource } from '../authz/permissions.js';
import type { Caller } from '../request/caller.js';
import { BadInputError } from '../shared/errors.js';
import { nameFilterKey } from '../shared/names.js';
import { pageRequest, toPage, type Page, type PageArgs, type Sorted } from '../shared/pagination.js';
import { countDescendants, walkDescendants } from './workspace-descendants.repository.js';
import { pageDescendantsInTreeOrder } from './workspace-tree-order.repository.js';
import { workspaceLoaders } from './workspace.loaders.js';
import type { Workspace } from './workspace.js';

export interface DescendantArgs extends PageArgs {
  nameContains?: string | null;
  maxDepth?: number | null;
}

/** Where a workspace sits and what lies below it: breadcrumbs and subtree listings. */
export class WorkspaceNavigation {
  /**
   * The chain from the root down to the parent, root first; an ancestor the caller cannot view is
   * null (visibility does not inherit upwards). One statement for the chain (the parent walk's
   * loader) and one bulk check for all of it, whatever the depth.
   */
  async ancestors(caller: Caller, workspace: Workspace): Promise<(Workspace | null)[]> {
    if (!workspace.parentId) return [];
    const chain = [...(await caller.state(workspaceLoaders).ancestorsOf(workspace.id))].reverse();
    const visible = await Promise.all(chain.map((a) => caller.permissions.view(workspaceResource(a))));
    return chain.map((a, i) => (visible[i] ? a : null));
  }

  /**
   * The descendants in pre-order (siblings by name, then id). All of them when the caller may view
   * the workspace, none otherwise: schema.zed's `view` inherits down the tree with no exclusion
   * (tests/unit/schema-zed.test.ts), so no node below needs a check of its own, and nested fields
   * asking `view` of them are answered without SpiceDB. A page of every level is one range in tree
   * order with its total (workspace-tree-order.repository.ts); with maxDepth or nameContains it is
   * one walk statement (workspace-descendants.repository.ts), and totalCount one more, when asked.
   */
  async descendants(caller: Caller, workspace: Workspace, args: DescendantArgs): Promise<Page<Sorted<Workspace>>> {
    const page = pageRequest(args.first, args.after);
    const nameKeyContains = nameFilterKey('nameContains', args.nameContains);
    const maxDepth = args.maxDepth ?? null;
    if (maxDepth !== null && (!Number.isInteger(maxDepth) || maxDepth < 1)) {
      throw new BadInputError('maxDepth', 'maxDepth must be at least 1 (1 = the children only)', 'INVALID_MAX_DEPTH');
    }
    if (!(await caller.permissions.view(workspaceResource(workspace)))) return { items: [], hasNextPage: false, count: () => Promise.resolve(0) };
    const reads = await caller.reads();
    if (maxDepth === null && !nameKeyContains) {
      // Every level, no filter: one index range in tree order, its total in the same statement.
      const range = await pageDescendantsInTreeOrder(reads, { rootId: workspace.id, startId: page.after?.id ?? workspace.id, limit: page.first + 1 });
      if (!range.started) throw invalidCursor();
      caller.budget.spend(range.items.length);
      caller.permissions.inheritView(range.items.map((item) => item.node.id));
      return { ...toPage(range.items, page.first), count: () => Promise.resolve(range.total) };
    }
    // A depth limit or a name filter: the walk, which skips what lies too deep or does not match.
    const walk = await walkDescendants(reads, {
      root: workspace,
      startId: page.after?.id ?? workspace.id,
      maxDepth,
      nameKeyContains,
      limit: page.first + 1,
      maxVisited: caller.budget.remaining + 1,
    });
    if (!walk.started) throw invalidCursor();
    caller.budget.spend(walk.visited);
    caller.permissions.inheritView(walk.items.map((item) => item.node.id));
    return { ...toPage(walk.items, page.first), count: () => countDescendants(reads, workspace.id, maxDepth, nameKeyContains) };
  }
}

function invalidCursor(): BadInputError {
  return new BadInputError('after', 'after names a workspace that is no longer below this one (moved or deleted): start again without it', 'INVALID_CURSOR');
}
