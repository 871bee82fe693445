import type { GraphQLResolveInfo } from 'graphql';
import { ref } from '../../infra/spicedb/relationships.js';
import { NotFoundError } from '../../shared/errors.js';
import { parseId } from '../../shared/ids.js';
import { pageRequest, toPage } from '../../shared/pagination.js';
import type { Workspace } from '../../workspaces/workspace.js';
import { toConnection } from '../connection.js';
import { requireActor, type GraphQLContext } from '../context.js';
import { nestedDepth } from '../selection-depth.js';
import { visibleChildren, visibleParent, visibleTenant, visibleWorkspace } from '../visibility.js';
import type { PageArgs } from './query.js';

export const WorkspaceResolvers = {
  async __resolveReference(reference: { id: string }, ctx: GraphQLContext) {
    const id = parseId(reference.id);
    return id ? visibleWorkspace(ctx, requireActor(ctx), id) : null;
  },

  /**
   * Only a tenant the caller may view: a workspace grant alone does not reveal the tenant's name.
   * The field is non-null, so a hidden tenant fails the field (and nulls the workspace) instead.
   */
  async tenant(workspace: Workspace, _: unknown, ctx: GraphQLContext) {
    const tenant = await visibleTenant(ctx, requireActor(ctx), workspace.tenantId);
    if (!tenant) throw new NotFoundError('Tenant not found', { reason: 'TENANT_HIDDEN' });
    return tenant;
  },

  parent: (workspace: Workspace, _: unknown, ctx: GraphQLContext, info: GraphQLResolveInfo) =>
    visibleParent(ctx, requireActor(ctx), workspace, nestedDepth(info, 'parent')),

  async children(workspace: Workspace, args: PageArgs, ctx: GraphQLContext) {
    const actor = requireActor(ctx);
    const page = pageRequest(args.first, args.after);
    const rows = toPage(await ctx.loaders.childrenOf(workspace.id, page), page.first);
    const visible = await visibleChildren(actor, workspace, rows.items);
    return toConnection(
      visible.map((r) => ({ node: r.workspace, sortKey: r.sortKey })),
      rows.hasNextPage,
    );
  },

  viewerPermissions: (workspace: Workspace) => ({ workspaceId: workspace.id }),
};

const workspaceCheck =
  (permission: 'view' | 'edit' | 'manage' | 'create_child') =>
  (parent: { workspaceId: string }, _: unknown, ctx: GraphQLContext) =>
    requireActor(ctx).authz.can(ref('workspace', parent.workspaceId), permission);

export const WorkspacePermissions = {
  view: workspaceCheck('view'),
  edit: workspaceCheck('edit'),
  manage: workspaceCheck('manage'),
  createChild: workspaceCheck('create_child'),
};
