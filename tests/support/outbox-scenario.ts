import { daysFromNow } from '../../src/api-keys/api-key.js';
import { ulid } from 'ulid';
import type { Db, Tx } from '../../src/infra/db/database.js';
import type { GroupRole, TenantRole, WorkspaceRole } from '../../src/events/roles.js';
import { removeFromTenant } from '../../src/lifecycle/tenant-departure.js';
import { isSynced, type DomainEvent } from '../../src/events/domain-events.js';
import { appendEvents } from '../../src/outbox/outbox.repository.js';
import { nameKey } from '../../src/shared/names.js';
import { TEST_SETUP } from './services.js';

/**
 * Writes facts and their outbox events in one transaction per change, the way services do, so
 * that "what PostgreSQL implies" and "what the events produce" can be compared. Kept independent of
 * the service layer on purpose: these tests are about the outbox, not the domain rules.
 */
export class OutboxScenario {
  constructor(private readonly db: Db) {}

  private async change(work: (trx: Tx) => Promise<DomainEvent[]>): Promise<string[]> {
    return this.db.transaction().execute(async (trx) => appendEvents(trx, await work(trx)));
  }

  async user(): Promise<string> {
    const id = ulid();
    await this.db.insertInto('users').values({ id, issuer: 'https://scenario.test', subject: id, username: id, username_key: nameKey(id) }).execute();
    return id;
  }

  async tenant(adminId: string): Promise<{ tenantId: string; rootId: string; seqs: string[] }> {
    const tenantId = ulid();
    const rootId = ulid();
    const seqs = await this.change(async (trx) => {
      await trx.insertInto('tenants').values({ id: tenantId, name: `t-${tenantId}`, name_key: nameKey(`t-${tenantId}`) }).execute();
      await trx.insertInto('tenant_members').values({ tenant_id: tenantId, user_id: adminId, role: 'admin' }).execute();
      await trx.insertInto('workspaces').values({ id: rootId, tenant_id: tenantId, parent_id: null, name: 'Root', name_key: 'root', depth: 0 }).execute();
      await trx.insertInto('workspace_members').values({ workspace_id: rootId, user_id: adminId, group_id: null, role: 'admin' }).execute();
      return [
        { type: 'TenantCreated', tenantId, name: `t-${tenantId}` },
        { type: 'TenantMemberAdded', tenantId, userId: adminId, role: 'admin' },
        { type: 'WorkspaceCreated', tenantId, workspaceId: rootId, parentId: null, name: 'Root' },
        { type: 'WorkspaceMemberAdded', tenantId, workspaceId: rootId, subject: { type: 'user', id: adminId }, role: 'admin' },
      ];
    });
    return { tenantId, rootId, seqs };
  }

  async workspace(tenantId: string, parentId: string, creatorId: string): Promise<{ workspaceId: string; seqs: string[] }> {
    const workspaceId = ulid();
    const seqs = await this.change(async (trx) => {
      const parent = await trx.selectFrom('workspaces').select('depth').where('id', '=', parentId).executeTakeFirstOrThrow();
      await trx.insertInto('workspaces').values({ id: workspaceId, tenant_id: tenantId, parent_id: parentId, name: workspaceId, name_key: nameKey(workspaceId), depth: parent.depth + 1 }).execute();
      await trx.insertInto('workspace_members').values({ workspace_id: workspaceId, user_id: creatorId, group_id: null, role: 'admin' }).execute();
      return [
        { type: 'WorkspaceCreated', tenantId, workspaceId, parentId, name: workspaceId },
        { type: 'WorkspaceMemberAdded', tenantId, workspaceId, subject: { type: 'user', id: creatorId }, role: 'admin' },
      ];
    });
    return { workspaceId, seqs };
  }

  async rename(tenantId: string, workspaceId: string): Promise<string[]> {
    return this.change(async (trx) => {
      await trx.updateTable('workspaces').set({ name: `renamed-${ulid()}` }).where('id', '=', workspaceId).execute();
      return [{ type: 'WorkspaceRenamed', tenantId, workspaceId, name: 'renamed', previousName: workspaceId }];
    });
  }

  async addTenantMember(tenantId: string, userId: string, role: TenantRole): Promise<string[]> {
    return this.change(async (trx) => {
      await trx.insertInto('tenant_members').values({ tenant_id: tenantId, user_id: userId, role }).execute();
      return [{ type: 'TenantMemberAdded', tenantId, userId, role }];
    });
  }

  async removeTenantMember(tenantId: string, userId: string): Promise<string[]> {
    return this.change(async (trx) => {
      const removed = await trx.deleteFrom('tenant_members').where('tenant_id', '=', tenantId).where('user_id', '=', userId).returning('role').executeTakeFirstOrThrow();
      return [{ type: 'TenantMemberRemoved', tenantId, userId, role: removed.role }];
    });
  }

  async addWorkspaceMember(tenantId: string, workspaceId: string, userId: string, role: WorkspaceRole): Promise<string[]> {
    return this.change(async (trx) => {
      await trx.insertInto('workspace_members').values({ workspace_id: workspaceId, user_id: userId, group_id: null, role }).execute();
      return [{ type: 'WorkspaceMemberAdded', tenantId, workspaceId, subject: { type: 'user', id: userId }, role }];
    });
  }

  async deleteWorkspace(tenantId: string, workspaceId: string): Promise<string[]> {
    return this.change(async (trx) => {
      const members = await trx.deleteFrom('workspace_members').where('workspace_id', '=', workspaceId).returning(['user_id', 'role']).execute();
      const row = await trx.deleteFrom('workspaces').where('id', '=', workspaceId).returning('parent_id').executeTakeFirstOrThrow();
      return [
        {
          type: 'WorkspaceDeleted',
          tenantId,
          workspaceId,
          parentId: row.parent_id,
          members: members.map((m) => ({ subject: { type: 'user' as const, id: m.user_id ?? '' }, role: m.role })),
        },
      ];
    });
  }

  async apiKey(tenantId: string, ownerUserId: string): Promise<{ apiKeyId: string; seqs: string[] }> {
    const apiKeyId = ulid();
    const seqs = await this.change(async (trx) => {
      await trx
        .insertInto('api_keys')
        .values({ id: apiKeyId, tenant_id: tenantId, owner_user_id: ownerUserId, name: apiKeyId, name_key: nameKey(apiKeyId), prefix: 'karto_x', secret_sha256: Buffer.alloc(32), expires_at: daysFromNow(30) })
        .execute();
      return [{ type: 'ApiKeyCreated', tenantId, apiKeyId, ownerUserId }];
    });
    return { apiKeyId, seqs };
  }

  async deleteApiKey(tenantId: string, apiKeyId: string, ownerUserId: string): Promise<string[]> {
    return this.change(async (trx) => {
      await trx.deleteFrom('api_keys').where('id', '=', apiKeyId).execute();
      return [{ type: 'ApiKeyDeleted', tenantId, apiKeyId, ownerUserId }];
    });
  }

  async group(tenantId: string, adminId: string): Promise<string> {
    const groupId = ulid();
    await this.change(async (trx) => {
      await trx.insertInto('groups').values({ id: groupId, tenant_id: tenantId, name: groupId, name_key: nameKey(groupId) }).execute();
      await trx.insertInto('group_members').values({ group_id: groupId, user_id: adminId, role: 'admin' }).execute();
      return [
        { type: 'GroupCreated', tenantId, groupId, name: groupId },
        { type: 'GroupMemberAdded', tenantId, groupId, userId: adminId, role: 'admin' },
      ];
    });
    return groupId;
  }

  async addGroupMember(tenantId: string, groupId: string, userId: string, role: GroupRole): Promise<string[]> {
    return this.change(async (trx) => {
      await trx.insertInto('group_members').values({ group_id: groupId, user_id: userId, role }).execute();
      return [{ type: 'GroupMemberAdded', tenantId, groupId, userId, role }];
    });
  }

  async changeGroupMemberRole(tenantId: string, groupId: string, userId: string, role: GroupRole, previousRole: GroupRole): Promise<string[]> {
    return this.change(async (trx) => {
      await trx.updateTable('group_members').set({ role }).where('group_id', '=', groupId).where('user_id', '=', userId).execute();
      return [{ type: 'GroupMemberRoleChanged', tenantId, groupId, userId, role, previousRole }];
    });
  }

  async changeTenantMemberRole(tenantId: string, userId: string, role: TenantRole, previousRole: TenantRole): Promise<string[]> {
    return this.change(async (trx) => {
      await trx.updateTable('tenant_members').set({ role }).where('tenant_id', '=', tenantId).where('user_id', '=', userId).execute();
      return [{ type: 'TenantMemberRoleChanged', tenantId, userId, role, previousRole }];
    });
  }

  async grantGroup(tenantId: string, workspaceId: string, groupId: string, role: WorkspaceRole): Promise<string[]> {
    return this.change(async (trx) => {
      await trx.insertInto('workspace_members').values({ workspace_id: workspaceId, user_id: null, group_id: groupId, role }).execute();
      return [{ type: 'WorkspaceMemberAdded', tenantId, workspaceId, subject: { type: 'group', id: groupId }, role }];
    });
  }

  async changeWorkspaceRole(tenantId: string, workspaceId: string, userId: string, role: WorkspaceRole, previousRole: WorkspaceRole): Promise<string[]> {
    return this.change(async (trx) => {
      await trx.updateTable('workspace_members').set({ role }).where('workspace_id', '=', workspaceId).where('user_id', '=', userId).execute();
      return [{ type: 'WorkspaceMemberRoleChanged', tenantId, workspaceId, subject: { type: 'user', id: userId }, role, previousRole }];
    });
  }

  /** As the group service deletes: its grants' removals, then the group with its members. */
  async deleteGroup(tenantId: string, groupId: string): Promise<string[]> {
    return this.change(async (trx) => {
      const grants = await trx.selectFrom('workspace_members').select(['workspace_id', 'role']).where('group_id', '=', groupId).execute();
      const members = await trx.selectFrom('group_members').select(['user_id', 'role']).where('group_id', '=', groupId).execute();
      await trx.deleteFrom('groups').where('id', '=', groupId).execute();
      return [
        ...grants.map((g): DomainEvent => ({ type: 'WorkspaceMemberRemoved', tenantId, workspaceId: g.workspace_id, subject: { type: 'group', id: groupId }, role: g.role })),
        { type: 'GroupDeleted', tenantId, groupId, members: members.map((m) => ({ userId: m.user_id, role: m.role })) },
      ];
    });
  }

  /**
   * Access management: groups with members and roles that change, a group granted a role, a group
   * deleted with its grants, a member removed with everything they held (src/lifecycle/tenant-departure.ts).
   */
  async accessHistory(): Promise<{ tenantId: string; seqs: string[] }> {
    const adminId = await this.user();
    const memberId = await this.user();
    const leaverId = await this.user();
    const { tenantId, rootId, seqs } = await this.tenant(adminId);
    const child = await this.workspace(tenantId, rootId, adminId);
    seqs.push(...child.seqs, ...(await this.addTenantMember(tenantId, memberId, 'member')), ...(await this.addTenantMember(tenantId, leaverId, 'member')));
    const kept = await this.group(tenantId, adminId);
    const doomed = await this.group(tenantId, memberId);
    seqs.push(...(await this.addGroupMember(tenantId, kept, memberId, 'member')));
    seqs.push(...(await this.changeGroupMemberRole(tenantId, kept, memberId, 'admin', 'member')));
    seqs.push(...(await this.changeGroupMemberRole(tenantId, kept, adminId, 'member', 'admin')));
    seqs.push(...(await this.addGroupMember(tenantId, kept, leaverId, 'admin')));
    seqs.push(...(await this.grantGroup(tenantId, child.workspaceId, kept, 'editor')));
    seqs.push(...(await this.grantGroup(tenantId, rootId, doomed, 'member')));
    seqs.push(...(await this.addWorkspaceMember(tenantId, child.workspaceId, memberId, 'member')));
    seqs.push(...(await this.changeWorkspaceRole(tenantId, child.workspaceId, memberId, 'admin', 'member')));
    seqs.push(...(await this.changeTenantMemberRole(tenantId, memberId, 'admin', 'member')));
    seqs.push(...(await this.deleteGroup(tenantId, doomed)));
    seqs.push(...(await this.addWorkspaceMember(tenantId, child.workspaceId, leaverId, 'editor')));
    seqs.push(
      ...(await this.change(async (trx) => {
        const { emit, events } = collector();
        await removeFromTenant({ trx, actor: TEST_SETUP.by.actor, emit, emitConsequence: emit }, tenantId, leaverId, 'member');
        // As the unit of work appends them: facts only PostgreSQL holds stay out of the outbox.
        return events.filter(isSynced);
      })),
    );
    return { tenantId, seqs };
  }

  /**
   * A history where order matters: the same tenant membership flips many times, a workspace is
   * created and deleted, a key is created and deleted. Applying it out of order leaves a different
   * SpiceDB than PostgreSQL implies.
   */
  async mixedHistory(flips = 6): Promise<{ tenantId: string; rootId: string; flipperId: string; seqs: string[] }> {
    const adminId = await this.user();
    const flipperId = await this.user();
    const { tenantId, rootId, seqs } = await this.tenant(adminId);
    const child = await this.workspace(tenantId, rootId, adminId);
    seqs.push(...child.seqs);
    const grandChild = await this.workspace(tenantId, child.workspaceId, adminId);
    seqs.push(...grandChild.seqs);
    for (let i = 0; i < flips; i += 1) {
      seqs.push(...(await this.addTenantMember(tenantId, flipperId, i % 2 === 0 ? 'member' : 'admin')));
      seqs.push(...(await this.removeTenantMember(tenantId, flipperId)));
    }
    seqs.push(...(await this.addTenantMember(tenantId, flipperId, 'member')));
    seqs.push(...(await this.addWorkspaceMember(tenantId, child.workspaceId, flipperId, 'editor')));
    seqs.push(...(await this.rename(tenantId, child.workspaceId)));
    seqs.push(...(await this.deleteWorkspace(tenantId, grandChild.workspaceId)));
    const key = await this.apiKey(tenantId, adminId);
    seqs.push(...key.seqs);
    const doomed = await this.apiKey(tenantId, flipperId);
    seqs.push(...doomed.seqs);
    seqs.push(...(await this.deleteApiKey(tenantId, doomed.apiKeyId, flipperId)));
    return { tenantId, rootId, flipperId, seqs };
  }
}

function collector(): { emit: (event: DomainEvent) => void; events: DomainEvent[] } {
  const events: DomainEvent[] = [];
  return { emit: (event) => void events.push(event), events };
}
