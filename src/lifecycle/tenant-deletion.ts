import { deleteTenantApiKeys } from '../api-keys/api-key.repository.js';
import type { Committed, Transaction, UnitOfWork } from '../changes/unit-of-work.js';
import { deleteGroupMembers } from '../groups/group-member.repository.js';
import { deleteTenantInvitations } from '../invitations/invitation.repository.js';
import { deleteTenantGroups } from '../groups/group.repository.js';
import type { Caller } from '../request/caller.js';
import { requireId } from '../shared/input.js';
import { deleteTenantMembers } from '../tenants/tenant-member.repository.js';
import { deleteTenantRow } from '../tenants/tenant.repository.js';
import type { TenantService } from '../tenants/tenant.service.js';
import { deleteGrants } from '../workspaces/workspace-member.repository.js';
import { deleteTenantWorkspaces } from '../workspaces/workspace.repository.js';

export interface TenantDeletionDeps {
  uow: UnitOfWork;
  tenants: TenantService;
}

/** Deleting a tenant with everything in it: immediate and final, for its admins. */
export class TenantDeletion {
  constructor(private readonly deps: TenantDeletionDeps) {}

  /** Deletes the tenant with every workspace, group and API key, in one transaction. Needs `administrate`. */
  async delete(caller: Caller, input: { id: string }): Promise<Committed<string>> {
    const id = requireId('id', input.id);
    await this.deps.tenants.authorize(caller, id, 'administrate');
    return this.deps.uow.run(
      async (tx) => {
        await deleteTenantAndContents(tx, id);
        return id;
      },
      { by: caller, tenant: { id, lock: 'delete' } },
    );
  }
}

/**
 * Deletes every workspace, group, API key and invitation of a tenant, then the tenant, emitting the events that
 * remove their relationships (each a consequence of TenantDeleted, which heads the change). The
 * caller holds the tenant's `delete` lock (FOR UPDATE), which every change inside the tenant
 * conflicts with: none is in flight, none can start. Each relationship removed still comes from
 * the rows a DELETE … RETURNING actually deleted, children before their parents, so nothing is
 * left to a cascade that no event describes.
 */
export async function deleteTenantAndContents({ trx, emit, emitConsequence }: Transaction, tenantId: string): Promise<void> {
  const grants = await deleteGrants(trx, { tenantId });
  const memberships = await deleteGroupMembers(trx, { tenantId });
  const apiKeys = await deleteTenantApiKeys(trx, tenantId);
  const workspaces = await deleteTenantWorkspaces(trx, tenantId);
  const grantsOn = groupBy(grants, (g) => g.workspaceId, (g) => ({ subject: g.subject, role: g.role }));
  for (const w of workspaces) {
    emitConsequence({ type: 'WorkspaceDeleted', tenantId, workspaceId: w.id, parentId: w.parentId, name: w.name, members: grantsOn.get(w.id) ?? [] });
  }
  const groups = await deleteTenantGroups(trx, tenantId);
  const membersOf = groupBy(memberships, (m) => m.groupId, (m) => ({ userId: m.userId, role: m.role }));
  for (const g of groups) emitConsequence({ type: 'GroupDeleted', tenantId, groupId: g.id, name: g.name, members: membersOf.get(g.id) ?? [] });
  for (const k of apiKeys) emitConsequence({ type: 'ApiKeyDeleted', tenantId, apiKeyId: k.id, ownerUserId: k.ownerUserId, name: k.name });
  // Invitations go with it: one that could still have been accepted is revoked, in the audit log too.
  for (const i of await deleteTenantInvitations(trx, tenantId)) {
    emitConsequence({ type: 'InvitationRevoked', tenantId, invitationId: i.id, email: i.email, role: i.role, cause: 'tenant_deleted' });
  }
  const members = await deleteTenantMembers(trx, tenantId);
  const name = await deleteTenantRow(trx, tenantId);
  emit({ type: 'TenantDeleted', tenantId, ...(name === null ? {} : { name }), members });
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
