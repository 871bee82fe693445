import { deleteTenantApiKeys } from '../api-keys/api-key.repository.js';
import type { Transaction } from '../infra/db/unit-of-work.js';
import { deleteTenantGroups, listTenantGroups } from '../groups/group.repository.js';
import { listTenantMembers, listWorkspaceMembers } from '../memberships/membership.repository.js';
import { deleteTenantWorkspacesAtDepth, listTenantWorkspacesDeepestFirst } from '../workspaces/workspace.repository.js';
import { deleteTenantRow } from './tenant.repository.js';

export interface DeletedCounts {
  workspaces: number;
  groups: number;
  apiKeys: number;
}

/**
 * Deletes every workspace (deepest first, so no child is ever orphaned), group and API key of a
 * locked tenant, then the tenant, emitting the events that remove their relationships.
 */
export async function deleteTenantAndContents({ trx, emit }: Transaction, tenantId: string): Promise<DeletedCounts> {
  const workspaces = await listTenantWorkspacesDeepestFirst(trx, tenantId);
  const members = await listWorkspaceMembers(trx, workspaces.map((w) => w.id));
  for (const w of workspaces) {
    emit({
      type: 'WorkspaceDeleted',
      tenantId,
      workspaceId: w.id,
      parentId: w.parentId,
      members: members.filter((m) => m.workspaceId === w.id).map((m) => ({ subject: m.subject, role: m.role })),
    });
  }
  for (const depth of new Set(workspaces.map((w) => w.depth))) await deleteTenantWorkspacesAtDepth(trx, tenantId, depth);
  const groups = await listTenantGroups(trx, tenantId);
  for (const g of groups) emit({ type: 'GroupDeleted', tenantId, groupId: g.groupId, members: g.members });
  await deleteTenantGroups(trx, tenantId);
  const apiKeys = await deleteTenantApiKeys(trx, tenantId);
  for (const k of apiKeys) emit({ type: 'ApiKeyDeleted', tenantId, apiKeyId: k.id, ownerUserId: k.ownerUserId });
  emit({ type: 'TenantDeleted', tenantId, members: await listTenantMembers(trx, tenantId) });
  await deleteTenantRow(trx, tenantId);
  return { workspaces: workspaces.length, groups: groups.length, apiKeys: apiKeys.length };
}
