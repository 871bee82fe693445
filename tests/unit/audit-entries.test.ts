import { readFileSync } from 'node:fs';
import { parse, type EnumTypeDefinitionNode } from 'graphql';
import { describe, expect, it } from 'vitest';
import { changeEntries } from '../../src/changes/audit-writer.js';
import { systemActor, type UserActor } from '../../src/events/actor.js';
import { AUDIT_ACTIONS } from '../../src/events/audit-record.js';
import { relationshipUpdates } from '../../src/events/event-relationships.js';
import { ref } from '../../src/infra/spicedb/relationships.js';
import { SCHEMA_GRAPHQL_PATH } from '../../src/graphql/schema.js';

const owner: UserActor = { via: 'api_key', userId: 'U1', username: 'owner', apiKeyId: 'K1', requestId: 'req-1' };

describe('audit entries of a change', () => {
  it('one per event and per consequence: the headline first, the rest naming it, all with the actor and request', () => {
    const rows = changeEntries(owner, [
      { event: { type: 'WorkspaceMemberRemoved', tenantId: 'T', workspaceId: 'W', subject: { type: 'user', id: 'U2' }, role: 'editor' }, consequence: true },
      { event: { type: 'TenantMemberRemoved', tenantId: 'T', userId: 'U2', role: 'member' }, consequence: false },
      { event: { type: 'ApiKeyRevoked', tenantId: 'T', apiKeyId: 'K2', ownerUserId: 'U2', prefix: 'karto_ab' }, consequence: true },
    ]);
    expect(rows.map((r) => r.action)).toEqual(['TENANT_MEMBER_REMOVED', 'WORKSPACE_ROLE_REVOKED', 'API_KEY_REVOKED']);
    const [headline, ...rest] = rows;
    expect(headline).toMatchObject({ headline_id: null, via: 'API_KEY', api_key_id: 'K1', actor_id: 'U1', actor_username: 'owner', request_id: 'req-1', subject_id: 'U2' });
    for (const r of rest) expect(r).toMatchObject({ headline_id: headline?.id, request_id: 'req-1', tenant_id: 'T' });
    expect(rest[0]?.changes).toEqual([{ field: 'role', before: 'editor', after: null }]);
    // Ids increase in the order written, so entries of one change sort as they were made.
    expect([...rows.map((r) => r.id)].sort()).toEqual(rows.map((r) => r.id));
    // The prefix of a revoked key is no secret, but nothing of it is needed either.
    expect(JSON.stringify(rows)).not.toContain('karto_ab');
  });

  it('a deleted tenant takes its members along, each its own entry; SYSTEM has no actor', () => {
    const rows = changeEntries(systemActor('retention'), [
      { event: { type: 'TenantDeleted', tenantId: 'T', name: 'Acme', members: [{ userId: 'U1', role: 'admin' }, { userId: 'U2', role: 'member' }] }, consequence: false },
    ]);
    expect(rows.map((r) => [r.action, r.target_name, r.subject_id, r.headline_id === null])).toEqual([
      ['TENANT_DELETED', 'Acme', null, true],
      ['TENANT_MEMBER_REMOVED', 'Acme', 'U1', false],
      ['TENANT_MEMBER_REMOVED', 'Acme', 'U2', false],
    ]);
    expect(rows[0]).toMatchObject({ via: 'SYSTEM', job: 'retention', actor_id: null, request_id: null });
  });

  it('a trash, a restore under a new name and a purge say what changed', () => {
    const held = { tenantId: 'T', workspaceId: 'W', parentId: 'P', members: [{ subject: { type: 'group' as const, id: 'G' }, role: 'member' as const }] };
    const [trashed] = changeEntries(owner, [{ event: { type: 'WorkspaceTrashed', ...held, name: 'Old' }, consequence: false }]);
    expect(trashed).toMatchObject({ action: 'WORKSPACE_DELETED', target_name: 'Old', changes: [{ field: 'deleted', before: 'false', after: 'true' }] });
    const [restored] = changeEntries(owner, [{ event: { type: 'WorkspaceRestored', ...held, name: 'New', previousName: 'Old' }, consequence: false }]);
    expect(restored?.changes).toEqual([{ field: 'deleted', before: 'true', after: 'false' }, { field: 'name', before: 'Old', after: 'New' }]);
    const purged = changeEntries(owner, [{ event: { type: 'WorkspacePurged', ...held, name: 'Old' }, consequence: false }]);
    expect(purged.map((r) => [r.action, r.subject_id])).toEqual([['WORKSPACE_PURGED', null], ['WORKSPACE_ROLE_REVOKED', 'G']]);
  });

  it('the AuditAction enum of schema.graphql names exactly the actions entries are written with', () => {
    const document = parse(readFileSync(SCHEMA_GRAPHQL_PATH, 'utf8'));
    const enumNode = document.definitions.find((d): d is EnumTypeDefinitionNode => d.kind === 'EnumTypeDefinition' && d.name.value === 'AuditAction');
    expect(enumNode?.values?.map((v) => v.name.value).sort()).toEqual([...AUDIT_ACTIONS].sort());
  });
});

describe('trash relationships', () => {
  const held = { tenantId: 'T', workspaceId: 'W', parentId: 'P', name: 'w', members: [{ subject: { type: 'user', id: 'U' }, role: 'editor' }] };
  const tuples = [
    { resource: ref('workspace', 'W'), relation: 'parent', subject: ref('workspace', 'P') },
    { resource: ref('workspace', 'W'), relation: 'editor', subject: ref('user', 'U') },
  ];

  it('a trash removes the workspace from the tree and its grants from SpiceDB; a restore writes them back; a purge needs nothing', () => {
    const trashed = relationshipUpdates('WorkspaceTrashed', { type: 'WorkspaceTrashed', ...held });
    for (const t of tuples) expect(trashed).toContainEqual({ op: 'delete', tuple: expect.objectContaining({ relation: t.relation, subject: expect.objectContaining({ id: t.subject.id }) }) });
    expect(trashed.every((u) => u.op === 'delete')).toBe(true);
    const restored = relationshipUpdates('WorkspaceRestored', { type: 'WorkspaceRestored', ...held, previousName: 'w' });
    expect(restored.map((u) => ({ ...u, op: 'delete' }))).toEqual(trashed);
    expect(restored.every((u) => u.op === 'touch')).toBe(true);
  });
});
