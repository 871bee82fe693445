import { deleteTenantApiKeys } from '../api-keys/api-key.repository.js';
import type { Transaction } from '../infra/db/unit-of-work.js';
import { deleteGroupMembers } from '../groups/group-member.repository.js';
import { deleteTenantGroups } from '../groups/group.repository.js';
import { deleteTenantMembers } from '../memberships/membership.repository.js';
import { deleteGrants } from '../memberships/workspace-member.repository.js';
import { deleteTenantWorkspaces } from '../workspaces/workspace.repository.js';
import { deleteTenantRow } from './tenant.repository.js';

export interface DeletedCounts {
  workspaces: number;
  groups: number;
  apiKeys: number;
}

/**
 * Deletes every workspace, group and API key of a tenant, then the tenant, emitting the events that
 * remove their relationships. The caller holds the tenant's `delete` lock (FOR UPDATE), which every
 * change inside the tenant conflicts with: none is in flight, none can start. Each relationship
 * removed still comes from the rows a DELETE … RETURNING actually deleted, children before their
 * parents, so nothing is left to a cascade that no event describes.
 */
export async function deleteTenantAndContents({ trx, emit }: Transaction, tenantId: string): Promise<DeletedCounts> {
  const grants = await deleteGrants(trx, { tenantId });
  const memberships = await deleteGroupMembers(trx, { tenantId });
  const apiKeys = await deleteTenantApiKeys(trx, tenantId);
  const workspaces = await deleteTenantWorkspaces(trx, tenantId);
  const grantsOn = groupBy(grants, (g) => g.workspaceId, (g) => ({ subject: g.subject, role: g.role }));
  for (const w of workspaces) emit({ type: 'WorkspaceDeleted', tenantId, workspaceId: w.id, parentId: w.parentId, members: grantsOn.get(w.id) ?? [] });
  const groups = await deleteTenantGroups(trx, tenantId);
  const membersOf = groupBy(memberships, (m) => m.groupId, (m) => ({ userId: m.userId, role: m.role }));
  for (const groupId of groups) emit({ type: 'GroupDeleted', tenantId, groupId, members: membersOf.get(groupId) ?? [] });
  for (const k of apiKeys) emit({ type: 'ApiKeyDeleted', tenantId, apiKeyId: k.id, ownerUserId: k.ownerUserId });
  emit({ type: 'TenantDeleted', tenantId, members: await deleteTenantMembers(trx, tenantId) });
  await deleteTenantRow(trx, tenantId);
  return { workspaces: workspaces.length, groups: groups.length, apiKeys: apiKeys.length };
}

function groupBy<T, V>(items: readonly T[], key: (item: T) => string, value: (item: T) => V): Map<string, V[]> {
  const groups = new Map<string, V[]>();
  for (const item of items) {
    const list = groups.get(key(item));
    if (list) list.push(value(item));
    else groups.set(key(item), [value(item)]);
  }
  return groups;
}
