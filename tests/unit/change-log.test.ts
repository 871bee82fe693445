import { describe, expect, it } from 'vitest';
import { logChange } from '../../src/changes/change-log.js';
import { systemActor, type UserActor } from '../../src/events/actor.js';
import { captureLogs } from '../support/logs.js';

const alice: UserActor = { via: 'api_key', userId: 'U-ALICE', username: 'alice', apiKeyId: 'K-1', requestId: 'req-1' };
const subject = { type: 'user' as const, id: 'U-BOB' };

describe('the log line of a change', () => {
  it('is worded by the change’s first event that is no consequence, with the actor and the counts of every event', () => {
    const logs = captureLogs();
    logChange(logs.logger, alice, [
      { event: { type: 'WorkspaceMemberRemoved', tenantId: 'T', workspaceId: 'W', subject: { type: 'group', id: 'G' }, role: 'editor' }, consequence: true },
      { event: { type: 'GroupDeleted', tenantId: 'T', groupId: 'G', members: [] }, consequence: false },
    ]);
    expect(logs.lines).toHaveLength(1);
    expect(logs.lines[0]).toMatchObject({
      event: 'group_deleted',
      msg: 'group deleted',
      groupId: 'G',
      tenantId: 'T',
      principalId: 'U-ALICE',
      via: 'api_key',
      viaApiKeyId: 'K-1',
      requestId: 'req-1',
      events: { WorkspaceMemberRemoved: 1, GroupDeleted: 1 },
    });
  });

  it('tells a member who left from one who was removed, and names the job for the service’s own changes', () => {
    const logs = captureLogs();
    const removed = { type: 'TenantMemberRemoved' as const, tenantId: 'T', userId: 'U-BOB', role: 'member' as const };
    logChange(logs.logger, alice, [{ event: removed, consequence: false }]);
    logChange(logs.logger, { ...alice, userId: 'U-BOB' }, [{ event: removed, consequence: false }]);
    logChange(logs.logger, systemActor('bootstrap'), [{ event: { type: 'TenantCreated', tenantId: 'T', name: 'Default' }, consequence: false }]);
    expect(logs.lines.map((l) => [l.event, l.via, l.job])).toEqual([
      ['tenant_member_removed', 'api_key', undefined],
      ['tenant_member_left', 'api_key', undefined],
      ['tenant_created', 'system', 'bootstrap'],
    ]);
  });

  it('writes nothing for a change that recorded no event, and never a secret', () => {
    const logs = captureLogs();
    logChange(logs.logger, alice, []);
    logChange(logs.logger, alice, [{ event: { type: 'WorkspaceMemberAdded', tenantId: 'T', workspaceId: 'W', subject, role: 'admin' }, consequence: false }]);
    logChange(logs.logger, alice, [{ event: { type: 'ApiKeyRevoked', tenantId: 'T', apiKeyId: 'K-2', ownerUserId: 'U-BOB', prefix: 'karto_abcdefgh' }, consequence: false }]);
    expect(logs.lines.map((l) => l.event)).toEqual(['workspace_role_granted', 'api_key_revoked']);
    expect(logs.lines[1]).toMatchObject({ msg: 'API key revoked', apiKeyId: 'K-2', prefix: 'karto_abcdefgh' });
  });
});
