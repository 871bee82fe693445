import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DomainEvent } from '../../../src/events/domain-events.js';
import { appendEvents, tenantsChangedBetween } from '../../../src/outbox/outbox.repository.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';

/*
 * The statement the answer cache learns from (src/authz/answer-cache.ts): which tenants had events
 * after one seq up to another, and whether it can tell at all.
 */
const grant = (tenantId: string): DomainEvent => ({ type: 'WorkspaceMemberAdded', tenantId, workspaceId: `ws-${tenantId}`, subject: { type: 'user', id: 'u' }, role: 'member' });

describe('tenantsChangedBetween', () => {
  let database: TestDatabase;
  let seqs: string[];

  beforeAll(async () => {
    database = await createTestDatabase();
    const events: DomainEvent[] = [grant('A'), grant('B'), grant('B'), grant('C'), { type: 'ReplayOfParked', tenantId: null, replayOf: '1', updates: [] }, grant('A')];
    seqs = [];
    for (const event of events) seqs.push(...(await database.db.transaction().execute((trx) => appendEvents(trx, [event]))));
  }, 60_000);
  afterAll(async () => database.drop());

  const between = (from: number, to: number) => tenantsChangedBetween(database.db, seqs[from] ?? '', seqs[to] ?? '');

  it('names each tenant with an event after the first seq, with its last seq; the first row tenant only when it has a later event', async () => {
    expect(await between(0, 3)).toEqual({ tenants: new Map([['B', seqs[2]], ['C', seqs[3]]]), anything: false });
    expect(await between(0, 0)).toEqual({ tenants: new Map(), anything: false });
  });

  it('an event without a tenant in the range means anything may have changed', async () => {
    expect((await between(3, 5)).anything).toBe(true);
    // Row `after` itself lies before the range.
    expect(await between(4, 5)).toEqual({ tenants: new Map([['A', seqs[5]]]), anything: false });
  });

  it('a purged first row, or a range past the newest row, means anything may have changed', async () => {
    await database.pool.query('DELETE FROM outbox WHERE seq <= $1', [seqs[1]]);
    expect((await between(1, 3)).anything).toBe(true);
    expect((await tenantsChangedBetween(database.db, seqs[3] ?? '', String(Number(seqs[5]) + 10))).anything).toBe(true);
    expect((await between(2, 3)).anything).toBe(false);
  });
});
