import type { TupleUpdate } from '../infra/spicedb/relationships.js';
import type { GroupRole } from '../groups/group.table.js';
import type { TenantRole, WorkspaceRole } from '../memberships/membership.table.js';

/** A subject that can hold a workspace role: a user, or every member of a group. */
export type WorkspaceSubject = { type: 'user'; id: string } | { type: 'group'; id: string };

/**
 * Domain events written to the outbox in the same transaction as the change they describe.
 * The relay turns each into relationship updates (src/relationships/event-relationships.ts); payloads are plain JSON.
 */
export type DomainEvent =
  | { type: 'TenantCreated'; tenantId: string; name: string }
  | { type: 'TenantDeleted'; tenantId: string; members: { userId: string; role: TenantRole }[] }
  | { type: 'TenantMemberAdded'; tenantId: string; userId: string; role: TenantRole }
  | { type: 'TenantMemberRemoved'; tenantId: string; userId: string; role: TenantRole }
  /** One event, so SpiceDB drops the old role and gains the new one in one write: never neither, never both. */
  | { type: 'TenantMemberRoleChanged'; tenantId: string; userId: string; role: TenantRole; previousRole: TenantRole }
  | { type: 'WorkspaceCreated'; tenantId: string; workspaceId: string; parentId: string | null; name: string }
  | { type: 'WorkspaceRenamed'; tenantId: string; workspaceId: string; name: string; previousName: string }
  | {
      type: 'WorkspaceDeleted';
      tenantId: string;
      workspaceId: string;
      parentId: string | null;
      members: { subject: WorkspaceSubject; role: WorkspaceRole }[];
    }
  | { type: 'WorkspaceMemberAdded'; tenantId: string; workspaceId: string; subject: WorkspaceSubject; role: WorkspaceRole }
  | { type: 'WorkspaceMemberRemoved'; tenantId: string; workspaceId: string; subject: WorkspaceSubject; role: WorkspaceRole }
  | {
      type: 'WorkspaceMemberRoleChanged';
      tenantId: string;
      workspaceId: string;
      subject: WorkspaceSubject;
      role: WorkspaceRole;
      previousRole: WorkspaceRole;
    }
  | { type: 'GroupCreated'; tenantId: string; groupId: string; name: string }
  | { type: 'GroupRenamed'; tenantId: string; groupId: string; name: string; previousName: string }
  /** Its workspace grants are removed by WorkspaceMemberRemoved events before it. */
  | { type: 'GroupDeleted'; tenantId: string; groupId: string; members: { userId: string; role: GroupRole }[] }
  | { type: 'GroupMemberAdded'; tenantId: string; groupId: string; userId: string; role: GroupRole }
  | { type: 'GroupMemberRemoved'; tenantId: string; groupId: string; userId: string; role: GroupRole }
  | { type: 'GroupMemberRoleChanged'; tenantId: string; groupId: string; userId: string; role: GroupRole; previousRole: GroupRole }
  | { type: 'ApiKeyCreated'; tenantId: string; apiKeyId: string; ownerUserId: string }
  | { type: 'ApiKeyDeleted'; tenantId: string; apiKeyId: string; ownerUserId: string }
  /** Written only by replay.ts: what is left of a parked event's updates, re-appended at the tail. */
  | { type: 'ReplayOfParked'; tenantId: string | null; replayOf: string; updates: TupleUpdate[] };

export type DomainEventType = DomainEvent['type'];

/** Which aggregate an event belongs to; stored beside the payload for operators and replay. */
export function aggregateOf(event: DomainEvent): { type: string; id: string } {
  switch (event.type) {
    case 'TenantCreated':
    case 'TenantDeleted':
    case 'TenantMemberAdded':
    case 'TenantMemberRemoved':
    case 'TenantMemberRoleChanged':
      return { type: 'tenant', id: event.tenantId };
    case 'WorkspaceCreated':
    case 'WorkspaceRenamed':
    case 'WorkspaceDeleted':
    case 'WorkspaceMemberAdded':
    case 'WorkspaceMemberRemoved':
    case 'WorkspaceMemberRoleChanged':
      return { type: 'workspace', id: event.workspaceId };
    case 'GroupCreated':
    case 'GroupRenamed':
    case 'GroupDeleted':
    case 'GroupMemberAdded':
    case 'GroupMemberRemoved':
    case 'GroupMemberRoleChanged':
      return { type: 'group', id: event.groupId };
    case 'ApiKeyCreated':
    case 'ApiKeyDeleted':
      return { type: 'api_key', id: event.apiKeyId };
    case 'ReplayOfParked':
      return { type: 'outbox', id: event.replayOf };
  }
}
