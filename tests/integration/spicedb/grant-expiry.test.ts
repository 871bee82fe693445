import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ref, type Tuple } from '../../../src/infra/spicedb/relationships.js';
import type { SpiceDb } from '../../../src/infra/spicedb/spicedb.js';
import { groupMemberTuple, tenantMemberTuple, workspaceMemberTuple } from '../../../src/relationships/relationship-tuples.js';
import { startTestSpiceDb } from '../../support/spicedb.js';
import { waitFor } from '../../support/wait-for.js';

/*
 * Every shape schema.zed lets expire, against the embedded SpiceDB (v1.54, affected by
 * GHSA-w278-32qg-48q5 in one union shape the schema avoids): a relationship written with an expiry
 * counts until then and is denied after it with nothing else written; a TOUCH with another expiry
 * or none replaces it.
 */
describe('relationship expiration in every shape schema.zed uses', () => {
  let spicedb: SpiceDb;
  const user = (id: string) => ({ type: 'user', id });
  const check = (resource: { type: string; id: string }, permission: string, userId: string) =>
    spicedb.checkBulk([{ resource, permission, subject: user(userId) }], null).then(([a]) => a);
  const soon = (ms: number) => new Date(Date.now() + ms).toISOString();
  const write = (...tuples: Tuple[]) => spicedb.write(tuples.map((tuple) => ({ op: 'touch' as const, tuple })));

  beforeAll(async () => {
    spicedb = await startTestSpiceDb();
    await write(
      { resource: ref('workspace', 'w1'), relation: 'tenant', subject: ref('tenant', 't1') },
      { resource: ref('group', 'g1'), relation: 'tenant', subject: ref('tenant', 't1') },
      { resource: ref('group', 'g2'), relation: 'tenant', subject: ref('tenant', 't1') },
    );
  });
  afterAll(() => spicedb.close());

  it('denies an expired user grant, group grant, group membership and tenant membership; the rest stay', async () => {
    const at = soon(2500);
    await write(
      { ...workspaceMemberTuple('w1', { type: 'user', id: 'u-grant' }, 'editor'), expiresAt: at },
      workspaceMemberTuple('w1', { type: 'user', id: 'u-plain' }, 'editor'),
      // g1's grant expires; its member does not.
      { ...workspaceMemberTuple('w1', { type: 'group', id: 'g1' }, 'member'), expiresAt: at },
      groupMemberTuple('g1', 'u-in-g1', 'member'),
      // g2's grant stays; one membership expires, one admin membership expires.
      workspaceMemberTuple('w1', { type: 'group', id: 'g2' }, 'admin'),
      { ...groupMemberTuple('g2', 'u-in-g2', 'member'), expiresAt: at },
      { ...groupMemberTuple('g2', 'u-admin-g2', 'admin'), expiresAt: at },
      groupMemberTuple('g2', 'u-stays-g2', 'member'),
      { ...tenantMemberTuple('t1', 'u-tenant', 'member'), expiresAt: at },
    );
    const w1 = ref('workspace', 'w1');
    const t1 = ref('tenant', 't1');
    const before = [
      await check(w1, 'edit', 'u-grant'),
      await check(w1, 'view', 'u-in-g1'),
      await check(w1, 'manage', 'u-in-g2'),
      await check(w1, 'manage', 'u-admin-g2'),
      await check(t1, 'view', 'u-tenant'),
    ];
    expect(before).toEqual([true, true, true, true, true]);
    await waitFor(async () => !(await check(w1, 'edit', 'u-grant')), { timeoutMs: 8000, intervalMs: 100 });
    expect([
      await check(w1, 'edit', 'u-grant'),
      await check(w1, 'view', 'u-in-g1'),
      await check(w1, 'manage', 'u-in-g2'),
      await check(w1, 'manage', 'u-admin-g2'),
      await check(t1, 'view', 'u-tenant'),
    ]).toEqual([false, false, false, false, false]);
    expect([await check(w1, 'edit', 'u-plain'), await check(w1, 'manage', 'u-stays-g2')]).toEqual([true, true]);
    expect(await spicedb.lookupResources('workspace', 'view', user('u-grant'), null)).toEqual([]);
  });

  it('a TOUCH replaces the expiry: extended, removed, or already passed', async () => {
    const w1 = ref('workspace', 'w1');
    const grant = (id: string) => workspaceMemberTuple('w1', { type: 'user', id }, 'member');
    await write({ ...grant('u-extended'), expiresAt: soon(1500) }, { ...grant('u-unlimited'), expiresAt: soon(1500) }, grant('u-shortened'));
    await write({ ...grant('u-extended'), expiresAt: soon(60_000) }, grant('u-unlimited'), { ...grant('u-shortened'), expiresAt: new Date(Date.now() - 1000).toISOString() });
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect([await check(w1, 'view', 'u-extended'), await check(w1, 'view', 'u-unlimited'), await check(w1, 'view', 'u-shortened')]).toEqual([true, true, false]);
    const held = await spicedb.readRelationships({ resourceType: 'workspace', resourceId: 'w1', relation: 'member' }, null);
    const extended = held.find((t) => t.subject.id === 'u-extended');
    expect(extended?.expiresAt).toBeDefined();
    expect(held.find((t) => t.subject.id === 'u-unlimited')?.expiresAt).toBeUndefined();
    // An expired relationship is no longer read back.
    expect(held.some((t) => t.subject.id === 'u-shortened')).toBe(false);
  });
});
