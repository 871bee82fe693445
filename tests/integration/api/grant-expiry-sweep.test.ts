import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../support/server.js';
import { waitFor } from '../../support/wait-for.js';

/* The relay leader sweeps by itself every GRANT_EXPIRY_SWEEP_MS: nobody calls sweep() here. */
describe('the relay leader sweeps expired grants by itself', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ GRANT_EXPIRY_SWEEP_MS: '250' });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('deletes an ended group membership soon after its end, audited as SYSTEM', async () => {
    const viewer = await server.asAdmin<{ viewer: { user: { id: string }; tenants: { nodes: { id: string }[] } } }>('{ viewer { user { id } tenants { nodes { id } } } }');
    const me = viewer.data?.viewer.user.id ?? '';
    const tenantId = viewer.data?.viewer.tenants.nodes[0]?.id ?? '';
    const created = await server.asAdmin<{ createGroup: { group: { id: string } } }>(
      'mutation($t: ID!) { createGroup(input: { tenantId: $t, name: "Short-lived" }) { group { id } } }',
      { t: tenantId },
    );
    const groupId = created.data?.createGroup.group.id ?? '';
    const other = await server.asAdmin<{ createGroup: { group: { id: string } } }>('mutation($t: ID!) { createGroup(input: { tenantId: $t, name: "Keeper" }) { group { id } } }', {
      t: tenantId,
    });
    expect(other.errors).toBeUndefined();
    // The same role again with an end: the membership now ends in 1.5 s.
    const at = new Date(Date.now() + 1500).toISOString();
    const changed = await server.asAdmin<{ addGroupMember: { member: { expiresAt: string } } }>(
      'mutation($g: ID!, $u: ID!, $at: DateTime) { addGroupMember(input: { groupId: $g, userId: $u, role: ADMIN, expiresAt: $at }) { member { expiresAt } } }',
      { g: groupId, u: me, at },
    );
    expect(changed.data?.addGroupMember.member.expiresAt).toBe(at);
    const rows = async () => (await server.database.pool.query('SELECT 1 FROM group_members WHERE group_id = $1', [groupId])).rowCount;
    expect(await rows()).toBe(1);
    await waitFor(async () => (await rows()) === 0, { timeoutMs: 15_000, intervalMs: 100, message: 'the leader to sweep' });
    const audit = await server.database.pool.query<{ via: string; job: string }>("SELECT via, job FROM audit_log WHERE action = 'GROUP_MEMBER_EXPIRED' AND target_id = $1", [groupId]);
    expect(audit.rows).toEqual([{ via: 'SYSTEM', job: 'grant-expiry' }]);
    // The other group's membership, without an end, stays.
    expect((await server.database.pool.query('SELECT 1 FROM group_members WHERE group_id = $1', [other.data?.createGroup.group.id])).rowCount).toBe(1);
  });
});
