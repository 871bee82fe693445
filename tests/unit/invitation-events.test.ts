import { describe, expect, it } from 'vitest';
import { changeEntries } from '../../src/changes/audit-writer.js';
import type { UserActor } from '../../src/events/actor.js';
import { isSynced, relationshipsOf, type DomainEvent } from '../../src/events/domain-events.js';
import { ref } from '../../src/infra/spicedb/relationships.js';
import { closedInvitation } from '../../src/invitations/invitation-rules.js';
import type { InvitationStatus } from '../../src/invitations/invitation.js';

const invitee: UserActor = { via: 'oidc', userId: 'U9', username: 'newcomer', apiKeyId: null, requestId: 'req-9' };
const invited = { tenantId: 'T', invitationId: 'I', email: 'New.Comer@example.com', role: 'member' as const };

describe('invitation events', () => {
  it('write no relationship and never reach the outbox: a pending invitation grants nothing', () => {
    const events: DomainEvent[] = [
      { type: 'InvitationCreated', ...invited, expiresAt: '2026-12-14T00:00:00.000Z', workspaceRoles: 1, groups: 0 },
      { type: 'InvitationRevoked', ...invited, cause: 'revoked' },
      { type: 'InvitationAccepted', ...invited, userId: 'U9', alreadyMember: false, skipped: [] },
      { type: 'InvitationDeclined', ...invited, userId: 'U9' },
    ];
    for (const event of events) {
      expect(relationshipsOf(event), event.type).toEqual([]);
      expect(isSynced(event), event.type).toBe(false);
    }
  });

  it('an acceptance heads its change; the membership and grants it brought are its consequences, with their relationships', () => {
    const membership: DomainEvent = { type: 'TenantMemberAdded', tenantId: 'T', userId: 'U9', role: 'member' };
    const grant: DomainEvent = { type: 'WorkspaceMemberAdded', tenantId: 'T', workspaceId: 'W', subject: { type: 'user', id: 'U9' }, role: 'editor' };
    const accepted: DomainEvent = { type: 'InvitationAccepted', ...invited, userId: 'U9', alreadyMember: false, skipped: ['W2'] };
    const rows = changeEntries(invitee, [
      { event: membership, consequence: true },
      { event: grant, consequence: true },
      { event: accepted, consequence: false },
    ]);
    expect(rows.map((r) => r.action)).toEqual(['INVITATION_ACCEPTED', 'TENANT_MEMBER_ADDED', 'WORKSPACE_ROLE_GRANTED']);
    const [headline, ...rest] = rows;
    expect(headline).toMatchObject({
      headline_id: null,
      target_type: 'invitation',
      target_id: 'I',
      target_name: 'New.Comer@example.com',
      subject_type: 'user',
      subject_id: 'U9',
      actor_id: 'U9',
      via: 'OIDC',
      changes: [
        { field: 'status', before: 'pending', after: 'accepted' },
        { field: 'skipped', before: null, after: 'W2' },
      ],
    });
    for (const r of rest) expect(r).toMatchObject({ headline_id: headline?.id, tenant_id: 'T', request_id: 'req-9' });
    expect(relationshipsOf(membership)).toEqual([{ op: 'touch', tuple: { resource: ref('tenant', 'T'), relation: 'member', subject: ref('user', 'U9') } }]);
  });

  it('a created invitation names its address, role and expiry; a revocation says why', () => {
    const [created] = changeEntries(invitee, [
      { event: { type: 'InvitationCreated', ...invited, role: 'admin', expiresAt: '2026-12-14T00:00:00.000Z', workspaceRoles: 0, groups: 2 }, consequence: false },
    ]);
    expect(created).toMatchObject({ action: 'INVITATION_CREATED', subject_id: null });
    expect(created?.changes).toEqual([
      { field: 'email', before: null, after: 'New.Comer@example.com' },
      { field: 'role', before: null, after: 'admin' },
      { field: 'expiresAt', before: null, after: '2026-12-14T00:00:00.000Z' },
      { field: 'status', before: null, after: 'pending' },
    ]);
    const [revoked] = changeEntries(invitee, [{ event: { type: 'InvitationRevoked', ...invited, cause: 'tenant_deleted' }, consequence: true }]);
    expect(revoked?.changes).toEqual([
      { field: 'status', before: 'pending', after: 'revoked' },
      { field: 'cause', before: null, after: 'tenant_deleted' },
    ]);
  });
});

describe('closedInvitation', () => {
  it('lets only a pending invitation through and names what became of any other', () => {
    expect(() => closedInvitation({ status: 'pending' })).not.toThrow();
    const reasons: [InvitationStatus, string][] = [
      ['expired', 'INVITATION_EXPIRED'],
      ['revoked', 'INVITATION_REVOKED'],
      ['accepted', 'INVITATION_ACCEPTED'],
      ['declined', 'INVITATION_DECLINED'],
    ];
    for (const [status, reason] of reasons) {
      expect(() => closedInvitation({ status })).toThrow(expect.objectContaining({ code: 'CONFLICT', reason }) as Error);
    }
  });
});
