import { sql } from 'kysely';
import { createDatabase } from '../src/infra/db/database.js';
import type { DomainEvent } from '../src/events/domain-events.js';
import { appendEvents } from '../src/outbox/outbox.repository.js';

export interface OutboxFigures {
  /** Commit-to-applied lag of events committed one per transaction at a steady rate. */
  lag: { events: number; perSecond: number; p50Ms: number; p99Ms: number; maxMs: number };
  /** A backlog committed at once, applied by the service's relay. */
  drain: { events: number; durationMs: number; eventsPerSecond: number };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function grant(tenantId: string, workspaceId: string, n: number, type: 'WorkspaceMemberAdded' | 'WorkspaceMemberRemoved'): DomainEvent {
  return { type, tenantId, workspaceId, subject: { type: 'user', id: `bench-outbox-${n}` }, role: 'member' };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
}

/**
 * The relay of the running service, measured through its database: events are appended the way a
 * mutation appends them (outbox.repository.ts), each grant followed later by its removal so that
 * SpiceDB ends as it began. Lag uses the database clock on both ends (created_at at the append,
 * applied_at when the relay marked it).
 */
export async function benchOutbox(databaseUrl: string, tenantId: string, workspaceIds: string[], options: { perSecond: number; seconds: number; backlog: number }): Promise<OutboxFigures> {
  const database = createDatabase(databaseUrl, undefined, 4);
  const { db } = database;
  const append = async (events: DomainEvent[]): Promise<string[]> => db.transaction().execute((trx) => appendEvents(trx, events));
  const workspace = (n: number): string => workspaceIds[n % workspaceIds.length] ?? '';
  const settled = async (seqs: string[]): Promise<void> => {
    const last = seqs.at(-1) ?? '0';
    for (let i = 0; i < 6000; i += 1) {
      const row = await sql<{ n: number }>`SELECT count(*)::int AS n FROM outbox WHERE seq <= ${last}::bigint AND status = 'pending'`.execute(db);
      if (row.rows[0]?.n === 0) return;
      await sleep(20);
    }
    throw new Error('the relay did not apply the bench events within 2 minutes');
  };
  try {
    // Steady rate: one event per transaction, a grant and, one tick later, its removal.
    const total = options.perSecond * options.seconds;
    const interval = 1000 / options.perSecond;
    const started = Date.now();
    const seqs: string[] = [];
    for (let i = 0; i < total; i += 1) {
      const pair = Math.floor(i / 2);
      seqs.push(...(await append([grant(tenantId, workspace(pair), pair, i % 2 === 0 ? 'WorkspaceMemberAdded' : 'WorkspaceMemberRemoved')])));
      const due = started + (i + 1) * interval;
      if (due > Date.now()) await sleep(due - Date.now());
    }
    await settled(seqs);
    const lags = await sql<{ ms: number }>`
      SELECT extract(epoch FROM applied_at - created_at) * 1000 AS ms FROM outbox WHERE seq = ANY(${seqs}::bigint[])`.execute(db);
    const sorted = lags.rows.map((r) => Number(r.ms)).sort((a, b) => a - b);

    // Backlog: half grants, then their removals, committed together.
    const half = Math.floor(options.backlog / 2);
    const events = [
      ...Array.from({ length: half }, (_, n) => grant(tenantId, workspace(n), total + n, 'WorkspaceMemberAdded')),
      ...Array.from({ length: half }, (_, n) => grant(tenantId, workspace(n), total + n, 'WorkspaceMemberRemoved')),
    ];
    const backlog = await db.transaction().execute(async (trx) => appendEvents(trx, events));
    const committedAt = (await sql<{ t: Date }>`SELECT clock_timestamp() AS t`.execute(db)).rows[0]?.t ?? new Date();
    await settled(backlog);
    const done = await sql<{ t: Date }>`SELECT max(applied_at) AS t FROM outbox WHERE seq = ANY(${backlog}::bigint[])`.execute(db);
    const durationMs = (done.rows[0]?.t ?? new Date()).getTime() - committedAt.getTime();
    return {
      lag: {
        events: sorted.length,
        perSecond: options.perSecond,
        p50Ms: Math.round(percentile(sorted, 50) * 10) / 10,
        p99Ms: Math.round(percentile(sorted, 99) * 10) / 10,
        maxMs: Math.round((sorted.at(-1) ?? NaN) * 10) / 10,
      },
      drain: { events: backlog.length, durationMs, eventsPerSecond: Math.round(backlog.length / (durationMs / 1000)) },
    };
  } finally {
    await database.close();
  }
}
