import { workspaceResource } from '../authz/permissions.js';
import type { Caller } from '../request/caller.js';
import { BadInputError } from '../shared/errors.js';
import { nameFilterKey } from '../shared/names.js';
import { pageRequest, toPage, type Page, type PageArgs, type Sorted } from '../shared/pagination.js';
import { countDescendants, walkDescendants } from './workspace-descendants.repository.js';
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
   * asking `view` of them are answered without SpiceDB. A page is one walk statement
   * (workspace-descendants.repository.ts); totalCount one more, when asked.
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
    const walk = await walkDescendants(reads, {
      root: workspace,
      startId: page.after?.id ?? workspace.id,
      maxDepth,
      nameKeyContains,
      limit: page.first + 1,
      maxVisited: caller.budget.remaining + 1,
    });
    if (!walk.started) {
      throw new BadInputError('after', 'after names a workspace that is no longer below this one (moved or deleted): start again without it', 'INVALID_CURSOR');
    }
    caller.budget.spend(walk.visited);
    caller.permissions.inheritView(walk.items.map((item) => item.node.id));
    return { ...toPage(walk.items, page.first), count: () => countDescendants(reads, workspace.id, maxDepth, nameKeyContains) };
  }
}
