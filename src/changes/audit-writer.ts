import { sql } from 'kysely';
import type { Actor } from '../events/actor.js';
import type { AuditAction, AuditChange, AuditRecord, AuditTargetType } from '../events/audit-record.js';
import { auditRecordsOf, type DomainEvent } from '../events/domain-events.js';
import { ADVISORY_LOCKS } from '../infra/db/advisory-locks.js';
import type { Db, Executor, Tx } from '../infra/db/database.js';
import { newOrderedId } from '../shared/ids.js';
import type { RecordedEvent } from './change-log.js';

/** One row of audit_log as written: everything an entry says, the target's name resolved at insert. */
interface EntryRow {
  id: string;
  tenant_id: string | null;
  action: AuditAction;
  outcome: 'SUCCEEDED' | 'DENIED';
  actor_id: string | null;
  actor_username: string | null;
  via: 'OIDC' | 'API_KEY' | 'SYSTEM';
  api_key_id: string | null;
  job: string | null;
  target_type: AuditTargetType;
  target_id: string;
  target_name: string | null;
  subject_type: string | null;
  subject_id: string | null;
  request_id: string | null;
  headline_id: string | null;
  permission: string | null;
  changes: AuditChange[];
}

type ActorColumns = Pick<EntryRow, 'actor_id' | 'actor_username' | 'via' | 'api_key_id' | 'job' | 'request_id'>;

/** The actor as it was at the time: its username is kept, since the user may later be renamed or gone. */
function actorColumns(actor: Actor): ActorColumns {
  if (actor.via === 'system') return { actor_id: null, actor_username: null, via: 'SYSTEM', api_key_id: null, job: actor.job, request_id: null };
  return {
    actor_id: actor.userId,
    actor_username: actor.username,
    via: actor.via === 'api_key' ? 'API_KEY' : 'OIDC',
    api_key_id: actor.apiKeyId,
    job: null,
    request_id: actor.requestId,
  };
}

function row(tenantId: string | null, actor: ActorColumns, record: AuditRecord, extra: Pick<EntryRow, 'id' | 'outcome' | 'headline_id' | 'permission'>): EntryRow {
  return {
    ...extra,
    ...actor,
    tenant_id: tenantId,
    action: record.action,
    target_type: record.target.type,
    target_id: record.target.id,
    target_name: record.target.name ?? null,
    subject_type: record.subject?.type ?? null,
    subject_id: record.subject?.id ?? null,
    changes: record.changes,
  };
}

/**
 * The entries of a committed change, one per audit record of each event it recorded, in order: the
 * first entry of the change's headline (its first event that is no consequence) is the change's
 * own; every other entry names it (`headline_id`) and shares its request id, so an off-boarding
 * reads as one mutation and everything it took along. Pure.
 */
export function changeEntries(actor: Actor, recorded: readonly RecordedEvent[]): EntryRow[] {
  const ordered = [...recorded.filter((r) => !r.consequence), ...recorded.filter((r) => r.consequence)];
  const columns = actorColumns(actor);
  const rows: EntryRow[] = [];
  let headline: string | null = null;
  for (const { event } of ordered) {
    for (const record of auditRecordsOf(event)) {
      const id = newOrderedId();
      rows.push(row(tenantOf(event), columns, record, { id, outcome: 'SUCCEEDED', headline_id: headline, permission: null }));
      headline ??= id;
    }
  }
  return rows;
}

const tenantOf = (event: DomainEvent): string | null => event.tenantId;

/**
 * Inserts entries in one statement, in the caller's transaction. A target named by no record is
 * named as it is now in that transaction (a grant's workspace); a deleted one's event carries it.
 */
export async function insertEntries(db: Executor, rows: readonly EntryRow[]): Promise<void> {
  if (rows.length === 0) return;
  await sql`
    INSERT INTO audit_log (id, tenant_id, action, outcome, actor_id, actor_username, via, api_key_id, job, target_type, target_id, target_name,
                           subject_type, subject_id, request_id, headline_id, permission, changes)
    SELECT e.id, e.tenant_id, e.action, e.outcome, e.actor_id, e.actor_username, e.via, e.api_key_id, e.job, e.target_type, e.target_id,
           COALESCE(e.target_name, CASE e.target_type
             WHEN 'workspace' THEN (SELECT w.name FROM workspaces w WHERE w.id = e.target_id)
             WHEN 'group' THEN (SELECT g.name FROM groups g WHERE g.id = e.target_id)
             WHEN 'tenant' THEN (SELECT t.name FROM tenants t WHERE t.id = e.target_id)
             WHEN 'api_key' THEN (SELECT k.name FROM api_keys k WHERE k.id = e.target_id)
           END),
           e.subject_type, e.subject_id, e.request_id, e.headline_id, e.permission, e.changes
    FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS e(
      id text, tenant_id text, action text, outcome text, actor_id text, actor_username text, via text, api_key_id text, job text,
      target_type text, target_id text, target_name text, subject_type text, subject_id text, request_id text, headline_id text,
      permission text, changes jsonb)`.execute(db);
}

/** Writes a change's entries in its transaction: a change without its entries cannot commit. */
export function writeChangeEntries(trx: Tx, actor: Actor, recorded: readonly RecordedEvent[]): Promise<void> {
  return insertEntries(trx, changeEntries(actor, recorded));
}

/** What a refusal with FORBIDDEN names: the action tried, the target checked, the permission missing. */
export interface Denial {
  action: AuditAction;
  tenantId: string;
  target: { type: AuditTargetType; id: string };
  permission: string;
}

/**
 * Records a refusal with FORBIDDEN in a transaction of its own (the refused change never opened
 * one, or rolled back), at most `perMinute` per principal: counted in SQL under a per-principal lock,
 * so a loop of refusals, in any number of processes, cannot flood the table. Returns whether it wrote.
 */
export async function writeDenial(db: Db, actor: Actor, denial: Denial, perMinute: number): Promise<boolean> {
  if (actor.via === 'system') return false;
  const entry = row(denial.tenantId, actorColumns(actor), { action: denial.action, target: denial.target, changes: [] }, {
    id: newOrderedId(),
    outcome: 'DENIED',
    headline_id: null,
    permission: denial.permission,
  });
  return db.transaction().execute(async (trx) => {
    await sql`SELECT pg_advisory_xact_lock(${ADVISORY_LOCKS.auditDenials}::int, hashtext(${actor.userId}))`.execute(trx);
    const recent = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM audit_log
      WHERE actor_id = ${actor.userId} AND outcome = 'DENIED' AND occurred_at > now() - interval '1 minute'`.execute(trx);
    if ((recent.rows[0]?.n ?? 0) >= perMinute) return false;
    await insertEntries(trx, [entry]);
    return true;
  });
}
