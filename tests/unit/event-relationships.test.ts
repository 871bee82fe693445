import { describe, expect, it } from 'vitest';
import { ref } from '../../src/infra/spicedb/relationships.js';
import { decodeEvent, relationshipUpdates, UnprocessableEventError } from '../../src/events/event-relationships.js';

const tuple = { resource: ref('tenant', 'T'), relation: 'member', subject: ref('user', 'U') };

describe('relationshipUpdates', () => {
  it('translates a stored domain event', () => {
    const payload = { type: 'TenantMemberAdded', tenantId: 'T', userId: 'U', role: 'member' };
    expect(relationshipUpdates('TenantMemberAdded', payload)).toEqual([{ op: 'touch', tuple }]);
  });

  it('changes a role in one write: the old relationship deleted, the new one written', () => {
    const tenant = ref('tenant', 'T');
    expect(relationshipUpdates('TenantMemberRoleChanged', { type: 'TenantMemberRoleChanged', tenantId: 'T', userId: 'U', role: 'admin', previousRole: 'member' })).toEqual([
      { op: 'delete', tuple: { resource: tenant, relation: 'member', subject: ref('user', 'U') } },
      { op: 'touch', tuple: { resource: tenant, relation: 'admin', subject: ref('user', 'U') } },
    ]);
    const group = { type: 'group', id: 'G', relation: 'member' };
    const workspaceChange = { type: 'WorkspaceMemberRoleChanged', tenantId: 'T', workspaceId: 'W', subject: { type: 'group', id: 'G' }, role: 'editor', previousRole: 'member' };
    expect(relationshipUpdates('WorkspaceMemberRoleChanged', workspaceChange)).toEqual([
      { op: 'delete', tuple: { resource: ref('workspace', 'W'), relation: 'member', subject: group } },
      { op: 'touch', tuple: { resource: ref('workspace', 'W'), relation: 'editor', subject: group } },
    ]);
    expect(relationshipUpdates('GroupMemberRoleChanged', { type: 'GroupMemberRoleChanged', tenantId: 'T', groupId: 'G', userId: 'U', role: 'member', previousRole: 'admin' })).toEqual([
      { op: 'delete', tuple: { resource: ref('group', 'G'), relation: 'admin', subject: ref('user', 'U') } },
      { op: 'touch', tuple: { resource: ref('group', 'G'), relation: 'direct_member', subject: ref('user', 'U') } },
    ]);
  });

  it('writes an expiring grant with its end, rewrites it when the end changes, and removes it when swept', () => {
    const at = '2030-01-02T03:04:05.678Z';
    const grant = { tenantId: 'T', workspaceId: 'W', subject: { type: 'user', id: 'U' }, role: 'editor' };
    const editor = { resource: ref('workspace', 'W'), relation: 'editor', subject: ref('user', 'U') };
    expect(relationshipUpdates('WorkspaceMemberAdded', { type: 'WorkspaceMemberAdded', ...grant, expiresAt: at })).toEqual([{ op: 'touch', tuple: { ...editor, expiresAt: at } }]);
    // Without an end, no expiration at all (a TOUCH then removes one held before).
    expect(relationshipUpdates('WorkspaceMemberAdded', { type: 'WorkspaceMemberAdded', ...grant, expiresAt: null })).toEqual([{ op: 'touch', tuple: editor }]);
    expect(
      relationshipUpdates('WorkspaceMemberExpiryChanged', { type: 'WorkspaceMemberExpiryChanged', ...grant, expiresAt: null, previousExpiresAt: at }),
    ).toEqual([{ op: 'touch', tuple: editor }]);
    expect(relationshipUpdates('WorkspaceMemberExpired', { type: 'WorkspaceMemberExpired', ...grant, expiresAt: at })).toEqual([{ op: 'delete', tuple: editor }]);
    const member = { resource: ref('group', 'G'), relation: 'direct_member', subject: ref('user', 'U') };
    expect(relationshipUpdates('GroupMemberAdded', { type: 'GroupMemberAdded', tenantId: 'T', groupId: 'G', userId: 'U', role: 'member', expiresAt: at })).toEqual([
      { op: 'touch', tuple: { ...member, expiresAt: at } },
    ]);
    expect(relationshipUpdates('TenantMemberExpired', { type: 'TenantMemberExpired', tenantId: 'T', userId: 'U', role: 'member', expiresAt: at })).toEqual([
      { op: 'delete', tuple },
    ]);
    expect(relationshipUpdates('TenantMemberAdded', { type: 'TenantMemberAdded', tenantId: 'T', userId: 'U', role: 'member', expiresAt: at })).toEqual([
      { op: 'touch', tuple: { ...tuple, expiresAt: at } },
    ]);
  });

  it('rejects a replayed update whose end is not an instant', () => {
    const bad = { type: 'ReplayOfParked', tenantId: null, replayOf: '1', updates: [{ op: 'touch', tuple: { ...tuple, expiresAt: 'tomorrow' } }] };
    expect(() => relationshipUpdates('ReplayOfParked', bad)).toThrow(UnprocessableEventError);
  });

  it('moves a workspace by swapping its one parent edge in one write, nothing else', () => {
    const moved = { type: 'WorkspaceMoved', tenantId: 'T', workspaceId: 'W', previousParentId: 'OLD', parentId: 'NEW', name: 'w', subtreeSize: 3 };
    expect(relationshipUpdates('WorkspaceMoved', moved)).toEqual([
      { op: 'delete', tuple: { resource: ref('workspace', 'W'), relation: 'parent', subject: ref('workspace', 'OLD') } },
      { op: 'touch', tuple: { resource: ref('workspace', 'W'), relation: 'parent', subject: ref('workspace', 'NEW') } },
    ]);
  });

  it('translates group events to the group relationships the rebuild writes', () => {
    expect(relationshipUpdates('GroupCreated', { type: 'GroupCreated', tenantId: 'T', groupId: 'G', name: 'g' })).toEqual([
      { op: 'touch', tuple: { resource: ref('group', 'G'), relation: 'tenant', subject: ref('tenant', 'T') } },
    ]);
    expect(relationshipUpdates('GroupMemberAdded', { type: 'GroupMemberAdded', tenantId: 'T', groupId: 'G', userId: 'U', role: 'member' })).toEqual([
      { op: 'touch', tuple: { resource: ref('group', 'G'), relation: 'direct_member', subject: ref('user', 'U') } },
    ]);
    expect(relationshipUpdates('GroupMemberRemoved', { type: 'GroupMemberRemoved', tenantId: 'T', groupId: 'G', userId: 'U', role: 'admin' })).toEqual([
      { op: 'delete', tuple: { resource: ref('group', 'G'), relation: 'admin', subject: ref('user', 'U') } },
    ]);
    expect(relationshipUpdates('GroupRenamed', { type: 'GroupRenamed', tenantId: 'T', groupId: 'G', name: 'b', previousName: 'a' })).toEqual([]);
  });

  it('rejects unknown types, payloads of another type and malformed replay updates', () => {
    expect(() => decodeEvent('SomethingNew', { type: 'SomethingNew' })).toThrow(UnprocessableEventError);
    expect(() => decodeEvent('TenantCreated', { type: 'TenantDeleted' })).toThrow(UnprocessableEventError);
    expect(() => decodeEvent('TenantCreated', null)).toThrow(UnprocessableEventError);
    expect(() => relationshipUpdates('ReplayOfParked', { type: 'ReplayOfParked', updates: [{ op: 'upsert', tuple }] })).toThrow(
      UnprocessableEventError,
    );
  });

  it('turns payloads that translate badly into errors of the event, never of SpiceDB', () => {
    // Missing fields would otherwise reach the client as empty ids or throw inside it.
    expect(() => relationshipUpdates('TenantMemberAdded', { type: 'TenantMemberAdded', tenantId: 'T' })).toThrow(/malformed updates/);
    expect(() => relationshipUpdates('TenantDeleted', { type: 'TenantDeleted', tenantId: 'T' })).toThrow(/cannot be translated/);
  });

  it('collapses repeats of one relationship to the last, as applying them in order would', () => {
    const payload = {
      type: 'ReplayOfParked',
      tenantId: 'T',
      replayOf: '1',
      updates: [
        { op: 'touch', tuple },
        { op: 'touch', tuple: { ...tuple, relation: 'admin' } },
        { op: 'delete', tuple },
      ],
    };
    expect(relationshipUpdates('ReplayOfParked', payload)).toEqual([
      { op: 'touch', tuple: { ...tuple, relation: 'admin' } },
      { op: 'delete', tuple },
    ]);
  });
});
