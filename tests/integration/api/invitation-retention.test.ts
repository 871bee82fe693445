import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Retention } from '../../../src/lifecycle/retention.js';
import { createLogger } from '../../../src/logger.js';
import { newId } from '../../../src/shared/ids.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { waitFor } from '../../support/wait-for.js';

const DAY_MS = 24 * 60 * 60 * 1000;

type Closed = 'accepted' | 'declined' | 'revoked' | 'expired' | 'lapsed' | 'pending';

/*
 * The retention of closed invitations: the relay leader's daily run deletes those closed (accepted,
 * declined, revoked, lapsed) more than 90 days ago, never longer ago than AUDIT_RETENTION_DAYS,
 * with a SYSTEM INVITATIONS_PURGED entry; pending ones stay whatever their age.
 */
describe('invitation retention', () => {
  let server: TestServer;
  let offsetMs = 0;
  const young: Partial<Record<'accepted' | 'revoked' | 'lapsed' | 'pending', string>> = {};
  const clock = () => new Date(Date.now() + offsetMs);

  /** An invitation of the bootstrap tenant that closed `ageDays` ago the way `how` says (pending: lapses `ageDays` ahead). */
  const insert = async (how: Closed, ageDays: number): Promise<string> => {
    const id = newId();
    const email = `${id.toLowerCase()}@example.com`;
    const at = `now() - make_interval(days => $4)`;
    const status = how === 'lapsed' ? 'pending' : how;
    const columns = {
      accepted: { extra: ', responded_at', values: `, ${at}`, expires: `now() + interval '1 day'` },
      declined: { extra: ', responded_at', values: `, ${at}`, expires: `now() + interval '1 day'` },
      revoked: { extra: ', revoked_at', values: `, ${at}`, expires: `now() + interval '1 day'` },
      expired: { extra: '', values: '', expires: at },
      lapsed: { extra: '', values: '', expires: at },
      pending: { extra: '', values: '', expires: `now() + make_interval(days => $4)` },
    }[how];
    await server.database.pool.query(
      `INSERT INTO invitations (id, tenant_id, email, email_key, role, status, expires_at${columns.extra})
       VALUES ($1, $2, $3, $3, 'member', $5, ${columns.expires}${columns.values})`,
      [id, server.runtime.bootstrap.tenantId, email, ageDays, status],
    );
    await server.database.pool.query(`INSERT INTO invitation_grants (invitation_id, position, workspace_id, role) VALUES ($1, 0, 'W', 'member')`, [id]);
    return id;
  };
  const exists = async (id: string) => (await server.database.pool.query('SELECT 1 FROM invitations WHERE id = $1', [id])).rows.length === 1;
  const grants = async (id: string) => (await server.database.pool.query('SELECT 1 FROM invitation_grants WHERE invitation_id = $1', [id])).rows.length;
  const auditPurges = async () =>
    (await server.database.pool.query<{ action: string }>(`SELECT action FROM audit_log WHERE action = 'AUDIT_LOG_PURGED' ORDER BY occurred_at, id`)).rows.length;
  const invitationPurges = async () =>
    (
      await server.database.pool.query<{ via: string; job: string; changes: { field: string; before: string | null; after: string | null }[] }>(
        `SELECT via, job, changes FROM audit_log WHERE action = 'INVITATIONS_PURGED' ORDER BY occurred_at, id`,
      )
    ).rows;

  beforeAll(async () => {
    server = await startTestServer({ AUDIT_RETENTION_DAYS: '400' }, { clock });
    // The leader's first run, at start, before any row of this test exists.
    await waitFor(async () => (await auditPurges()) === 1, 10_000);
  });
  afterAll(async () => server.stop());

  it('a day later the leader deletes the invitations closed more than 90 days ago, with their grants, and says how many; pending ones stay', async () => {
    const old = [await insert('accepted', 91), await insert('declined', 120), await insert('revoked', 95), await insert('expired', 100), await insert('lapsed', 92)];
    young.accepted = await insert('accepted', 88);
    young.revoked = await insert('revoked', 10);
    young.lapsed = await insert('lapsed', 30);
    young.pending = await insert('pending', 5);
    offsetMs = DAY_MS + 1000;
    await waitFor(async () => (await auditPurges()) === 2, 10_000);
    // The clock moved a day: 88 days then is 89 now, still young.
    expect(await Promise.all(old.map(exists))).toEqual(old.map(() => false));
    expect(await Promise.all(old.map(grants))).toEqual(old.map(() => 0));
    expect(await Promise.all(Object.values(young).map(exists))).toEqual([true, true, true, true]);
    expect(await invitationPurges()).toEqual([
      { via: 'SYSTEM', job: 'retention', changes: [{ field: 'invitations', before: '5', after: '0' }, { field: 'before', before: null, after: expect.any(String) }] },
    ]);
  });

  it('never keeps one longer than the audit retention, when that is shorter than 90 days', async () => {
    const shortLived = new Retention({ uow: server.runtime.services.uow, auditRetentionDays: 30, logger: createLogger('silent'), clock: () => new Date(Date.now() + 3 * DAY_MS) });
    const older = await insert('declined', 40);
    const newer = await insert('declined', 20);
    // Three days on, 30 days back: what closed more than 27 days ago goes, the first test's 88- and 30-day ones too.
    const run = await shortLived.runIfDue();
    expect(run).toMatchObject({ invitationsPurged: 3 });
    expect(await exists(older)).toBe(false);
    expect(await exists(newer)).toBe(true);
    expect(await exists(young.accepted ?? '')).toBe(false);
    expect(await exists(young.lapsed ?? '')).toBe(false);
    expect(await exists(young.revoked ?? '')).toBe(true);
    expect(await exists(young.pending ?? '')).toBe(true);
    expect((await invitationPurges()).at(-1)?.changes[0]).toEqual({ field: 'invitations', before: '3', after: '0' });
  });
});
