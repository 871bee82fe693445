import { describe, expect, it } from 'vitest';
import { ref } from '../../src/infra/spicedb/relationships.js';
import { decodeEvent, relationshipUpdates, UnprocessableEventError } from '../../src/relationships/event-relationships.js';

const tuple = { resource: ref('tenant', 'T'), relation: 'member', subject: ref('user', 'U') };

describe('relationshipUpdates', () => {
  it('translates a stored domain event', () => {
    const payload = { type: 'TenantMemberAdded', tenantId: 'T', userId: 'U', role: 'member' };
    expect(relationshipUpdates('TenantMemberAdded', payload)).toEqual([{ op: 'touch', tuple }]);
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
